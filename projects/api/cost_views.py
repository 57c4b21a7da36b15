"""Actual cost under /projects/{project_pk}/: cost entries and logged time."""

from rest_framework import mixins

from projects import cost_actions
from projects.api.cost_serializers import CostEntrySerializer, TimeEntrySerializer
from projects.api.views import ProjectChildViewSet
from projects.filtersets import CostEntryFilterSet, TimeEntryFilterSet
from projects.models import CostEntry, TimeEntry


class CostEntryViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ProjectChildViewSet
):
    """Actual costs, in the project's currency."""

    serializer_class = CostEntrySerializer
    filterset_class = CostEntryFilterSet

    def get_queryset(self):
        return CostEntry.objects.filter(project=self.get_project())

    def perform_create(self, serializer):
        serializer.instance = cost_actions.cost_entry_add(
            project=self.get_project(), actor=self.request.user, **serializer.validated_data
        )


class TimeEntryViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ProjectChildViewSet
):
    """Hours on tasks; team members log their own, the manager anyone's."""

    serializer_class = TimeEntrySerializer
    filterset_class = TimeEntryFilterSet

    def get_queryset(self):
        return TimeEntry.objects.filter(project=self.get_project())

    def perform_create(self, serializer):
        serializer.instance = cost_actions.time_entry_add(
            project=self.get_project(), actor=self.request.user, **serializer.validated_data
        )
