"""The risk register under /projects/{project_pk}/risks/."""

from rest_framework import mixins

from projects import risk_actions
from projects.api.risk_serializers import RiskSerializer
from projects.api.views import ProjectChildViewSet
from projects.filtersets import RiskFilterSet
from projects.models import Risk


class RiskViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ProjectChildViewSet,
):
    """The risk register: probability × impact = score."""

    serializer_class = RiskSerializer
    filterset_class = RiskFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return Risk.objects.filter(project=self.get_project())

    def perform_create(self, serializer):
        serializer.instance = risk_actions.risk_create(
            project=self.get_project(), actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = risk_actions.risk_update(
            risk=serializer.instance, actor=self.request.user, **serializer.validated_data
        )
