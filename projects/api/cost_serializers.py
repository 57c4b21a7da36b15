"""A project's actual cost: cost entries and logged time."""

from decimal import Decimal

from rest_framework import serializers

from projects.api.serializers import STAFF
from projects.choices import CostCategory
from projects.models import CostEntry, Task, TimeEntry


class CostEntrySerializer(serializers.ModelSerializer):
    currency = serializers.CharField(max_length=3, required=False)
    # Named apart from other apps' `category` so each choice set keeps one schema name.
    cost_category = serializers.ChoiceField(
        source="category", choices=CostCategory.choices, default=CostCategory.OTHER
    )

    class Meta:
        model = CostEntry
        fields = [
            "id",
            "task",
            "amount",
            "currency",
            "incurred_on",
            "cost_category",
            "description",
            "created_by",
            "created_at",
        ]
        read_only_fields = ["created_by", "created_at"]
        extra_kwargs = {"amount": {"min_value": Decimal("0")}}

    def get_fields(self):
        fields = super().get_fields()
        project = self.context.get("project")
        if project is not None:
            fields["task"].queryset = Task.objects.filter(project=project)
        return fields


class TimeEntrySerializer(serializers.ModelSerializer):
    currency = serializers.CharField(max_length=3, required=False)
    person = serializers.PrimaryKeyRelatedField(queryset=STAFF, required=False)
    labour_cost = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)

    class Meta:
        model = TimeEntry
        fields = [
            "id",
            "task",
            "person",
            "date",
            "hours",
            "hourly_rate",
            "currency",
            "labour_cost",
            "note",
            "created_at",
        ]
        read_only_fields = ["created_at"]

    def get_fields(self):
        fields = super().get_fields()
        project = self.context.get("project")
        if project is not None:
            fields["task"].queryset = Task.objects.filter(project=project)
        return fields
