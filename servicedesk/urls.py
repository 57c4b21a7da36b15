from django.urls import path

from servicedesk import (
    calendar_views,
    catalog_item_views,
    improvement_views,
    outage_views,
    request_views,
    service_pages,
    service_views,
    sla_views,
    views,
)

app_name = "servicedesk"
urlpatterns = [
    path("desk/", views.queue, name="queue"),
    path("desk/bulk-assign/", views.bulk_assign, name="bulk_assign"),
    path("desk/incidents/new/", views.incident_new, name="incident_new"),  # before <number>
    path("desk/incidents/<str:number>/", views.incident_detail, name="incident_detail"),
    path("desk/incidents/<str:number>/fields/", views.incident_fields, name="incident_fields"),
    path("incidents/<str:number>/comment/", views.incident_comment, name="incident_comment"),
    path(
        "incidents/<str:number>/transition/", views.incident_transition, name="incident_transition"
    ),
    path("portal/", views.portal, name="portal"),
    path("portal/report/", views.portal_report, name="portal_report"),
    path("portal/incidents/<str:number>/", views.portal_incident, name="portal_incident"),
    path("attachments/<id:pk>/", views.attachment_download, name="attachment_download"),
    path("services/", service_pages.service_list, name="service_list"),
    path("services/<id:pk>/", service_pages.service_detail, name="service_detail"),
    path("services/new/", service_views.service_new, name="service_new"),
    path("services/<id:pk>/edit/", service_views.service_edit, name="service_edit"),
    path(
        "services/<id:pk>/transition/",
        service_views.service_transition,
        name="service_transition",
    ),
    path("services/<id:service_pk>/outages/", outage_views.outage_record, name="outage_record"),
    path(
        "services/<id:service_pk>/outages/<id:outage_pk>/end/",
        outage_views.outage_end,
        name="outage_end",
    ),
    path(
        "services/<id:service_pk>/outages/<id:outage_pk>/edit/",
        outage_views.outage_edit,
        name="outage_edit",
    ),
    path(
        "services/<id:service_pk>/outages/<id:outage_pk>/cancel/",
        outage_views.outage_cancel,
        name="outage_cancel",
    ),
    # SLA policies and business calendars
    path("sla/", sla_views.sla_overview, name="sla_overview"),
    path("sla/policies/new/", sla_views.sla_policy_new, name="sla_policy_new"),
    path("sla/policies/<id:pk>/", sla_views.sla_policy_detail, name="sla_policy_detail"),
    path("sla/policies/<id:pk>/edit/", sla_views.sla_policy_edit, name="sla_policy_edit"),
    path("sla/policies/<id:pk>/delete/", sla_views.sla_policy_delete, name="sla_policy_delete"),
    path("sla/calendars/new/", calendar_views.calendar_new, name="calendar_new"),
    path("sla/calendars/<id:pk>/", calendar_views.calendar_detail, name="calendar_detail"),
    path("sla/calendars/<id:pk>/edit/", calendar_views.calendar_edit, name="calendar_edit"),
    path("sla/calendars/<id:pk>/delete/", calendar_views.calendar_delete, name="calendar_delete"),
    path("survey/<str:token>/", views.survey, name="survey"),
    # Service catalog and requests
    path("catalog/", request_views.catalog, name="catalog"),
    path("catalog/items/<id:pk>/", request_views.catalog_item, name="catalog_item"),
    path("catalog/manage/", catalog_item_views.catalog_manage, name="catalog_manage"),
    path("catalog/items/new/", catalog_item_views.catalog_item_new, name="catalog_item_new"),
    path(
        "catalog/items/<id:pk>/edit/",
        catalog_item_views.catalog_item_edit,
        name="catalog_item_edit",
    ),
    path("requests/", request_views.my_requests, name="my_requests"),
    path("requests/<str:number>/", request_views.request_detail, name="request_detail"),
    path(
        "requests/<str:number>/transition/",
        request_views.request_transition,
        name="request_transition",
    ),
    path("requests/<str:number>/comment/", request_views.request_comment, name="request_comment"),
    path(
        "requests/<str:number>/tasks/<id:task_pk>/",
        request_views.request_task,
        name="request_task",
    ),
    path(
        "request-attachments/<id:pk>/",
        request_views.request_attachment_download,
        name="request_attachment_download",
    ),
    path("desk/requests/", request_views.request_queue, name="request_queue"),
    path("approvals/", request_views.approvals, name="approvals"),
    path("approvals/<str:number>/", request_views.request_detail, name="approval_item"),
    # Continual improvement (CSI register)
    path("improvements/", improvement_views.register, name="improvements"),
    path("improvements/new/", improvement_views.improvement_new, name="improvement_new"),
    path("improvements/<id:pk>/", improvement_views.improvement_detail, name="improvement_detail"),
    path("improvements/<id:pk>/edit/", improvement_views.improvement_edit, name="improvement_edit"),
    path(
        "improvements/<id:pk>/transition/",
        improvement_views.improvement_transition,
        name="improvement_transition",
    ),
    path(
        "services/<id:service_pk>/improvements/",
        improvement_views.register,
        name="service_improvements",
    ),
]
