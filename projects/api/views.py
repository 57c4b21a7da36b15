"""Thin viewsets: they name queryset, serializer and filterset, and call actions to write."""

import datetime

from django.db.models import Count, Exists, OuterRef, Prefetch, Subquery, Sum
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, mixins, renderers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.concurrency import etag_for, expected_version
from projects import actions, evm, handoff_actions
from projects.api import serializers as s
from projects.calendar import milestones_ics
from projects.filtersets import (
    CostEntryFilterSet,
    HandoffFilterSet,
    MilestoneFilterSet,
    ProjectFilterSet,
    RiskFilterSet,
    TaskFilterSet,
    TimeEntryFilterSet,
)
from projects.models import (
    Baseline,
    BaselineMilestone,
    CostEntry,
    Dependency,
    HandoffChecklistItem,
    Milestone,
    Project,
    ProjectMember,
    Risk,
    Task,
    TimeEntry,
)
from projects.outcome import project_outcome
from projects.queries import (
    handoffs_visible_to,
    portfolio,
    portfolio_measures,
    projects_followed_by,
    projects_visible_to,
)

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

    def _detail(self, project, code=status.HTTP_200_OK):
        project = self.get_queryset().get(pk=project.pk)
        measures = portfolio_measures([project], timezone.localdate())
        context = {**self.get_serializer_context(), "measures": measures}
        response = Response(s.ProjectDetailSerializer(project, context=context).data, status=code)
        response["ETag"] = etag_for(project)
        return response

    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.get_object())

    @extend_schema(responses={201: s.ProjectDetailSerializer, **ERRORS})
    def create(self, request, *args, **kwargs):
        serializer = s.ProjectSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        project = actions.project_create(actor=request.user, **serializer.validated_data)
        return self._detail(project, status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=False)],
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
        request=s.HandoffSerializer,
        responses={
            201: s.HandoffSerializer,
            409: OpenApiResponse(description="The project already has a handoff, or is closed"),
            **ERRORS,
        },
    )
    @action(detail=True, methods=["post"])
    def handoff(self, request, pk=None):
        """Draft the project's handoff (one per project) with the standard checklist;
        prefilled with the project's service, or a new service named after the project."""
        project = self.get_object()
        body = s.HandoffSerializer(data=request.data, partial=True, context={"request": request})
        body.is_valid(raise_exception=True)
        handoff = handoff_actions.handoff_create(
            project=project, actor=request.user, **body.validated_data
        )
        return _handoff_body(request, handoff.pk, status.HTTP_201_CREATED)

    @extend_schema(responses={200: s.OutcomeSerializer, **ERRORS})
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
        return Response(s.OutcomeSerializer(project_outcome(project)).data)

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


class CalendarRenderer(renderers.BaseRenderer):
    media_type = "text/calendar"
    format = "ics"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data.encode()  # errors are rendered as JSON by core.api.exceptions


def _calendar_milestones():
    return Milestone.objects.select_related("project").order_by("due_date", "id")


class ProjectMilestonesCalendar(APIView):
    """One project's milestones as an iCalendar feed."""

    renderer_classes = [CalendarRenderer]
    metadata_class = None  # OPTIONS: 405 (a calendar feed has no form to describe)

    @extend_schema(
        operation_id="project_milestones_ics", responses={(200, "text/calendar"): OpenApiTypes.STR}
    )
    def get(self, request, pk: int):
        project = get_object_or_404(projects_visible_to(request.user), pk=pk)
        body = milestones_ics(
            _calendar_milestones().filter(project=project), name=f"{project.code} milestones"
        )
        return Response(body, content_type="text/calendar; charset=utf-8")


class FollowedMilestonesCalendar(APIView):
    """Milestones of every project the caller manages, sponsors or works on."""

    renderer_classes = [CalendarRenderer]
    metadata_class = None  # OPTIONS: 405 (a calendar feed has no form to describe)

    @extend_schema(
        operation_id="followed_milestones_ics",
        responses={(200, "text/calendar"): OpenApiTypes.STR},
    )
    def get(self, request):
        projects = projects_followed_by(request.user)
        body = milestones_ics(
            _calendar_milestones().filter(project__in=projects), name="My project milestones"
        )
        return Response(body, content_type="text/calendar; charset=utf-8")


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


class TaskViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ProjectChildViewSet,
):
    """The WBS: tasks with parent, plan, progress and predecessors. PATCH needs `version`."""

    serializer_class = s.TaskSerializer
    filterset_class = TaskFilterSet
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return (
            Task.objects.filter(project=self.get_project())
            .annotate(has_children=Exists(Task.objects.filter(parent=OuterRef("pk"))))
            .prefetch_related("predecessor_links")
        )

    def perform_create(self, serializer):
        serializer.instance = actions.task_create(
            project=self.get_project(), actor=self.request.user, **serializer.validated_data
        )

    @extend_schema(
        parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=False)],
        responses={
            200: s.TaskSerializer,
            412: OpenApiResponse(description="Stale version"),
            **ERRORS,
        },
    )
    def partial_update(self, request, *args, **kwargs):
        task = self.get_object()
        serializer = self.get_serializer(task, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        task = actions.task_update(
            task=task,
            actor=request.user,
            expected_version=expected_version(request),
            **serializer.validated_data,
        )
        response = Response(self.get_serializer(self.get_queryset().get(pk=task.pk)).data)
        response["ETag"] = etag_for(task)
        return response

    def perform_destroy(self, instance):
        actions.task_delete(task=instance, actor=self.request.user)


class DependencyViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    ProjectChildViewSet,
):
    """Finish-to-start links between the project's tasks; a cycle answers 400."""

    serializer_class = s.DependencySerializer

    def get_queryset(self):
        return Dependency.objects.filter(predecessor__project=self.get_project())

    def perform_create(self, serializer):
        serializer.instance = actions.dependency_add(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        actions.dependency_remove(dependency=instance, actor=self.request.user)


class MilestoneViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ProjectChildViewSet,
):
    """Milestones with their baseline date and slip in days (a waiver needs a reason)."""

    serializer_class = s.MilestoneSerializer
    filterset_class = MilestoneFilterSet
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        project = self.get_project()
        current = Baseline.objects.filter(project=project).order_by("-number").values("pk")[:1]
        baseline_due = BaselineMilestone.objects.filter(
            baseline=Subquery(current), milestone=OuterRef("pk")
        ).values("due_date")[:1]
        return Milestone.objects.filter(project=project).annotate(
            baseline_due=Subquery(baseline_due)
        )

    def perform_create(self, serializer):
        serializer.instance = actions.milestone_create(
            project=self.get_project(), actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        actions.milestone_update(
            milestone=serializer.instance, actor=self.request.user, **serializer.validated_data
        )
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)

    def perform_destroy(self, instance):
        actions.milestone_delete(milestone=instance, actor=self.request.user)


class CostEntryViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ProjectChildViewSet
):
    """Actual costs, in the project's currency."""

    serializer_class = s.CostEntrySerializer
    filterset_class = CostEntryFilterSet

    def get_queryset(self):
        return CostEntry.objects.filter(project=self.get_project())

    def perform_create(self, serializer):
        serializer.instance = actions.cost_entry_add(
            project=self.get_project(), actor=self.request.user, **serializer.validated_data
        )


class TimeEntryViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ProjectChildViewSet
):
    """Hours on tasks; team members log their own, the manager anyone's."""

    serializer_class = s.TimeEntrySerializer
    filterset_class = TimeEntryFilterSet

    def get_queryset(self):
        return TimeEntry.objects.filter(project=self.get_project())

    def perform_create(self, serializer):
        serializer.instance = actions.time_entry_add(
            project=self.get_project(), actor=self.request.user, **serializer.validated_data
        )


class RiskViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ProjectChildViewSet,
):
    """The risk register: probability × impact = score."""

    serializer_class = s.RiskSerializer
    filterset_class = RiskFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return Risk.objects.filter(project=self.get_project())

    def perform_create(self, serializer):
        serializer.instance = actions.risk_create(
            project=self.get_project(), actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = actions.risk_update(
            risk=serializer.instance, actor=self.request.user, **serializer.validated_data
        )


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


def _handoff_body(request, handoff_id: int, code=status.HTTP_200_OK) -> Response:
    handoff = handoffs_visible_to(request.user).prefetch_related(_CHECKLIST).get(pk=handoff_id)
    response = Response(
        s.HandoffSerializer(handoff, context={"request": request}).data, status=code
    )
    response["ETag"] = etag_for(handoff)
    return response


_CHECKLIST = Prefetch("checklist", queryset=HandoffChecklistItem.objects.select_related("done_by"))


class HandoffViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Handoffs of projects to services. The project manager edits a draft (PATCH needs
    `version`) and submits it; the target service's owner accepts or rejects it."""

    serializer_class = s.HandoffSerializer
    filterset_class = HandoffFilterSet
    ordering = ("-created_at", "-id")
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return handoffs_visible_to(self.request.user).prefetch_related(_CHECKLIST)

    def retrieve(self, request, *args, **kwargs):
        return _handoff_body(request, self.get_object().pk)

    @extend_schema(
        parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=False)],
        responses={
            200: s.HandoffSerializer,
            409: OpenApiResponse(description="The handoff is not a draft"),
            412: OpenApiResponse(description="Stale version"),
            **ERRORS,
        },
    )
    def partial_update(self, request, *args, **kwargs):
        handoff = self.get_object()
        serializer = s.HandoffSerializer(
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
        request=s.HandoffTransitionSerializer,
        responses={
            200: s.HandoffSerializer,
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
        body = s.HandoffTransitionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        handoff_actions.handoff_transition(
            handoff=handoff,
            action=body.validated_data["action"],
            actor=request.user,
            note=body.validated_data.get("note", ""),
        )
        return _handoff_body(request, handoff.pk)

    @extend_schema(
        request=s.HandoffChecklistItemWriteSerializer,
        responses={
            200: s.HandoffChecklistItemSerializer(many=True),
            201: s.HandoffChecklistItemSerializer,
            **ERRORS,
        },
    )
    @action(detail=True, methods=["get", "post"], filterset_class=None)
    def checklist(self, request, pk=None):
        """GET: the transition checklist. POST {"label"}: add a free item to a draft."""
        handoff = self.get_object()
        if request.method == "POST":
            body = s.HandoffChecklistItemWriteSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            if not body.validated_data.get("label", "").strip():
                raise serializers.ValidationError({"label": ["Say what must be done."]})
            item = handoff_actions.checklist_item_add(
                handoff=handoff, actor=request.user, label=body.validated_data["label"]
            )
            return Response(s.HandoffChecklistItemSerializer(item).data, status=201)
        items = handoff.checklist.select_related("done_by")
        return Response(s.HandoffChecklistItemSerializer(items, many=True).data)

    @extend_schema(
        methods=["PATCH"],
        request=s.HandoffChecklistItemWriteSerializer,
        responses={200: s.HandoffChecklistItemSerializer, **ERRORS},
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
        body = s.HandoffChecklistItemWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        item = handoff_actions.checklist_item_update(
            item=item,
            actor=request.user,
            done=body.validated_data.get("done"),
            label=body.validated_data.get("label"),
        )
        item = HandoffChecklistItem.objects.select_related("done_by").get(pk=item.pk)
        return Response(s.HandoffChecklistItemSerializer(item).data)
