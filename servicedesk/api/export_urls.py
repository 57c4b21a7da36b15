from django.urls import path

from servicedesk.api.exports import IncidentExportView, RequestExportView

urlpatterns = [
    path("incidents/export/", IncidentExportView.as_view(), name="incident-export"),
    path("requests/export/", RequestExportView.as_view(), name="request-export"),
]
