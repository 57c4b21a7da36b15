"""Thin viewsets: a queryset from queries.py, a serializer, a filterset; writes via actions."""

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from core.api.concurrency import etag_for, expected_version
from core.api.permissions import role_required
from core.audit import history_for
from core.exceptions import NotAllowed
from core.roles import Role, is_admin, is_staff_member, works_tickets
from servicedesk import actions
from servicedesk.api import serializers as s
from servicedesk.filtersets import IncidentFilter, ServiceFilter
from servicedesk.queries import (
    attachments_visible_to,
    comments_visible_to,
    incident_list_for,
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
    permission_classes = [role_required(Role.ADMIN, Role.SERVICE_OWNER)]
    ordering_fields = ["name", "criticality", "created_at"]
    ordering = ["name"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return services_visible_to(self.request.user)

    def perform_create(self, serializer):
        serializer.instance = actions.service_create(
            actor=self.request.user, **serializer.validated_data
        )

    def _may_run(self, service) -> bool:
        return is_admin(self.request.user) or service.owner_id == self.request.user.pk

    def partial_update(self, request, *args, **kwargs):
        service = self.get_object()
        if not self._may_run(service):
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
        return incident_list_for(self.request.user)

    def get_serializer_class(self):
        if self.action == "create":
            return s.IncidentCreateSerializer
        if self.action == "partial_update":
            return s.IncidentUpdateSerializer
        return s.IncidentSerializer

    def retrieve(self, request, *args, **kwargs):
        incident = self.get_object()
        response = Response(s.IncidentSerializer(incident).data)
        response["ETag"] = etag_for(incident)
        return response

    def create(self, request, *args, **kwargs):
        serializer = s.IncidentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        service = data.get("service")
        if (
            service is not None
            and not services_visible_to(request.user).filter(pk=service.pk).exists()
        ):
            raise ValidationError({"service": ["Choose a live service."]})
        incident = actions.incident_open(actor=request.user, **data)
        incident = self.get_queryset().get(pk=incident.pk)
        response = Response(s.IncidentSerializer(incident).data, status=status.HTTP_201_CREATED)
        response["ETag"] = etag_for(incident)
        return response

    @extend_schema(
        parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=False)]
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
        updated = self.get_queryset().get(pk=updated.pk)
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
        moved = self.get_queryset().get(pk=moved.pk)
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
