"""The work breakdown: tasks and the finish-to-start links between them."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from projects.api.serializers import STAFF
from projects.models import Dependency, Task
from projects.task_actions import TASK_FIELDS


class TaskSerializer(serializers.ModelSerializer):
    predecessors = serializers.SerializerMethodField()
    is_summary = serializers.SerializerMethodField()
    assignee = serializers.PrimaryKeyRelatedField(queryset=STAFF, required=False, allow_null=True)

    class Meta:
        model = Task
        fields = ["id", *TASK_FIELDS, "version", "predecessors", "is_summary"]
        read_only_fields = ["version"]

    def get_fields(self):
        fields = super().get_fields()
        project = self.context.get("project")
        if project is not None:
            fields["parent"].queryset = Task.objects.filter(project=project)
        return fields

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_predecessors(self, obj):
        return [link.predecessor_id for link in obj.predecessor_links.all()]

    def get_is_summary(self, obj) -> bool:
        return bool(getattr(obj, "has_children", False))


class DependencySerializer(serializers.ModelSerializer):
    class Meta:
        model = Dependency
        fields = ["id", "predecessor", "successor"]
        # A link twice is refused by task_actions.dependency_add, in the pages' words.
        validators = []

    def get_fields(self):
        fields = super().get_fields()
        project = self.context.get("project")
        if project is not None:
            for name in ("predecessor", "successor"):
                fields[name].queryset = Task.objects.filter(project=project)
        return fields
