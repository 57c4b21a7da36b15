"""Outages of a service: the raw material of availability."""

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from servicedesk.choices import OutageKind

__all__ = ["OUTAGE_STATES", "Outage", "outage_state_q"]

# What an outage's times may be: unplanned downtime has happened (a few minutes of clock skew
# allowed); a planned window is at most five years ahead; nothing before 1970.
CLOCK_SKEW = timedelta(minutes=5)
PLANNED_AHEAD = timedelta(days=5 * 365)
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)

# Where an outage stands at a moment: [started_at, ended_at) is the time the service is out,
# so one starting now is under way and one ending now has ended.
OUTAGE_STATES = {
    "upcoming": "Upcoming: starts later",
    "ongoing": "Ongoing: started, not ended",
    "ended": "Ended",
}


def outage_state_q(state: str, now) -> Q:
    """The outages in `state` ("upcoming", "ongoing" or "ended") at `now`."""
    if state == "upcoming":
        return Q(started_at__gt=now)
    if state == "ongoing":
        return Q(started_at__lte=now) & (Q(ended_at__isnull=True) | Q(ended_at__gt=now))
    if state == "ended":
        return Q(ended_at__lte=now)
    raise ValueError(f"unknown outage state {state!r}")


class Outage(models.Model):
    """A stretch of time a service was (or is) down; planned ones reduce agreed time."""

    service = models.ForeignKey(
        "servicedesk.Service", on_delete=models.CASCADE, related_name="outages"
    )
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True, help_text="Empty while ongoing.")
    kind = models.CharField(max_length=10, choices=OutageKind.choices, default=OutageKind.UNPLANNED)
    description = models.TextField(blank=True, max_length=5000)
    incident = models.ForeignKey(
        "servicedesk.Incident",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outages",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["service", "started_at"], name="outage_service_start")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gt=F("started_at")),
                name="outage_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} outage from {self.started_at:%Y-%m-%d %H:%M}"

    def clean(self):
        if self.ended_at is not None and self.started_at and self.ended_at <= self.started_at:
            raise ValidationError({"ended_at": ["An outage must end after it starts."]})
        if self.started_at is None:
            return
        now = timezone.now()
        if self.kind == OutageKind.UNPLANNED:
            # Downtime that happened: recorded as it starts or after (a few minutes' clock skew).
            for name in ("started_at", "ended_at"):
                moment = getattr(self, name)
                if moment is not None and moment > now + CLOCK_SKEW:
                    raise ValidationError(
                        {
                            name: [
                                "An unplanned outage is downtime that happened: it cannot "
                                f"{'start' if name == 'started_at' else 'end'} in the future. "
                                "Record maintenance ahead as a planned outage."
                            ]
                        }
                    )
        if not EARLIEST <= self.started_at <= now + PLANNED_AHEAD:
            raise ValidationError(
                {"started_at": [f"An outage starts from {EARLIEST:%Y} up to five years from now."]}
            )

    @property
    def ongoing(self) -> bool:
        return self.ended_at is None

    def minutes_at(self, now) -> int:
        """How long it lasted (so far, while ongoing), in whole minutes."""
        end = self.ended_at or max(now, self.started_at)
        return int((end - self.started_at).total_seconds() // 60)

    @property
    def minutes(self) -> int:
        return self.minutes_at(timezone.now())

    def state_at(self, now) -> str:
        """Where it stands at `now`: upcoming, ongoing or ended (as outage_state_q selects)."""
        if self.started_at > now:
            return "upcoming"
        if self.ended_at is None or self.ended_at > now:
            return "ongoing"
        return "ended"
