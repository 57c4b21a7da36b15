from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.serializers import UserBriefSerializer
from core.models import Team, User
from core.text import render_markdown
from servicedesk import sla
from servicedesk.choices import ResolutionCode
from servicedesk.models import Attachment, Incident, IncidentComment, Service


class ServiceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Service
        fields = [
            "id",
            "name",
            "description",
            "owner",
            "support_team",
            "status",
            "criticality",
            "version",
            "created_at",
        ]
        read_only_fields = ["status", "version", "created_at"]


class SLAStateSerializer(serializers.Serializer):
    """The incident's SLA clock (see servicedesk/sla.py `sla_state`)."""

    policy = serializers.CharField(allow_null=True, help_text="Name of the SLA policy applied.")
    response_due = serializers.DateTimeField(allow_null=True)
    resolution_due = serializers.DateTimeField(allow_null=True)
    responded_at = serializers.DateTimeField(allow_null=True)
    response_breached = serializers.BooleanField()
    resolution_breached = serializers.BooleanField()
    paused = serializers.BooleanField(help_text="On hold, or resolved (a reopen continues).")
    remaining_business_minutes = serializers.IntegerField(
        allow_null=True,
        help_text="Business minutes to resolution_due; negative when overdue; "
        "null without an SLA or once resolved, closed or cancelled.",
    )


class IncidentSerializer(serializers.ModelSerializer):
    requester = UserBriefSerializer(read_only=True)
    assignee_detail = UserBriefSerializer(source="assignee", read_only=True)
    service_name = serializers.CharField(source="service.name", read_only=True, default=None)
    team_name = serializers.CharField(source="team.name", read_only=True, default=None)
    description_html = serializers.SerializerMethodField()
    sla = serializers.SerializerMethodField()

    class Meta:
        model = Incident
        fields = [
            "id",
            "number",
            "title",
            "description",
            "description_html",
            "service",
            "service_name",
            "requester",
            "organisation",
            "team",
            "team_name",
            "assignee",
            "assignee_detail",
            "impact",
            "urgency",
            "priority",
            "category",
            "status",
            "resolution_code",
            "resolution_note",
            "opened_at",
            "first_responded_at",
            "resolved_at",
            "closed_at",
            "updated_at",
            "version",
            "sla",
        ]
        read_only_fields = [
            "number",
            "requester",
            "organisation",
            "priority",
            "status",
            "resolution_code",
            "resolution_note",
            "first_responded_at",
            "resolved_at",
            "closed_at",
            "updated_at",
            "version",
        ]

    @extend_schema_field(serializers.CharField())
    def get_description_html(self, obj) -> str:
        return str(render_markdown(obj.description))

    @extend_schema_field(SLAStateSerializer)
    def get_sla(self, obj) -> dict:
        now = self.context.get("now") or timezone.now()
        return SLAStateSerializer(sla.sla_state(obj, now=now)).data


class IncidentCreateSerializer(serializers.ModelSerializer):
    opened_at = serializers.DateTimeField(
        required=False, help_text="Agents and admins only (imports)."
    )
    requester = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), required=False, help_text="Agents only: open on behalf of."
    )

    class Meta:
        model = Incident
        fields = [
            "title",
            "description",
            "service",
            "impact",
            "urgency",
            "category",
            "opened_at",
            "requester",
        ]


class IncidentUpdateSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(required=False, min_value=1, help_text="Or send If-Match.")
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), required=False, allow_null=True
    )
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = Incident
        fields = [
            "title",
            "description",
            "service",
            "team",
            "assignee",
            "impact",
            "urgency",
            "category",
            "version",
        ]
        extra_kwargs = {name: {"required": False} for name in fields}


class TransitionSerializer(serializers.Serializer):
    action = serializers.CharField(max_length=40)
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.all(), required=False)
    assignee = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), required=False)
    resolution_code = serializers.ChoiceField(choices=ResolutionCode.choices, required=False)
    resolution_note = serializers.CharField(required=False, max_length=20_000, allow_blank=True)
    note = serializers.CharField(required=False, max_length=20_000, allow_blank=True)


class ServiceTransitionSerializer(serializers.Serializer):
    action = serializers.CharField(max_length=40)


class AttachmentSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["id", "filename", "content_type", "size", "comment", "created_at", "download_url"]

    @extend_schema_field(serializers.CharField())
    def get_download_url(self, obj) -> str:
        return reverse("servicedesk:attachment_download", args=[obj.pk])


class CommentSerializer(serializers.ModelSerializer):
    author = UserBriefSerializer(read_only=True)
    body_html = serializers.SerializerMethodField()
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = IncidentComment
        fields = ["id", "author", "body", "body_html", "internal", "created_at", "attachments"]
        read_only_fields = ["created_at"]

    @extend_schema_field(serializers.CharField())
    def get_body_html(self, obj) -> str:
        return str(render_markdown(obj.body))


class CommentCreateSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=50_000)
    internal = serializers.BooleanField(default=False)


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    comment = serializers.IntegerField(required=False)


class HistoryEventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    action = serializers.CharField()
    actor = serializers.CharField(source="actor.username", default=None)
    changes = serializers.JSONField()
    created_at = serializers.DateTimeField()
