"""IT services over the API: the catalog of services, their edits and lifecycle moves, and
their availability over a window."""

from datetime import UTC, datetime, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.concurrency import IF_MATCH, expected_version
from core.api.permissions import role_required
from core.exceptions import NotAllowed
from core.params import FIRST_DAY, LAST_DAY, day_in_range, utc_moment
from servicedesk import actions
from servicedesk.api import serializers as s
from servicedesk.filtersets import ServiceFilter
from servicedesk.lifecycle import SERVICE_WRITER_ROLES, service_may_run
from servicedesk.queries import service_availability, services_visible_to


class ServiceViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """IT services: the catalog lists live ones; owners and admins run them."""

    serializer_class = s.ServiceSerializer
    filterset_class = ServiceFilter
    # The pages ask the same rules (lifecycle.service_may_create / service_may_run).
    permission_classes = [role_required(*SERVICE_WRITER_ROLES)]
    ordering_fields = ["name", "criticality", "created_at"]
    ordering = ["name"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return services_visible_to(self.request.user)

    def perform_create(self, serializer):
        serializer.instance = actions.service_create(
            actor=self.request.user, **serializer.validated_data
        )

    @extend_schema(parameters=[IF_MATCH])
    def partial_update(self, request, *args, **kwargs):
        service = self.get_object()
        if not service_may_run(service, request.user):
            raise NotAllowed("Only the service owner or an admin may change this service.")
        serializer = self.get_serializer(service, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        updated = actions.service_update(
            service=service,
            actor=request.user,
            expected_version=expected_version(request),
            changes=serializer.validated_data,
        )
        return Response(s.ServiceSerializer(updated).data)

    @extend_schema(request=s.ServiceTransitionSerializer, responses=s.ServiceSerializer)
    @action(detail=True, methods=["post"])
    def transitions(self, request, pk=None):
        service = self.get_object()
        # Asked before the status, as the page does: someone who may not run the service
        # hears 403 whatever they ask, not the moves its status would allow.
        if not service_may_run(service, request.user):
            raise NotAllowed("Only the service owner or an admin may move this service.")
        serializer = s.ServiceTransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        moved = actions.service_transition(
            service=service, action=serializer.validated_data["action"], actor=request.user
        )
        return Response(s.ServiceSerializer(moved).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("start", str, description="ISO date/date-time; default end − 30 d"),
            OpenApiParameter("end", str, description="ISO date/date-time; default now"),
        ],
        responses=s.AvailabilitySerializer,
    )
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def availability(self, request, pk=None):
        """Availability over [start, end): agreed service time (service hours minus planned
        outages), unplanned downtime within it, and (agreed − downtime) ÷ agreed × 100."""
        service = self.get_object()
        now = timezone.now()
        start, end = parse_window(request.query_params, now=now)
        figures = service_availability(service, start=start, end=end, now=now)
        body = {"service": service.pk, "start": start, "end": end, **figures}
        return Response(s.AvailabilitySerializer(body).data)


def parse_window(params, *, now: datetime) -> tuple[datetime, datetime]:
    """`start`/`end` query parameters (ISO date or datetime; naive = UTC), read in UTC;
    default: the last 30 days up to now. 400 for bad dates, a moment outside the days a
    caller may name (core.params), end <= start or a window over 2 years."""
    bounds = {}
    for name in ("start", "end"):
        raw = (params.get(name) or "").strip()
        if not raw:
            continue
        try:
            value = parse_datetime(raw) if "T" in raw or " " in raw else None
            if value is None:
                day = parse_date(raw) if len(raw) == 10 else None
                value = datetime.combine(day, datetime.min.time()) if day else None
        except ValueError:  # well-formed but impossible, e.g. month 13
            value = None
        if value is None:
            raise ValidationError({name: ["Use an ISO 8601 date or date-time."]})
        # An offset PostgreSQL cannot hold (+20:00) is read in UTC; one with no UTC value
        # (0001-01-01T00:00+01:00), or a day with no room for the window around it, is refused.
        value = utc_moment(value if value.tzinfo else value.replace(tzinfo=UTC))
        if value is None or not day_in_range(value.date()):
            raise ValidationError({name: [f"Give a moment from {FIRST_DAY} to {LAST_DAY} (UTC)."]})
        bounds[name] = value
    end = bounds.get("end", now)
    start = bounds.get("start", end - timedelta(days=30))
    if end <= start:
        raise ValidationError({"end": ["The end must be after the start."]})
    if end - start > MAX_WINDOW:
        raise ValidationError({"start": ["The window may span at most two years."]})
    return start, end


MAX_WINDOW = timedelta(days=731)
