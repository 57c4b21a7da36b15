from functools import cached_property
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api import rows
from core.api.concurrency import VersionField
from core.api.serializers import UserBriefSerializer, WholeItem
from core.models import Team, User
from core.text import render_markdown
from servicedesk import business_time, sla
from servicedesk.choices import CostCategory, ResolutionCode
from servicedesk.lifecycle import SERVICE_WRITER_ROLES
from servicedesk.models import (
    Attachment,
    BusinessCalendar,
    Incident,
    IncidentComment,
    Outage,
    Service,
    ServiceCost,
    SLAPolicy,
    SLATarget,
    Survey,
)
from servicedesk.models.outages import OUTAGE_STATES


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
            "sla_policy",
            "service_hours",
            "version",
            "created_at",
        ]
        read_only_fields = ["status", "version", "created_at"]
        extra_kwargs = {
            "owner": {"help_text": "An active service owner or admin (null: none)."},
            "sla_policy": {"help_text": "Null: the default SLA policy applies."},
            "service_hours": {"help_text": "Null: the built-in 24x7 calendar."},
        }

    def validate_owner(self, owner):
        """Who may own a service is who may run one (the browser's form offers the same
        people); an owner the service already has may stay while other fields change."""
        unchanged = self.instance is not None and owner is not None
        if owner is None or (unchanged and self.instance.owner_id == owner.pk):
            return owner
        if not (owner.is_active and owner.role in SERVICE_WRITER_ROLES):
            raise serializers.ValidationError("Choose an active service owner or admin.")
        return owner


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
    resolution_code = serializers.ChoiceField(
        choices=ResolutionCode.choices, read_only=True, allow_blank=True
    )
    assignee_detail = UserBriefSerializer(source="assignee", read_only=True, allow_null=True)
    service_name = serializers.CharField(
        source="service.name", read_only=True, default=None, allow_null=True
    )
    team_name = serializers.CharField(
        source="team.name", read_only=True, default=None, allow_null=True
    )
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

    # The representation is built as a plain dict (core/api/rows.py): equal to what the
    # declared fields give (tests/servicedesk/test_api_rows.py), which still describe it in
    # the schema, at a fraction of the CPU. The get_* methods serve the declared fields.
    with_description_html = True

    def to_representation(self, obj) -> dict:
        if not hasattr(self, "_page"):
            self._page = (rows.current_timezone(), self.context.get("now") or timezone.now())
        tz, now = self._page
        return _incident_row(obj, tz=tz, now=now, description_html=self.with_description_html)

    @extend_schema_field(serializers.CharField())
    def get_description_html(self, obj) -> str:
        return str(render_markdown(obj.description))

    @extend_schema_field(SLAStateSerializer)
    def get_sla(self, obj) -> dict:
        now = self.context.get("now") or timezone.now()
        # One SLAStateSerializer for the whole page: building a serializer per row costs more
        # than the row itself.
        if not hasattr(self, "_sla_serializer"):
            self._sla_serializer = SLAStateSerializer()
        return self._sla_serializer.to_representation(sla.sla_state(obj, now=now))


class IncidentListSerializer(IncidentSerializer):
    """A queue row: everything but the rendered description (fetch the detail for that)."""

    with_description_html = False

    class Meta(IncidentSerializer.Meta):
        fields = [f for f in IncidentSerializer.Meta.fields if f != "description_html"]


def _incident_row(obj: Incident, *, tz, now, description_html: bool) -> dict:
    """IncidentSerializer's output built as a plain dict (see core/api/rows.py)."""
    row = {
        "id": obj.pk,
        "number": obj.number,
        "title": obj.title,
        "description": obj.description,
    }
    if description_html:
        row["description_html"] = str(render_markdown(obj.description))
    row.update(
        service=obj.service_id,
        service_name=obj.service.name if obj.service_id else None,
        requester=rows.user_brief(obj.requester),
        organisation=obj.organisation_id,
        team=obj.team_id,
        team_name=obj.team.name if obj.team_id else None,
        assignee=obj.assignee_id,
        assignee_detail=rows.user_brief(obj.assignee) if obj.assignee_id else None,
        impact=obj.impact,
        urgency=obj.urgency,
        priority=obj.priority,
        category=obj.category,
        status=obj.status,
        resolution_code=obj.resolution_code,
        resolution_note=obj.resolution_note,
        opened_at=rows.iso_datetime(obj.opened_at, tz),
        first_responded_at=rows.iso_datetime(obj.first_responded_at, tz),
        resolved_at=rows.iso_datetime(obj.resolved_at, tz),
        closed_at=rows.iso_datetime(obj.closed_at, tz),
        updated_at=rows.iso_datetime(obj.updated_at, tz),
        version=obj.version,
        sla=_sla_row(sla.sla_state(obj, now=now), tz),
    )
    return row


def _sla_row(state: dict, tz) -> dict:
    """SLAStateSerializer's output, built directly."""
    return {
        **state,
        "response_due": rows.iso_datetime(state["response_due"], tz),
        "resolution_due": rows.iso_datetime(state["resolution_due"], tz),
        "responded_at": rows.iso_datetime(state["responded_at"], tz),
    }


class IncidentCreateSerializer(serializers.ModelSerializer):
    opened_at = serializers.DateTimeField(
        required=False, help_text="Agents and admins only (imports)."
    )
    requester = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        required=False,
        help_text="Whose incident it is (an active user's id); default: the caller. Only agents "
        "and admins may name someone else (403 otherwise).",
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
    version = VersionField(help_text="Or send If-Match.")
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


# --- service levels -------------------------------------------------------------------------


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


class WorkingIntervalSerializer(WholeItem, serializers.Serializer):
    weekday = serializers.IntegerField(min_value=0, max_value=6, help_text="0 = Monday … 6")
    start = serializers.CharField(max_length=5, help_text='Local wall time "HH:MM".')
    end = serializers.CharField(max_length=5, help_text='Local wall time "HH:MM"; "24:00" ok.')

    def to_representation(self, instance):
        if isinstance(instance, dict):
            return super().to_representation(instance)
        return {
            "weekday": instance.weekday,
            "start": _hhmm(instance.start_minute),
            "end": _hhmm(instance.end_minute),
        }

    def validate(self, attrs):
        minutes = {}
        for name in ("start", "end"):
            try:
                minutes[name] = business_time.wall_minutes(attrs[name])
            except ValueError as exc:
                raise serializers.ValidationError({name: [str(exc)]}) from exc
        if minutes["start"] >= minutes["end"]:
            raise serializers.ValidationError({"end": ["The end must be after the start."]})
        return {"weekday": attrs["weekday"], "start": minutes["start"], "end": minutes["end"]}


class HolidaySerializer(WholeItem, serializers.Serializer):
    date = serializers.DateField()
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class BusinessCalendarSerializer(serializers.ModelSerializer):
    intervals = WorkingIntervalSerializer(many=True)
    holidays = HolidaySerializer(many=True, required=False)

    class Meta:
        model = BusinessCalendar
        fields = [
            "id",
            "name",
            "time_zone",
            "is_builtin",
            "intervals",
            "holidays",
            "updated_at",
            "version",
        ]
        read_only_fields = ["is_builtin", "updated_at", "version"]

    def validate_time_zone(self, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise serializers.ValidationError(f"Unknown IANA time zone: {value!r}.") from exc
        return value

    def validate_holidays(self, value: list) -> list:
        dates = [h["date"] for h in value]
        if len(dates) != len(set(dates)):
            raise serializers.ValidationError("Each holiday date may appear once.")
        return value


class SLATargetSerializer(WholeItem, serializers.ModelSerializer):
    priority = serializers.IntegerField(min_value=1, max_value=5)
    response_minutes = serializers.IntegerField(min_value=1, max_value=1_000_000)
    resolution_minutes = serializers.IntegerField(min_value=1, max_value=1_000_000)

    class Meta:
        model = SLATarget
        fields = ["priority", "response_minutes", "resolution_minutes"]


class SLAPolicySerializer(serializers.ModelSerializer):
    targets = SLATargetSerializer(many=True, help_text="One per priority 1–5.")
    # Declared so no uniqueness validator runs: saving a new default un-sets the old one.
    is_default = serializers.BooleanField(required=False, default=False)

    class Meta:
        model = SLAPolicy
        fields = ["id", "name", "calendar", "is_default", "targets", "updated_at", "version"]
        read_only_fields = ["updated_at", "version"]

    def validate_targets(self, value: list) -> list:
        priorities = sorted(t["priority"] for t in value)
        if priorities != [1, 2, 3, 4, 5]:
            raise serializers.ValidationError(
                f"Give exactly one target for each priority 1 to 5 (got {priorities or 'none'})."
            )
        return value


class SurveySerializer(serializers.ModelSerializer):
    class Meta:
        model = Survey
        fields = ["id", "incident", "rating", "comment", "created_at", "answered_at"]
        read_only_fields = fields


class SurveyAnswerSerializer(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    # Its length limit is survey_answer's: a longer one is a 400 naming `comment`.
    comment = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Optional; at most 5,000 characters (a line break counts once).",
    )


class OutageSerializer(serializers.ModelSerializer):
    incident = serializers.PrimaryKeyRelatedField(
        queryset=Incident.objects.all(), required=False, allow_null=True
    )
    ongoing = serializers.SerializerMethodField(
        help_text="Under way now: started and not ended (`state` is `ongoing`); false for a "
        "planned window that has not started, even with no end set. The list's `ongoing` "
        "filter."
    )
    state = serializers.SerializerMethodField(
        help_text="Where it stands now: upcoming (starts later), ongoing or ended; the list's "
        "`state` filter."
    )

    class Meta:
        model = Outage
        fields = [
            "id",
            "service",
            "started_at",
            "ended_at",
            "kind",
            "description",
            "incident",
            "ongoing",
            "state",
            "created_by",
            "created_at",
            "version",
        ]
        read_only_fields = ["service", "created_by", "created_at", "version"]

    @cached_property
    def _now(self):
        # One moment for a whole answer (a list shares its child): `ongoing` and `state`
        # of a row, and the rows of a page, are read at the same now.
        return timezone.now()

    def get_ongoing(self, outage: Outage) -> bool:
        return outage.state_at(self._now) == "ongoing"

    @extend_schema_field(serializers.ChoiceField(choices=list(OUTAGE_STATES)))
    def get_state(self, outage: Outage) -> str:
        return outage.state_at(self._now)


class VersionSerializer(serializers.Serializer):
    """The body of a request that only names the version it is based on (a cancel, a
    delete)."""

    version = VersionField()


class AvailabilitySerializer(serializers.Serializer):
    service = serializers.IntegerField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    agreed_minutes = serializers.DecimalField(max_digits=20, decimal_places=3)
    downtime_minutes = serializers.DecimalField(max_digits=20, decimal_places=3)
    availability_pct = serializers.DecimalField(max_digits=7, decimal_places=3, allow_null=True)


@extend_schema_field(
    {
        "type": "string",
        "pattern": "^(" + "|".join(CostCategory.values) + ")$",
        "description": "One of: " + ", ".join(CostCategory.values) + ".",
    }
)
class CostCategoryField(serializers.ChoiceField):
    """A pattern, not an enum, in the schema: an enum named `category` would collide with
    the incident's choice set (core settings own ENUM_NAME_OVERRIDES)."""

    def __init__(self, **kwargs):
        super().__init__(choices=CostCategory.choices, **kwargs)


class ServiceCostSerializer(serializers.ModelSerializer):
    category = CostCategoryField()

    class Meta:
        model = ServiceCost
        fields = [
            "id",
            "service",
            "period_month",
            "category",
            "amount",
            "currency",
            "note",
            "created_by",
            "created_at",
        ]
        read_only_fields = ["service", "created_by", "created_at"]
