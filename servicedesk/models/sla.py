"""Business calendars, SLA policies with per-priority targets, and SLA clock pauses."""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

from core.unique_names import NameUniqueIgnoringCase, name_unique_ignoring_case
from servicedesk.choices import PauseReason

__all__ = [
    "BusinessCalendar",
    "Holiday",
    "IncidentPause",
    "SLAPolicy",
    "SLATarget",
    "WorkingInterval",
]

BUILTIN_24X7 = "24x7"
CALENDAR_NAME_TAKEN = (
    "A calendar with this name already exists (names are compared ignoring letter case)."
)
POLICY_NAME_TAKEN = (
    "An SLA policy with this name already exists (names are compared ignoring letter case)."
)


def validate_time_zone(value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise ValidationError(f"Unknown IANA time zone: {value!r}.") from exc


class BusinessCalendar(NameUniqueIgnoringCase, models.Model):
    """When a clock runs: weekly working intervals in a time zone, minus holidays. Its name
    is trimmed and unique ignoring case ("ny" beside "NY" is refused)."""

    name_taken = CALENDAR_NAME_TAKEN

    name = models.CharField(max_length=100, unique=True)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    # The built-in 24x7 calendar cannot be changed or deleted.
    is_builtin = models.BooleanField(default=False, editable=False)
    # Bumped on every change (intervals and holidays included): the clock cache keys on it.
    updated_at = models.DateTimeField(auto_now=True)
    # Bumped by sla_actions.calendar_save: an edit based on an older one is refused (412).
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["name"]
        constraints = [
            name_unique_ignoring_case(
                name="calendar_name_unique_ignoring_case", message=CALENDAR_NAME_TAKEN
            )
        ]

    def __str__(self) -> str:
        return self.name


class WorkingInterval(models.Model):
    """One working stretch of a weekday, in local minutes after midnight (1440 = 24:00)."""

    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="intervals"
    )
    weekday = models.PositiveSmallIntegerField(help_text="0 = Monday … 6 = Sunday")
    start_minute = models.PositiveSmallIntegerField(help_text="Minutes after local midnight")
    end_minute = models.PositiveSmallIntegerField(
        help_text="Minutes after local midnight; 1440 = 24:00"
    )

    class Meta:
        ordering = ["weekday", "start_minute"]
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="interval_weekday_0_6"),
            models.CheckConstraint(
                condition=Q(start_minute__lt=F("end_minute"), end_minute__lte=1440),
                name="interval_start_before_end",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.weekday} {self.start_minute}-{self.end_minute}"


class Holiday(models.Model):
    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="holidays"
    )
    date = models.DateField()
    name = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="holiday_once_per_calendar")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class SLAPolicy(NameUniqueIgnoringCase, models.Model):
    """Response and resolution targets per priority, counted on a business calendar. Its
    name is trimmed and unique ignoring case."""

    name_taken = POLICY_NAME_TAKEN

    name = models.CharField(max_length=100, unique=True)
    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.PROTECT, related_name="sla_policies"
    )
    # Applies to incidents whose service names no policy (at most one default).
    is_default = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)
    # Bumped by sla_actions.sla_policy_save: an edit based on an older one is refused (412).
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["name"]
        verbose_name = "SLA policy"
        verbose_name_plural = "SLA policies"
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="sla_one_default_policy"
            ),
            name_unique_ignoring_case(
                name="sla_policy_name_unique_ignoring_case", message=POLICY_NAME_TAKEN
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SLATarget(models.Model):
    policy = models.ForeignKey(SLAPolicy, on_delete=models.CASCADE, related_name="targets")
    priority = models.PositiveSmallIntegerField()
    response_minutes = models.PositiveIntegerField(help_text="Business minutes to first response")
    resolution_minutes = models.PositiveIntegerField(help_text="Business minutes to resolution")

    class Meta:
        ordering = ["priority"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "priority"], name="sla_target_per_priority"),
            models.CheckConstraint(
                condition=Q(priority__gte=1, priority__lte=5), name="sla_target_priority_1_5"
            ),
            models.CheckConstraint(
                condition=Q(response_minutes__gt=0, resolution_minutes__gt=0),
                name="sla_target_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"P{self.priority}: {self.response_minutes}/{self.resolution_minutes} min"


class IncidentPause(models.Model):
    """A stretch during which an incident's resolution clock stood still (hold or resolved)."""

    incident = models.ForeignKey(
        "servicedesk.Incident", on_delete=models.CASCADE, related_name="pauses"
    )
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=10, choices=PauseReason.choices)

    class Meta:
        ordering = ["started_at", "id"]
        indexes = [models.Index(fields=["incident", "started_at"], name="pause_incident")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
                name="pause_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.reason} {self.started_at:%Y-%m-%d %H:%M}"
