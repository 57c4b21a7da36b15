from decimal import Decimal

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.models import Team, User
from core.roles import STAFF_ROLES, Role
from projects import evm
from projects.choices import CostCategory, MemberRole
from projects.handoff_lifecycle import HANDOFF_LIFECYCLE
from projects.lifecycle import PROJECT_LIFECYCLE, gate_checklist
from projects.models import (
    Baseline,
    CostEntry,
    Dependency,
    Handoff,
    HandoffChecklistItem,
    Milestone,
    Project,
    ProjectMember,
    Risk,
    Task,
    TimeEntry,
)
from servicedesk.choices import Criticality
from servicedesk.models import BusinessCalendar, Improvement, Service, SLAPolicy

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
    spent = serializers.DecimalField(
        max_digits=14, decimal_places=2, read_only=True, default=None, allow_null=True
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
    budget_deviation_pct = serializers.CharField(allow_null=True)
    forecast_deviation_pct = serializers.CharField(allow_null=True)
    milestones_missed_pct = serializers.CharField(allow_null=True)


class TaskSerializer(serializers.ModelSerializer):
    predecessors = serializers.SerializerMethodField()
    is_summary = serializers.SerializerMethodField()
    assignee = serializers.PrimaryKeyRelatedField(queryset=STAFF, required=False, allow_null=True)

    class Meta:
        model = Task
        fields = [
            "id",
            "parent",
            "position",
            "name",
            "planned_start",
            "planned_finish",
            "planned_cost",
            "percent_complete",
            "assignee",
            "actual_start",
            "actual_finish",
            "version",
            "predecessors",
            "is_summary",
        ]
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

    def get_fields(self):
        fields = super().get_fields()
        project = self.context.get("project")
        if project is not None:
            for name in ("predecessor", "successor"):
                fields[name].queryset = Task.objects.filter(project=project)
        return fields


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


class RiskSerializer(serializers.ModelSerializer):
    score = serializers.IntegerField(read_only=True)
    owner = serializers.PrimaryKeyRelatedField(queryset=STAFF, required=False, allow_null=True)

    class Meta:
        model = Risk
        fields = [
            "id",
            "description",
            "probability",
            "impact",
            "score",
            "owner",
            "response",
            "response_plan",
            "status",
            "created_at",
        ]
        read_only_fields = ["created_at"]


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


# ---------------------------------------------------------------- handoffs


class HandoffDocumentSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    url = serializers.URLField(max_length=500)


class HandoffChecklistItemSerializer(serializers.ModelSerializer):
    done = serializers.BooleanField(required=False)
    done_by = serializers.CharField(
        source="done_by.username", read_only=True, default=None, allow_null=True
    )
    standard = serializers.SerializerMethodField()

    class Meta:
        model = HandoffChecklistItem
        fields = ["id", "key", "label", "position", "standard", "done", "done_by", "done_at"]
        read_only_fields = ["key", "position", "done_at"]

    def get_standard(self, obj) -> bool:
        return bool(obj.key)


class HandoffSerializer(serializers.ModelSerializer):
    """A handoff; `status` moves only through POST /handoffs/{id}/transitions/."""

    service = serializers.PrimaryKeyRelatedField(
        queryset=Service.objects.all(),
        required=False,
        allow_null=True,
        help_text="The existing service this project changes (empty for a new service).",
    )
    service_owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(role__in=[Role.SERVICE_OWNER, Role.ADMIN]),
        required=False,
        allow_null=True,
        help_text="The new service's owner (an existing service's owner decides for it).",
    )
    support_team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(), required=False, allow_null=True
    )
    sla_policy = serializers.PrimaryKeyRelatedField(
        queryset=SLAPolicy.objects.all(), required=False, allow_null=True
    )
    service_hours = serializers.PrimaryKeyRelatedField(
        queryset=BusinessCalendar.objects.all(), required=False, allow_null=True
    )
    criticality = serializers.ChoiceField(
        choices=Criticality.choices, required=False, allow_null=True
    )
    documents = HandoffDocumentSerializer(many=True, required=False)
    project_code = serializers.CharField(source="project.code", read_only=True)
    target_name = serializers.CharField(read_only=True)
    target_owner = serializers.IntegerField(
        source="target_owner_id", read_only=True, allow_null=True
    )
    decided_by = serializers.CharField(
        source="decided_by.username", read_only=True, default=None, allow_null=True
    )
    checklist = HandoffChecklistItemSerializer(many=True, read_only=True)
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = Handoff
        fields = [
            "id",
            "project",
            "project_code",
            "status",
            "new_service",
            "service",
            "service_name",
            "service_description",
            "service_owner",
            "target_name",
            "target_owner",
            "support_team",
            "criticality",
            "sla_policy",
            "service_hours",
            "go_live_on",
            "hypercare_days",
            "documents",
            "checklist",
            "submitted_at",
            "decision_note",
            "decided_by",
            "decided_at",
            "version",
            "created_at",
            "allowed_actions",
        ]
        read_only_fields = [
            "project",
            "status",
            "submitted_at",
            "decision_note",
            "decided_at",
            "version",
            "created_at",
        ]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_allowed_actions(self, obj):
        request = self.context.get("request")
        return [
            t.action for t in HANDOFF_LIFECYCLE.allowed_for(obj, getattr(request, "user", None))
        ]


class HandoffTransitionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=[t.action for t in HANDOFF_LIFECYCLE.transitions])
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")


class HandoffChecklistItemWriteSerializer(serializers.Serializer):
    label = serializers.CharField(max_length=200, required=False)
    done = serializers.BooleanField(required=False)


class OutcomeIncidentsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    by_priority = serializers.DictField(
        child=serializers.IntegerField(), help_text='Counts keyed "1" (critical) … "5" (planning).'
    )


class OutcomeAvailabilitySerializer(serializers.Serializer):
    availability_pct = serializers.CharField(allow_null=True)
    agreed_minutes = serializers.CharField()
    downtime_minutes = serializers.CharField()


class OutcomeSlaSerializer(serializers.Serializer):
    resolved = serializers.IntegerField()
    within_target = serializers.IntegerField()
    compliance_pct = serializers.CharField(allow_null=True)


class OutcomeCsatSerializer(serializers.Serializer):
    csat_pct = serializers.CharField(allow_null=True)
    answered = serializers.IntegerField()
    satisfied = serializers.IntegerField()
    sent = serializers.IntegerField()
    response_rate_pct = serializers.CharField(allow_null=True)


class OutcomeWindowSerializer(serializers.Serializer):
    key = serializers.ChoiceField(choices=["hypercare", "after"])
    label = serializers.CharField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    status = serializers.ChoiceField(choices=["not_started", "running", "complete"])
    measured_until = serializers.DateTimeField(allow_null=True)
    incidents = OutcomeIncidentsSerializer(allow_null=True)
    availability = OutcomeAvailabilitySerializer(allow_null=True)
    sla = OutcomeSlaSerializer(allow_null=True)
    csat = OutcomeCsatSerializer(allow_null=True)


class OutcomeServiceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    status = serializers.CharField()


class OutcomeImprovementSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    status = serializers.CharField()
    metric = serializers.CharField(allow_null=True)
    unit = serializers.CharField(allow_blank=True)
    measured_kind = serializers.ChoiceField(
        choices=["availability", "incidents_per_month"],
        allow_null=True,
        help_text="What the service's data measures; null: only the recorded value.",
    )
    baseline = serializers.CharField(allow_null=True)
    target = serializers.CharField(allow_null=True)
    measured = serializers.CharField(
        allow_null=True, help_text="Computed in the after-hypercare window, else recorded."
    )
    recorded = serializers.CharField(allow_null=True, help_text="The improvement's own value.")
    source = serializers.ChoiceField(choices=["computed", "recorded"], allow_null=True)
    window_status = serializers.CharField(
        allow_null=True, help_text="Of the after-hypercare window: not_started, running, complete."
    )
    measured_until = serializers.DateTimeField(allow_null=True)
    met = serializers.BooleanField(allow_null=True)


class OutcomeSerializer(serializers.Serializer):
    """The service side of a handed-over project: the hypercare window and the same length
    after it (see projects/outcome.py for every definition)."""

    handed_over = serializers.BooleanField()
    service = OutcomeServiceSerializer(allow_null=True)
    hypercare_start = serializers.DateField(allow_null=True)
    hypercare_end = serializers.DateField(allow_null=True)
    windows = OutcomeWindowSerializer(many=True)
    improvement = OutcomeImprovementSerializer(allow_null=True)
