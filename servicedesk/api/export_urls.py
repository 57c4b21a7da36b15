from django.urls import path

from servicedesk.api.exports import IncidentExportView

urlpatterns = [
    path("incidents/export/", IncidentExportView.as_view(), name="incident-export"),
]
