"""A project's milestones, with the baseline due date and the slip against it."""

from django.utils import timezone
from rest_framework import serializers

from projects import evm
from projects.models import Milestone


class MilestoneSerializer(serializers.ModelSerializer):
    baseline_due = serializers.DateField(read_only=True, allow_null=True, default=None)
    slip_days = serializers.SerializerMethodField()

    class Meta:
        model = Milestone
        fields = [
            "id",
            "name",
            "due_date",
            "completed_on",
            "waived",
            "waived_reason",
            "baseline_due",
            "slip_days",
        ]

    def get_slip_days(self, obj) -> int:
        baseline_due = getattr(obj, "baseline_due", None) or obj.due_date
        point = evm.MilestoneDate(
            obj.name, baseline_due, obj.due_date, obj.completed_on, obj.waived
        )
        return evm.milestone_slip_days(point, timezone.localdate())
