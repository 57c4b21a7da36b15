from django.urls import path

from servicedesk import views

app_name = "servicedesk"
urlpatterns = [
    path("desk/", views.queue, name="queue"),
    path("desk/bulk-assign/", views.bulk_assign, name="bulk_assign"),
    path("desk/incidents/<str:number>/", views.incident_detail, name="incident_detail"),
    path("desk/incidents/<str:number>/fields/", views.incident_fields, name="incident_fields"),
    path("incidents/<str:number>/comment/", views.incident_comment, name="incident_comment"),
    path(
        "incidents/<str:number>/transition/", views.incident_transition, name="incident_transition"
    ),
    path("portal/", views.portal, name="portal"),
    path("portal/report/", views.portal_report, name="portal_report"),
    path("portal/incidents/<str:number>/", views.portal_incident, name="portal_incident"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
    path("services/", views.service_list, name="service_list"),
    path("services/<int:pk>/", views.service_detail, name="service_detail"),
    path("survey/<str:token>/", views.survey, name="survey"),
]
