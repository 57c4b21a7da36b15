"""The handoff of a project's result to service operation, and its checklist."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.serializers import WholeItem
from core.models import Team, User
from core.roles import Role
from projects.handoff_lifecycle import HANDOFF_LIFECYCLE
from projects.handoff_terms import default_policy, handoff_changes
from projects.models import Handoff, HandoffChecklistItem
from servicedesk.choices import Criticality
from servicedesk.models import BusinessCalendar, Service, SLAPolicy


class HandoffDocumentSerializer(WholeItem, serializers.Serializer):
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


class ServiceChangeSerializer(serializers.Serializer):
    """One service field as accepting the handoff leaves it (projects.handoff_terms)."""

    field = serializers.CharField()
    label = serializers.CharField()
    current = serializers.CharField(allow_null=True)
    new = serializers.CharField()
    changes = serializers.BooleanField()


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
    service_changes = serializers.SerializerMethodField(
        help_text="What accepting writes on the service: per field (owner, support_team, "
        "sla_policy, service_hours, criticality, description) its current value and the new "
        "one in words, `changes` true when accepting changes it. On an existing service an "
        "empty support_team, sla_policy, service_hours or criticality keeps the current "
        "value; send the built-in 24x7 calendar's id to make the hours 24x7. `current` is "
        "null for a new service."
    )

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
            "service_changes",
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

    @extend_schema_field(ServiceChangeSerializer(many=True))
    def get_service_changes(self, obj) -> list[dict]:
        # The default policy is read once for a whole list (it names "no policy").
        if "default_policy" not in self.context:
            self.context["default_policy"] = default_policy()
        changes = handoff_changes(obj, default=self.context["default_policy"])
        return [change.as_dict() for change in changes]

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
