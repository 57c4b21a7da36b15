"""Incidents over the API: the visible list and records, writes through actions (create, PATCH
with version, transitions, comments, attachments, history, the CSAT survey)."""

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from core.api.concurrency import IF_MATCH, etag_for, expected_version
from core.audit import history_for
from core.exceptions import NotAllowed
from core.roles import is_staff_member, works_tickets
from servicedesk import actions, survey_actions
from servicedesk.api import serializers as s
from servicedesk.filtersets import IncidentFilter
from servicedesk.models import Survey
from servicedesk.queries import (
    attachments_visible_to,
    comments_visible_to,
    incident_list_for,
    incident_records_for,
    incidents_visible_to,
)


def _check_assignee(user) -> None:
    if user is not None and not works_tickets(user):
        raise ValidationError({"assignee": ["Assign to an agent."]})


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
        # incident_open refuses a service the caller may not file against (a retired one, or
        # one not live yet for a requester: lifecycle.service_incident_refusal).
        # The returned incident carries the rows it was built from (service, people, team,
        # SLA policy): answered as it is, without re-reading it through an eight-table join.
        incident = actions.incident_open(actor=request.user, **serializer.validated_data)
        response = Response(s.IncidentSerializer(incident).data, status=status.HTTP_201_CREATED)
        response["ETag"] = etag_for(incident)
        return response

    @extend_schema(
        parameters=[IF_MATCH],
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
