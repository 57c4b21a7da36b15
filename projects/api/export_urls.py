from django.urls import path

from projects.api.exports import ProjectExportView

urlpatterns = [
    path("projects/export/", ProjectExportView.as_view(), name="project-export"),
]
