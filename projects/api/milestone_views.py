"""A project's milestones: the nested viewset and the iCalendar feeds."""

from django.db.models import OuterRef, Subquery
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, renderers
from rest_framework.response import Response
from rest_framework.views import APIView

from projects import milestone_actions
from projects.api.milestone_serializers import MilestoneSerializer
from projects.api.views import ProjectChildViewSet
from projects.calendar import milestones_ics
from projects.filtersets import MilestoneFilterSet
from projects.models import Baseline, BaselineMilestone, Milestone
from projects.queries import projects_followed_by, projects_visible_to


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


class MilestoneViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ProjectChildViewSet,
):
    """Milestones with their baseline date and slip in days (a waiver needs a reason)."""

    serializer_class = MilestoneSerializer
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
        serializer.instance = milestone_actions.milestone_create(
            project=self.get_project(), actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        milestone_actions.milestone_update(
            milestone=serializer.instance, actor=self.request.user, **serializer.validated_data
        )
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)

    def perform_destroy(self, instance):
        milestone_actions.milestone_delete(milestone=instance, actor=self.request.user)
