"""A project, its gate and phase moves, its baselines, earned value and team."""

from decimal import Decimal

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.models import User
from core.roles import STAFF_ROLES, Role
from projects import evm
from projects.choices import MemberRole
from projects.hypercare import HYPERCARE_END, HYPERCARE_LAST_DAY, HYPERCARE_START, Hypercare
from projects.lifecycle import PROJECT_LIFECYCLE, gate_checklist
from projects.models import Baseline, Project, ProjectMember
from servicedesk.models import Improvement, Service

STAFF = User.objects.filter(role__in=STAFF_ROLES)


class ProjectSerializer(serializers.ModelSerializer):
    """A project; `phase` moves only through POST …/transitions/, `version` guards updates."""

    manager = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(role__in=[Role.PROJECT_MANAGER, Role.ADMIN]), required=False
    )
    sponsor = serializers.PrimaryKeyRelatedField(queryset=STAFF, required=False, allow_null=True)
    service = serializers.PrimaryKeyRelatedField(
        queryset=Service.objects.all(), required=False, allow_null=True
    )
    improvement = serializers.PrimaryKeyRelatedField(
        queryset=Improvement.objects.all(),
        required=False,
        allow_null=True,
        help_text="An approved or in-progress CSI improvement no other open project carries.",
    )
    improvement_title = serializers.CharField(
        source="improvement.title", read_only=True, default=None, allow_null=True
    )
    improvement_status = serializers.CharField(
        source="improvement.status", read_only=True, default=None, allow_null=True
    )
    manager_name = serializers.CharField(source="manager.display_name", read_only=True)
    sponsor_name = serializers.CharField(
        source="sponsor.display_name", read_only=True, default=None, allow_null=True
    )
    next_milestone = serializers.SerializerMethodField()
    hypercare_last_day = serializers.SerializerMethodField()
    spent = serializers.SerializerMethodField(
        help_text="Actual cost to date (AC, the Budget tab's): cost entries and logged time "
        "(hours × rate) incurred up to today."
    )
    health = serializers.SerializerMethodField()
    spi = serializers.SerializerMethodField()
    cpi = serializers.SerializerMethodField()
    budget_used_pct = serializers.SerializerMethodField()

    class Meta:
        model = Project
        fields = [
            "id",
            "code",
            "name",
            "description",
            "objectives",
            "scope",
            "success_criteria",
            "lessons_learned",
            "manager",
            "manager_name",
            "sponsor",
            "sponsor_name",
            "budget",
            "currency",
            "planned_start",
            "planned_finish",
            "service",
            "improvement",
            "improvement_title",
            "improvement_status",
            "phase",
            "hypercare_start",
            "hypercare_end",
            "hypercare_last_day",
            "version",
            "created_at",
            "updated_at",
            "next_milestone",
            "spent",
            "health",
            "spi",
            "cpi",
            "budget_used_pct",
        ]
        read_only_fields = [
            "phase",
            "hypercare_start",
            "hypercare_end",
            "version",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {
            # Unique whatever the case: projects.actions says so, in the pages' words.
            "code": {"validators": []},
            "currency": {
                "help_text": "An ISO 4217 code in use (EUR, USD, …), upper-cased; "
                "fixed once costs or time are recorded."
            },
            "hypercare_start": {"help_text": HYPERCARE_START},
            "hypercare_end": {"help_text": HYPERCARE_END},
        }

    @extend_schema_field(serializers.DateField(allow_null=True, help_text=HYPERCARE_LAST_DAY))
    def get_hypercare_last_day(self, obj):
        hypercare = Hypercare.of(obj)
        return hypercare.last_day.isoformat() if hypercare else None

    def _measures(self, obj):
        return self.context.get("measures", {}).get(obj.pk)

    @extend_schema_field(
        {
            "type": "object",
            "nullable": True,
            "properties": {
                "name": {"type": "string"},
                "due_date": {"type": "string", "format": "date"},
            },
        }
    )
    def get_next_milestone(self, obj):
        name = getattr(obj, "next_milestone_name", None)
        if name is None:
            return None
        return {"name": name, "due_date": obj.next_milestone_due.isoformat()}

    @extend_schema_field(serializers.ChoiceField(choices=["ok", "warn", "bad", "unknown"]))
    def get_health(self, obj) -> str:
        m = self._measures(obj)
        return m.health if m else "unknown"

    @extend_schema_field(OpenApiTypes.STR)
    def get_spi(self, obj):
        m = self._measures(obj)
        return evm.fmt(m.spi, evm.MILLIS) if m else None

    @extend_schema_field(OpenApiTypes.STR)
    def get_cpi(self, obj):
        m = self._measures(obj)
        return evm.fmt(m.cpi, evm.MILLIS) if m else None

    @extend_schema_field(serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True))
    def get_spent(self, obj):
        m = self._measures(obj)
        return evm.fmt(m.ac, evm.CENTS) if m else None

    @extend_schema_field(OpenApiTypes.STR)
    def get_budget_used_pct(self, obj):
        m = self._measures(obj)
        return evm.fmt(m.budget_used_pct, evm.MILLIS) if m else None


class GateCriterionSerializer(serializers.Serializer):
    label = serializers.CharField()
    met = serializers.BooleanField()


class ProjectDetailSerializer(ProjectSerializer):
    """A project with the gate to leave its phase and the moves the caller may make."""

    gate = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()

    class Meta(ProjectSerializer.Meta):
        fields = [*ProjectSerializer.Meta.fields, "gate", "allowed_actions"]

    @extend_schema_field(GateCriterionSerializer(many=True))
    def get_gate(self, obj):
        return [{"label": label, "met": met} for label, met in gate_checklist(obj)]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_allowed_actions(self, obj):
        request = self.context.get("request")
        user = getattr(request, "user", None)
        return [t.action for t in PROJECT_LIFECYCLE.allowed_for(obj, user)]


class ProjectTransitionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=[t.action for t in PROJECT_LIFECYCLE.transitions])
    reason = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    measured_value = serializers.DecimalField(
        max_digits=14,
        decimal_places=3,
        required=False,
        help_text="close: the carried improvement's metric after the project (defaults to "
        "the value measured in the complete after-hypercare window).",
    )


class ProjectFromImprovementSerializer(serializers.Serializer):
    """Start a project from an improvement; the charter is prefilled from it."""

    improvement = serializers.PrimaryKeyRelatedField(queryset=Improvement.objects.all())
    code = serializers.CharField(max_length=20)
    manager = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(role__in=[Role.PROJECT_MANAGER, Role.ADMIN])
    )
    sponsor = serializers.PrimaryKeyRelatedField(queryset=STAFF, required=False, allow_null=True)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    scope = serializers.CharField(required=False, allow_blank=True)
    budget = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=Decimal("0"), required=False
    )
    currency = serializers.CharField(max_length=3, required=False)
    planned_start = serializers.DateField(required=False, allow_null=True)
    planned_finish = serializers.DateField(required=False, allow_null=True)


class BaselineSerializer(serializers.ModelSerializer):
    captured_by = serializers.CharField(
        source="captured_by.username", read_only=True, default=None, allow_null=True
    )
    task_count = serializers.IntegerField(read_only=True, default=None, allow_null=True)
    milestone_count = serializers.IntegerField(read_only=True, default=None, allow_null=True)
    bac = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        read_only=True,
        default=None,
        allow_null=True,
        source="total_cost",
    )

    class Meta:
        model = Baseline
        fields = [
            "id",
            "number",
            "note",
            "captured_at",
            "captured_by",
            "task_count",
            "milestone_count",
            "bac",
        ]
        read_only_fields = ["number", "captured_at"]


class EvmSerializer(serializers.Serializer):
    """Money as strings with 2 decimals; ratios, days and percentages with 3; null if x/0."""

    as_of = serializers.DateField()
    bac = serializers.CharField()
    pv = serializers.CharField()
    ev = serializers.CharField()
    ac = serializers.CharField()
    sv = serializers.CharField()
    cv = serializers.CharField()
    spi = serializers.CharField(allow_null=True)
    cpi = serializers.CharField(allow_null=True)
    eac = serializers.CharField(allow_null=True)
    etc = serializers.CharField(allow_null=True)
    vac = serializers.CharField(allow_null=True)
    es_days = serializers.CharField(allow_null=True)
    sv_days = serializers.CharField(allow_null=True)
    spi_t = serializers.CharField(allow_null=True)
    budget_spent_pct = serializers.CharField(
        allow_null=True, help_text="AC ÷ budget × 100: how much of the approved budget is spent."
    )
    budget_deviation_pct = serializers.CharField(
        allow_null=True,
        help_text="At completion: (EAC − BAC) ÷ BAC × 100 = (AC − EV) ÷ EV × 100 (the "
        "budget_deviation KPI); null until there are EV and AC.",
    )
    forecast_deviation_pct = serializers.CharField(
        allow_null=True,
        help_text="(EAC − budget) ÷ budget × 100: the forecast vs the approved budget.",
    )
    milestones_missed_pct = serializers.CharField(allow_null=True)


class ProjectMemberSerializer(serializers.ModelSerializer):
    user = serializers.PrimaryKeyRelatedField(queryset=STAFF)
    # The role on this project (`role` in the API is a person's role in Servicehub).
    project_role = serializers.ChoiceField(
        source="role", choices=MemberRole.choices, default=MemberRole.MEMBER
    )
    name = serializers.CharField(source="user.display_name", read_only=True)

    class Meta:
        model = ProjectMember
        fields = ["id", "user", "name", "project_role"]
