"""Thin viewsets: they name queryset, serializer and filterset, and call actions to write.

Projects and their team live here, with what the siblings share (ERRORS, ProjectChildViewSet,
_handoff_body); tasks, milestones, costs, risks and handoffs have their own *_views modules.
"""

import datetime

from django.db.models import Count, OuterRef, Prefetch, Subquery, Sum
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.concurrency import IF_MATCH, etag_for, expected_version
from projects import actions, evm, handoff_actions
from projects.api import serializers as s
from projects.api.handoff_serializers import HandoffSerializer
from projects.api.outcome_serializers import OutcomeSerializer
from projects.filtersets import ProjectFilterSet
from projects.models import Baseline, HandoffChecklistItem, Project, ProjectMember
from projects.outcome import project_outcome
from projects.queries import handoffs_visible_to, portfolio, portfolio_measures, projects_visible_to

ERRORS = {
    400: OpenApiResponse(description="Invalid input: {detail, code, fields}"),
    403: OpenApiResponse(description="Your role may not change this project"),
    404: OpenApiResponse(description="Not found (or not visible to you)"),
}


def _as_of(request) -> datetime.date:
    raw = request.query_params.get("as_of")
    if not raw:
        return timezone.localdate()
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError as exc:
        raise serializers.ValidationError({"as_of": ["Use a date as YYYY-MM-DD."]}) from exc


class ProjectViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Projects. Project managers change the projects they manage; other staff read."""

    filterset_class = ProjectFilterSet
    ordering = ("code",)
    ordering_fields = ("code", "name", "planned_finish")
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return portfolio(self.request.user)

    def get_serializer_class(self):
        if self.action == "list":
            return s.ProjectSerializer
        return s.ProjectDetailSerializer

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        measures = portfolio_measures(page, timezone.localdate())
        serializer = self.get_serializer(
            page, many=True, context={**self.get_serializer_context(), "measures": measures}
        )
        return self.get_paginated_response(serializer.data)

    def _detail(self, project, code=status.HTTP_200_OK, *, fresh=False):
        """The project object; a project just written is read again with its annotations
        unless it was read that way (`fresh`)."""
        if not fresh:
            project = self.get_queryset().get(pk=project.pk)
        measures = portfolio_measures([project], timezone.localdate())
        context = {**self.get_serializer_context(), "measures": measures}
        response = Response(s.ProjectDetailSerializer(project, context=context).data, status=code)
        response["ETag"] = etag_for(project)
        return response

    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.get_object(), fresh=True)

    @extend_schema(responses={201: s.ProjectDetailSerializer, **ERRORS})
    def create(self, request, *args, **kwargs):
        serializer = s.ProjectSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        project = actions.project_create(actor=request.user, **serializer.validated_data)
        return self._detail(project, status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[IF_MATCH],
        responses={
            200: s.ProjectDetailSerializer,
            412: OpenApiResponse(description="Stale version"),
            **ERRORS,
        },
    )
    def partial_update(self, request, *args, **kwargs):
        project = self.get_object()
        serializer = s.ProjectSerializer(
            project, data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        project = actions.project_update(
            project=project,
            actor=request.user,
            expected_version=expected_version(request),
            **serializer.validated_data,
        )
        return self._detail(project)

    @extend_schema(
        request=s.ProjectTransitionSerializer,
        responses={
            200: s.ProjectDetailSerializer,
            409: OpenApiResponse(description="Not allowed from this phase, or the gate is unmet"),
            **ERRORS,
        },
    )
    @action(detail=True, methods=["post"])
    def transitions(self, request, pk=None):
        """Move the project: plan, execute, monitor, start_closing, close, back, cancel."""
        project = self.get_object()
        body = s.ProjectTransitionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        project = actions.project_transition(
            project=project, action=data.pop("action"), actor=request.user, data=data
        )
        return self._detail(project)

    @extend_schema(
        request=s.ProjectFromImprovementSerializer,
        responses={201: s.ProjectDetailSerializer, **ERRORS},
    )
    @action(detail=False, methods=["post"], url_path="from-improvement")
    def from_improvement(self, request):
        """Start a project from an approved improvement (the service's owner, a manager or an
        admin): charter prefilled from it, linked both ways, the improvement in progress."""
        body = s.ProjectFromImprovementSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        project = actions.project_start_from_improvement(actor=request.user, **body.validated_data)
        return self._detail(project, status.HTTP_201_CREATED)

    @extend_schema(
        request=s.BaselineSerializer,
        responses={200: s.BaselineSerializer(many=True), 201: s.BaselineSerializer, **ERRORS},
    )
    @action(detail=True, methods=["get", "post"], filter_backends=[], pagination_class=None)
    def baseline(self, request, pk=None):
        """GET: every baseline, newest first. POST: capture the current plan as a new one."""
        project = self.get_object()
        if request.method == "POST":
            body = s.BaselineSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            created = actions.baseline_capture(
                project=project, actor=request.user, note=body.validated_data.get("note", "")
            )
            return Response(
                s.BaselineSerializer(self._baselines(project).get(pk=created.pk)).data,
                status=status.HTTP_201_CREATED,
            )
        return Response(s.BaselineSerializer(self._baselines(project), many=True).data)

    @staticmethod
    def _baselines(project):
        from projects.models import BaselineTask

        cost = (
            BaselineTask.objects.filter(baseline=OuterRef("pk"), is_leaf=True)
            .order_by()
            .values("baseline")
            .annotate(total=Sum("planned_cost"))
            .values("total")
        )
        return (
            Baseline.objects.filter(project=project)
            .select_related("captured_by")
            .annotate(
                task_count=Count("tasks", distinct=True),
                milestone_count=Count("milestones", distinct=True),
                total_cost=Subquery(cost),
            )
        )

    @extend_schema(
        request=HandoffSerializer,
        responses={
            201: HandoffSerializer,
            409: OpenApiResponse(description="The project already has a handoff, or is closed"),
            **ERRORS,
        },
    )
    @action(detail=True, methods=["post"])
    def handoff(self, request, pk=None):
        """Draft the project's handoff (one per project) with the standard checklist;
        prefilled with the project's service, or a new service named after the project."""
        project = self.get_object()
        body = HandoffSerializer(data=request.data, partial=True, context={"request": request})
        body.is_valid(raise_exception=True)
        handoff = handoff_actions.handoff_create(
            project=project, actor=request.user, **body.validated_data
        )
        return _handoff_body(request, handoff.pk, status.HTTP_201_CREATED)

    @extend_schema(responses={200: OutcomeSerializer, **ERRORS})
    @action(detail=True, methods=["get"])
    def outcome(self, request, pk=None):
        """The project's outcome on its service: incidents by priority, availability, SLA
        compliance and CSAT in the hypercare window and the same length after it."""
        # DRF's get_object_or_404: a malformed id is 404, not 500.
        project = generics.get_object_or_404(
            projects_visible_to(request.user).select_related(
                "service__service_hours", "improvement"
            ),
            pk=pk,
        )
        return Response(OutcomeSerializer(project_outcome(project)).data)

    @extend_schema(
        parameters=[OpenApiParameter("as_of", OpenApiTypes.DATE, description="Defaults to today")],
        responses={200: s.EvmSerializer, **ERRORS},
    )
    @action(detail=True, methods=["get"])
    def evm(self, request, pk=None):
        """Earned value as of a date (inclusive), against the newest baseline."""
        project = self.get_object()
        as_of = _as_of(request)
        measures = evm.project_evm(project, as_of)
        return Response({"as_of": as_of.isoformat(), **measures.as_json()})


@extend_schema(parameters=[OpenApiParameter("project_pk", int, OpenApiParameter.PATH)])
class ProjectChildViewSet(viewsets.GenericViewSet):
    """Base of the resources nested under /projects/{project_pk}/: the project must be visible
    (404 otherwise); writes go through actions, which allow only the project's editors."""

    ordering = ("id",)

    def get_project(self) -> Project | None:
        if getattr(self, "swagger_fake_view", False):
            return None  # schema generation: no request, no project
        if not hasattr(self, "_project"):
            self._project = get_object_or_404(
                projects_visible_to(self.request.user), pk=self.kwargs["project_pk"]
            )
        return self._project

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if "project_pk" in self.kwargs:
            context["project"] = self.get_project()
        return context


class ProjectMemberViewSet(
    mixins.ListModelMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin, ProjectChildViewSet
):
    """The team and the role each person plays."""

    serializer_class = s.ProjectMemberSerializer

    def get_queryset(self):
        return ProjectMember.objects.filter(project=self.get_project()).select_related("user")

    def perform_create(self, serializer):
        serializer.instance = actions.member_add(
            project=self.get_project(), actor=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        actions.member_remove(member=instance, actor=self.request.user)


# ---------------------------------------------------------------- handoffs
# The handoff body is shared with HandoffViewSet (projects/api/handoff_views.py).


def _handoff_body(request, handoff_id: int, code=status.HTTP_200_OK) -> Response:
    handoff = handoffs_visible_to(request.user).prefetch_related(_CHECKLIST).get(pk=handoff_id)
    response = Response(HandoffSerializer(handoff, context={"request": request}).data, status=code)
    response["ETag"] = etag_for(handoff)
    return response


_CHECKLIST = Prefetch("checklist", queryset=HandoffChecklistItem.objects.select_related("done_by"))
