"""Exports of the incident list: the same filters and visibility as the list, streamed."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView

from core.exports import FORMATS, export_response
from servicedesk.filtersets import IncidentFilter
from servicedesk.queries import incidents_visible_to

COLUMNS = [
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


class IncidentExportView(APIView):
    """`GET /api/v1/incidents/export/?type=csv|xlsx&<filters>`: a file of visible incidents."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[OpenApiParameter("type", str, enum=list(FORMATS), default="csv")],
        responses={(200, "text/csv"): OpenApiTypes.BINARY},
    )
    def get(self, request):
        fmt = request.query_params.get("type", "csv")
        if fmt not in FORMATS:
            raise ValidationError({"type": [f"Choose one of: {', '.join(FORMATS)}."]})
        filterset = IncidentFilter(
            request.query_params, queryset=incidents_visible_to(request.user), request=request
        )
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        fields = [name for name, _ in COLUMNS]
        rows = (
            filterset.qs.order_by("-opened_at", "-id")
            .values_list(*fields)
            .iterator(chunk_size=2000)
        )
        return export_response(
            header=[label for _, label in COLUMNS], rows=rows, filename="incidents", fmt=fmt
        )
