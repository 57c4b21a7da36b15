"""Handoffs of projects to services: draft, edit, checklist and transitions."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.concurrency import IF_MATCH, expected_version
from projects import handoff_actions
from projects.api.handoff_serializers import (
    HandoffChecklistItemSerializer,
    HandoffChecklistItemWriteSerializer,
    HandoffSerializer,
    HandoffTransitionSerializer,
)
from projects.api.views import _CHECKLIST, ERRORS, _handoff_body
from projects.filtersets import HandoffFilterSet
from projects.models import HandoffChecklistItem
from projects.queries import handoffs_visible_to


class HandoffViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Handoffs of projects to services. The project manager edits a draft (PATCH needs
    `version`) and submits it; the target service's owner accepts or rejects it."""

    serializer_class = HandoffSerializer
    filterset_class = HandoffFilterSet
    ordering = ("-created_at", "-id")
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return handoffs_visible_to(self.request.user).prefetch_related(_CHECKLIST)

    def retrieve(self, request, *args, **kwargs):
        return _handoff_body(request, self.get_object().pk)

    @extend_schema(
        parameters=[IF_MATCH],
        responses={
            200: HandoffSerializer,
            409: OpenApiResponse(description="The handoff is not a draft"),
            412: OpenApiResponse(description="Stale version"),
            **ERRORS,
        },
    )
    def partial_update(self, request, *args, **kwargs):
        handoff = self.get_object()
        serializer = HandoffSerializer(
            handoff, data=request.data, partial=True, context={"request": request}
        )
        serializer.is_valid(raise_exception=True)
        handoff_actions.handoff_update(
            handoff=handoff,
            actor=request.user,
            expected_version=expected_version(request),
            **serializer.validated_data,
        )
        return _handoff_body(request, handoff.pk)

    @extend_schema(
        request=HandoffTransitionSerializer,
        responses={
            200: HandoffSerializer,
            409: OpenApiResponse(
                description="Not allowed from this state, or checklist items are not done "
                "(`unmet` names them)"
            ),
            **ERRORS,
        },
    )
    @action(detail=True, methods=["post"])
    def transitions(self, request, pk=None):
        """submit (project manager), accept or reject with a note (service owner), redraft."""
        handoff = self.get_object()
        body = HandoffTransitionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        handoff_actions.handoff_transition(
            handoff=handoff,
            action=body.validated_data["action"],
            actor=request.user,
            note=body.validated_data.get("note", ""),
        )
        return _handoff_body(request, handoff.pk)

    @extend_schema(
        request=HandoffChecklistItemWriteSerializer,
        responses={
            200: HandoffChecklistItemSerializer(many=True),
            201: HandoffChecklistItemSerializer,
            **ERRORS,
        },
    )
    @action(detail=True, methods=["get", "post"], filterset_class=None)
    def checklist(self, request, pk=None):
        """GET: the transition checklist. POST {"label"}: add a free item to a draft."""
        handoff = self.get_object()
        if request.method == "POST":
            body = HandoffChecklistItemWriteSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            if not body.validated_data.get("label", "").strip():
                raise serializers.ValidationError({"label": ["Say what must be done."]})
            item = handoff_actions.checklist_item_add(
                handoff=handoff, actor=request.user, label=body.validated_data["label"]
            )
            return Response(HandoffChecklistItemSerializer(item).data, status=201)
        items = handoff.checklist.select_related("done_by")
        return Response(HandoffChecklistItemSerializer(items, many=True).data)

    @extend_schema(
        methods=["PATCH"],
        request=HandoffChecklistItemWriteSerializer,
        responses={200: HandoffChecklistItemSerializer, **ERRORS},
    )
    @extend_schema(methods=["DELETE"], request=None, responses={204: None, **ERRORS})
    @action(
        detail=True,
        methods=["patch", "delete"],
        url_path=r"checklist/(?P<item_id>\d+)",
        filterset_class=None,
    )
    def checklist_item(self, request, pk=None, item_id=None):
        """PATCH {"done": true} ticks an item (who and when are recorded); {"label"} renames
        a free item. DELETE removes a free item. Drafts only."""
        handoff = self.get_object()
        item = get_object_or_404(handoff.checklist.all(), pk=item_id)
        if request.method == "DELETE":
            handoff_actions.checklist_item_delete(item=item, actor=request.user)
            return Response(status=status.HTTP_204_NO_CONTENT)
        body = HandoffChecklistItemWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        item = handoff_actions.checklist_item_update(
            item=item,
            actor=request.user,
            done=body.validated_data.get("done"),
            label=body.validated_data.get("label"),
        )
        item = HandoffChecklistItem.objects.select_related("done_by").get(pk=item.pk)
        return Response(HandoffChecklistItemSerializer(item).data)
