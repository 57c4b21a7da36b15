"""Exports of the incident and request lists: same filters and visibility, streamed."""

from core.exports import ListExportView
from servicedesk.filtersets import IncidentFilter
from servicedesk.queries import incidents_visible_to
from servicedesk.request_filtersets import ServiceRequestFilter
from servicedesk.request_queries import requests_visible_to


class IncidentExportView(ListExportView):
    """`GET /api/v1/incidents/export/?type=csv|xlsx&<filters>`: a file of visible incidents."""

    filterset_class = IncidentFilter
    filename = "incidents"
    ordering = ("-opened_at", "-id")
    columns = [
        ("number", "Number"),
        ("title", "Title"),
        ("status", "Status"),
        ("priority", "Priority"),
        ("service__name", "Service"),
        ("team__name", "Team"),
        ("assignee__username", "Assignee"),
        ("requester__username", "Requester"),
        ("organisation__name", "Organisation"),
        ("category", "Category"),
        ("opened_at", "Opened"),
        ("first_responded_at", "First response"),
        ("resolved_at", "Resolved"),
        ("closed_at", "Closed"),
        ("resolution_code", "Resolution code"),
    ]

    def visible(self, request):
        return incidents_visible_to(request.user)


class RequestExportView(ListExportView):
    """`GET /api/v1/requests/export/?type=csv|xlsx&<filters>`: a file of visible requests."""

    filterset_class = ServiceRequestFilter
    filename = "requests"
    ordering = ("-opened_at", "-id")
    columns = [
        ("number", "Number"),
        ("catalog_item__name", "Item"),
        ("service__name", "Service"),
        ("status", "Status"),
        ("requester__username", "Requester"),
        ("organisation__name", "Organisation"),
        ("team__name", "Team"),
        ("assignee__username", "Assignee"),
        ("opened_at", "Opened"),
        ("resolution_due", "Due"),
        ("fulfilled_at", "Fulfilled"),
        ("closed_at", "Closed"),
    ]

    def visible(self, request):
        return requests_visible_to(request.user)
