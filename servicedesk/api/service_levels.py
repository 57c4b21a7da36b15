"""Service levels over the API: business calendars and SLA policies (staff read, admins write;
the pages in servicedesk/sla_views.py ask the same rule)."""

from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.response import Response

from core.api.concurrency import IF_MATCH, expected_version
from core.api.permissions import role_required
from servicedesk import sla_actions
from servicedesk.api import serializers as s
from servicedesk.errors import BuiltinCalendarLocked
from servicedesk.models import BusinessCalendar, SLAPolicy


class BusinessCalendarViewSet(viewsets.ModelViewSet):
    """Business calendars (working hours, time zone, holidays): staff read, admins write.

    `intervals` and `holidays`, when sent, replace the old ones. The built-in 24x7
    calendar cannot be changed or deleted (409)."""

    serializer_class = s.BusinessCalendarSerializer
    # The pages ask the same rule (sla_actions.sla_may_read / sla_may_write).
    permission_classes = [
        role_required(*sla_actions.SLA_WRITER_ROLES, read_roles=sla_actions.SLA_READER_ROLES)
    ]
    queryset = BusinessCalendar.objects.prefetch_related("intervals", "holidays")
    pagination_class = None
    filterset_class = None
    ordering = ["name"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def _save(self, serializer, calendar=None, version=None):
        data = serializer.validated_data
        intervals = data.get("intervals")
        holidays = data.get("holidays")
        return sla_actions.calendar_save(
            actor=self.request.user,
            calendar=calendar,
            name=data.get("name"),
            time_zone=data.get("time_zone"),
            intervals=[(i["weekday"], i["start"], i["end"]) for i in intervals]
            if intervals is not None
            else None,
            holidays=[(h["date"], h["name"]) for h in holidays] if holidays is not None else None,
            expected_version=version,
        )

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        calendar = self._save(serializer)
        fresh = self.get_queryset().get(pk=calendar.pk)
        return Response(self.get_serializer(fresh).data, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[IF_MATCH])
    def partial_update(self, request, *args, **kwargs):
        """Send the `version` you read (or If-Match): 428 without, 412 when stale."""
        calendar = self.get_object()
        if calendar.is_builtin:
            raise BuiltinCalendarLocked()
        serializer = self.get_serializer(calendar, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        self._save(serializer, calendar, expected_version(request))
        return Response(self.get_serializer(self.get_queryset().get(pk=calendar.pk)).data)

    @extend_schema(parameters=[IF_MATCH], request=s.VersionSerializer)
    def destroy(self, request, *args, **kwargs):
        """Send the `version` you read (or If-Match): 428 without, 412 when stale; 409 naming
        what uses the calendar."""
        calendar = self.get_object()
        if calendar.is_builtin:
            raise BuiltinCalendarLocked()
        s.VersionSerializer(data=request.data).is_valid(raise_exception=True)
        sla_actions.calendar_delete(
            calendar=calendar, actor=request.user, expected_version=expected_version(request)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class SLAPolicyViewSet(viewsets.ModelViewSet):
    """SLA policies: a calendar and response/resolution targets (business minutes) for each
    priority 1–5. Staff read, admins write; `is_default` moves the default flag here."""

    serializer_class = s.SLAPolicySerializer
    # The pages ask the same rule (sla_actions.sla_may_read / sla_may_write).
    permission_classes = [
        role_required(*sla_actions.SLA_WRITER_ROLES, read_roles=sla_actions.SLA_READER_ROLES)
    ]
    queryset = SLAPolicy.objects.select_related("calendar").prefetch_related("targets")
    pagination_class = None
    filterset_class = None
    ordering = ["name"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def _save(self, serializer, policy=None, version=None):
        data = serializer.validated_data
        targets = data.get("targets")
        return sla_actions.sla_policy_save(
            actor=self.request.user,
            policy=policy,
            name=data.get("name"),
            calendar=data.get("calendar"),
            is_default=data.get("is_default"),
            targets=[
                (t["priority"], t["response_minutes"], t["resolution_minutes"]) for t in targets
            ]
            if targets is not None
            else None,
            expected_version=version,
        )

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        policy = self._save(serializer)
        fresh = self.get_queryset().get(pk=policy.pk)
        return Response(self.get_serializer(fresh).data, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[IF_MATCH])
    def partial_update(self, request, *args, **kwargs):
        """Send the `version` you read (or If-Match): 428 without, 412 when stale."""
        policy = self.get_object()
        serializer = self.get_serializer(policy, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        self._save(serializer, policy, expected_version(request))
        return Response(self.get_serializer(self.get_queryset().get(pk=policy.pk)).data)

    @extend_schema(parameters=[IF_MATCH], request=s.VersionSerializer)
    def destroy(self, request, *args, **kwargs):
        """Send the `version` you read (or If-Match): 428 without, 412 when stale; 409 naming
        what uses the policy (the default one: also the services that name none)."""
        policy = self.get_object()
        s.VersionSerializer(data=request.data).is_valid(raise_exception=True)
        sla_actions.sla_policy_delete(
            policy=policy, actor=request.user, expected_version=expected_version(request)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
