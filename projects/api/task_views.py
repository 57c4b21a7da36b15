"""The work breakdown under /projects/{project_pk}/: tasks and their dependencies."""

from django.db.models import Exists, OuterRef
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins
from rest_framework.response import Response

from core.api.concurrency import IF_MATCH, etag_for, expected_version
from projects import task_actions
from projects.api.task_serializers import DependencySerializer, TaskSerializer
from projects.api.views import ERRORS, ProjectChildViewSet
from projects.filtersets import TaskFilterSet
from projects.models import Dependency, Task


class TaskViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ProjectChildViewSet,
):
    """The WBS: tasks with parent, plan, progress and predecessors. PATCH needs `version`."""

    serializer_class = TaskSerializer
    filterset_class = TaskFilterSet
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return (
            Task.objects.filter(project=self.get_project())
            .annotate(has_children=Exists(Task.objects.filter(parent=OuterRef("pk"))))
            .prefetch_related("predecessor_links")
        )

    def perform_create(self, serializer):
        serializer.instance = task_actions.task_create(
            project=self.get_project(), actor=self.request.user, **serializer.validated_data
        )

    @extend_schema(
        parameters=[IF_MATCH],
        responses={
            200: TaskSerializer,
            412: OpenApiResponse(description="Stale version"),
            **ERRORS,
        },
    )
    def partial_update(self, request, *args, **kwargs):
        task = self.get_object()
        serializer = self.get_serializer(task, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        task = task_actions.task_update(
            task=task,
            actor=request.user,
            expected_version=expected_version(request),
            **serializer.validated_data,
        )
        response = Response(self.get_serializer(self.get_queryset().get(pk=task.pk)).data)
        response["ETag"] = etag_for(task)
        return response

    def perform_destroy(self, instance):
        task_actions.task_delete(task=instance, actor=self.request.user)


class DependencyViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    ProjectChildViewSet,
):
    """Finish-to-start links between the project's tasks; a cycle answers 400."""

    serializer_class = DependencySerializer

    def get_queryset(self):
        return Dependency.objects.filter(predecessor__project=self.get_project())

    def perform_create(self, serializer):
        serializer.instance = task_actions.dependency_add(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        task_actions.dependency_remove(dependency=instance, actor=self.request.user)
