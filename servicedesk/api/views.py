"""Thin viewsets: a queryset from queries.py, a serializer, a filterset; writes via actions."""

from datetime import UTC, datetime, timedelta

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from core.api.concurrency import etag_for, expected_version
from core.api.permissions import role_required
from core.audit import history_for
from core.exceptions import NotAllowed
from core.roles import STAFF_ROLES, Role, has_role, is_admin, is_staff_member, works_tickets
from servicedesk import (
    actions,
    outage_actions,
    service_cost_actions,
    sla_actions,
    survey_actions,
)
from servicedesk.api import serializers as s
from servicedesk.api.requests import IF_MATCH
from servicedesk.errors import BuiltinCalendarLocked
from servicedesk.filtersets import IncidentFilter, OutageFilter, ServiceFilter
from servicedesk.lifecycle import SERVICE_WRITER_ROLES, service_may_run
from servicedesk.models import BusinessCalendar, Outage, Service, ServiceCost, SLAPolicy, Survey
from servicedesk.queries import (
    attachments_visible_to,
    comments_visible_to,
    incident_list_for,
    incident_records_for,
    incidents_visible_to,
    service_availability,
    services_visible_to,
)


def _check_service(user, service) -> None:
    if service is not None and not services_visible_to(user).filter(pk=service.pk).exists():
        raise ValidationError({"service": ["Choose a live service."]})


def _check_assignee(user) -> None:
    if user is not None and not works_tickets(user):
        raise ValidationError({"assignee": ["Assign to an agent."]})


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


class IncidentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Incidents, visible per user: another organisation's incident is a 404."""

    permission_classes = [IsAuthenticated]
    filterset_class = IncidentFilter
    ordering_fields = ["opened_at", "priority", "number", "updated_at", "status", "resolution_due"]
    ordering = ["-opened_at"]
    http_method_names = ["get", "post", "patch", "head", "options"]
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if self.action == "list":
            return incident_list_for(self.request.user)
        if self.action in ("comments", "attachments", "history", "transitions", "partial_update"):
            # They need the visible row only (writes lock and re-read it themselves): no
            # eight-table join to plan. Replies are read through incident_records_for.
            return incidents_visible_to(self.request.user)
        return incident_records_for(self.request.user)

    def get_serializer_class(self):
        if self.action == "create":
            return s.IncidentCreateSerializer
        if self.action == "partial_update":
            return s.IncidentUpdateSerializer
        if self.action == "list":
            return s.IncidentListSerializer
        return s.IncidentSerializer

    def retrieve(self, request, *args, **kwargs):
        incident = self.get_object()
        response = Response(s.IncidentSerializer(incident).data)
        response["ETag"] = etag_for(incident)
        return response

    @extend_schema(request=s.IncidentCreateSerializer, responses={201: s.IncidentSerializer})
    def create(self, request, *args, **kwargs):
        serializer = s.IncidentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # incident_open refuses a service the caller may not file against (not live).
        # The returned incident carries the rows it was built from (service, people, team,
        # SLA policy): answered as it is, without re-reading it through an eight-table join.
        incident = actions.incident_open(actor=request.user, **serializer.validated_data)
        response = Response(s.IncidentSerializer(incident).data, status=status.HTTP_201_CREATED)
        response["ETag"] = etag_for(incident)
        return response

    @extend_schema(
        parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=False)],
        request=s.IncidentUpdateSerializer,
        responses=s.IncidentSerializer,
    )
    def partial_update(self, request, *args, **kwargs):
        incident = self.get_object()
        serializer = s.IncidentUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = {k: v for k, v in serializer.validated_data.items() if k != "version"}
        if "assignee" in changes:
            _check_assignee(changes["assignee"])
        _check_service(request.user, changes.get("service"))
        updated = actions.incident_update(
            incident=incident,
            actor=request.user,
            expected_version=expected_version(request),
            changes=changes,
        )
        updated = incident_records_for(request.user).get(pk=updated.pk)
        response = Response(s.IncidentSerializer(updated).data)
        response["ETag"] = etag_for(updated)
        return response

    @extend_schema(request=s.TransitionSerializer, responses=s.IncidentSerializer)
    @action(detail=True, methods=["post"])
    def transitions(self, request, pk=None):
        incident = self.get_object()
        serializer = s.TransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        verb = data.pop("action")
        if "assignee" in data:
            _check_assignee(data["assignee"])
        moved = actions.incident_transition(
            incident=incident, action=verb, actor=request.user, data=data
        )
        moved = incident_records_for(request.user).get(pk=moved.pk)
        return Response(s.IncidentSerializer(moved).data)

    @extend_schema(methods=["get"], responses=s.CommentSerializer(many=True))
    @extend_schema(
        methods=["post"], request=s.CommentCreateSerializer, responses={201: s.CommentSerializer}
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filterset_class=None)
    def comments(self, request, pk=None):
        incident = self.get_object()
        if request.method == "GET":
            comments = comments_visible_to(request.user, incident)
            return Response(s.CommentSerializer(comments, many=True).data)
        serializer = s.CommentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment = actions.incident_comment_add(
            incident=incident, actor=request.user, **serializer.validated_data
        )
        return Response(s.CommentSerializer(comment).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["get"], responses=s.AttachmentSerializer(many=True))
    @extend_schema(
        methods=["post"],
        request={"multipart/form-data": s.AttachmentUploadSerializer},
        responses={201: s.AttachmentSerializer},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        pagination_class=None,
        filterset_class=None,
        parser_classes=[MultiPartParser, FormParser, JSONParser],
    )
    def attachments(self, request, pk=None):
        incident = self.get_object()
        if request.method == "GET":
            return Response(
                s.AttachmentSerializer(
                    attachments_visible_to(request.user, incident), many=True
                ).data
            )
        serializer = s.AttachmentUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment = None
        if serializer.validated_data.get("comment"):
            comment = get_object_or_404(
                comments_visible_to(request.user, incident), pk=serializer.validated_data["comment"]
            )
            if comment.author_id != request.user.pk:
                raise NotAllowed("You may attach files only to your own comments.")
        attachment = actions.attachment_add(
            incident=incident,
            actor=request.user,
            upload=serializer.validated_data["file"],
            comment=comment,
        )
        return Response(s.AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=s.HistoryEventSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def history(self, request, pk=None):
        incident = self.get_object()
        events = history_for(incident, include_internal=is_staff_member(request.user))
        return Response(s.HistoryEventSerializer(events, many=True).data)

    @extend_schema(methods=["get"], responses=s.SurveySerializer)
    @extend_schema(
        methods=["post"], request=s.SurveyAnswerSerializer, responses={201: s.SurveySerializer}
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filterset_class=None)
    def survey(self, request, pk=None):
        """The incident's CSAT survey: its requester answers once (a second answer is 409);
        staff may read it; anyone else gets 404."""
        incident = self.get_object()
        found = Survey.objects.filter(incident=incident).first()
        is_requester = incident.requester_id == request.user.pk
        may_read = is_requester or is_staff_member(request.user)
        if found is None or not (is_requester if request.method == "POST" else may_read):
            raise NotFound("No survey for you on this incident.")
        if request.method == "GET":
            return Response(s.SurveySerializer(found).data)
        serializer = s.SurveyAnswerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        answered = survey_actions.survey_answer(
            survey=found, actor=request.user, **serializer.validated_data
        )
        return Response(s.SurveySerializer(answered).data, status=status.HTTP_201_CREATED)


# --- service levels: calendars, policies, outages, availability, costs -----------------------

STAFF = tuple(STAFF_ROLES)
SERVICE_PK = OpenApiParameter("service_pk", int, OpenApiParameter.PATH)


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

    def destroy(self, request, *args, **kwargs):
        sla_actions.calendar_delete(calendar=self.get_object(), actor=request.user)
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

    def destroy(self, request, *args, **kwargs):
        sla_actions.sla_policy_delete(policy=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class _ServiceNested:
    """Helpers for collections under /services/{service_pk}/."""

    kwargs: dict
    request: object

    def service(self) -> Service:
        if not hasattr(self, "_service"):
            self._service = get_object_or_404(
                services_visible_to(self.request.user), pk=self.kwargs["service_pk"]
            )
        return self._service

    def _check_owner_or_admin(self) -> None:
        user = self.request.user
        service = self.service()
        if is_admin(user):
            return
        if has_role(user, Role.SERVICE_OWNER) and service.owner_id == user.pk:
            return
        raise NotAllowed("Only this service's owner or an admin may do this.")


@extend_schema_view(
    list=extend_schema(parameters=[SERVICE_PK]),
    create=extend_schema(parameters=[SERVICE_PK]),
    retrieve=extend_schema(parameters=[SERVICE_PK]),
    partial_update=extend_schema(parameters=[SERVICE_PK]),
)
class OutageViewSet(
    _ServiceNested,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Outages of one service: staff read (`?state=upcoming` lists maintenance ahead); its
    owner, agents and admins record and end them (PATCH `ended_at`) and cancel one that has
    not started. Requesters get 403."""

    serializer_class = s.OutageSerializer
    permission_classes = [
        role_required(Role.ADMIN, Role.AGENT, Role.SERVICE_OWNER, read_roles=STAFF)
    ]
    filterset_class = OutageFilter
    ordering = ["-started_at"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Outage.objects.none()
        return Outage.objects.filter(service=self.service()).select_related("incident")

    def _check_outage_writer(self) -> None:
        if not outage_actions.outage_may_write(self.request.user, self.service()):
            raise NotAllowed("Only this service's owner, an agent or an admin may do this.")

    def perform_create(self, serializer):
        self._check_outage_writer()
        serializer.instance = outage_actions.outage_record(
            actor=self.request.user, service=self.service(), **serializer.validated_data
        )

    def partial_update(self, request, *args, **kwargs):
        outage = self.get_object()
        self._check_outage_writer()
        serializer = self.get_serializer(outage, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        updated = outage_actions.outage_update(
            outage=outage,
            actor=request.user,
            changes=serializer.validated_data,
            expected_version=expected_version(request),
        )
        return Response(self.get_serializer(updated).data)

    @extend_schema(
        parameters=[
            SERVICE_PK,
            OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=False),
        ],
        request=s.OutageCancelSerializer,
        responses={
            204: OpenApiResponse(description="Cancelled: the outage is gone, its audit row kept"),
            409: OpenApiResponse(
                description="It has started: `allowed` lists what is left (end, edit)"
            ),
            412: OpenApiResponse(description="Stale version"),
            428: OpenApiResponse(description="Send the outage's version (or If-Match)"),
        },
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, *args, **kwargs):
        """Cancel an outage that has not started (a maintenance window called off), with its
        `version`: it no longer counts anywhere; the audit trail keeps what it was."""
        outage = self.get_object()
        self._check_outage_writer()
        s.OutageCancelSerializer(data=request.data).is_valid(raise_exception=True)
        outage_actions.outage_cancel(
            outage=outage, actor=request.user, expected_version=expected_version(request)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(parameters=[SERVICE_PK]),
    create=extend_schema(parameters=[SERVICE_PK]),
    retrieve=extend_schema(parameters=[SERVICE_PK]),
    partial_update=extend_schema(parameters=[SERVICE_PK]),
    destroy=extend_schema(parameters=[SERVICE_PK]),
)
class ServiceCostViewSet(_ServiceNested, viewsets.ModelViewSet):
    """Monthly costs of one service by category: staff read; its owner or an admin writes."""

    serializer_class = s.ServiceCostSerializer
    permission_classes = [role_required(Role.ADMIN, Role.SERVICE_OWNER, read_roles=STAFF)]
    filterset_class = None
    ordering = ["-period_month"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ServiceCost.objects.none()
        return ServiceCost.objects.filter(service=self.service())

    def perform_create(self, serializer):
        self._check_owner_or_admin()
        serializer.instance = service_cost_actions.service_cost_record(
            actor=self.request.user, service=self.service(), **serializer.validated_data
        )

    def partial_update(self, request, *args, **kwargs):
        cost = self.get_object()
        self._check_owner_or_admin()
        serializer = self.get_serializer(cost, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        updated = service_cost_actions.service_cost_update(
            cost=cost, actor=request.user, changes=serializer.validated_data
        )
        return Response(self.get_serializer(updated).data)

    def destroy(self, request, *args, **kwargs):
        cost = self.get_object()
        self._check_owner_or_admin()
        service_cost_actions.service_cost_delete(cost=cost, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


def parse_window(params, *, now: datetime) -> tuple[datetime, datetime]:
    """`start`/`end` query parameters (ISO date or datetime; naive = UTC); default: the
    last 30 days up to now. 400 for bad dates, end <= start or a window over 2 years."""
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
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        bounds[name] = value
    end = bounds.get("end", now)
    start = bounds.get("start", end - timedelta(days=30))
    if end <= start:
        raise ValidationError({"end": ["The end must be after the start."]})
    if end - start > MAX_WINDOW:
        raise ValidationError({"start": ["The window may span at most two years."]})
    return start, end


MAX_WINDOW = timedelta(days=731)
