from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.fields import OneLineCharField
from servicedesk.choices import (
    OPEN_INCIDENT_STATES,
    REQUESTER_ACTIVE_STATES,
    Category,
    Impact,
    IncidentStatus,
    Priority,
    ResolutionCode,
    Urgency,
    priority_for,
)

__all__ = ["Incident", "IncidentComment"]


class Incident(models.Model):
    """An unplanned interruption or reduction in quality of a service (ITIL)."""

    number = models.CharField(max_length=16, unique=True, editable=False)
    title = OneLineCharField(max_length=200)
    description = models.TextField(blank=True, max_length=50_000)
    service = models.ForeignKey(
        "servicedesk.Service",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="incidents",
        db_index=False,  # led by a composite inc_* index below
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="incidents_requested",
        db_index=False,  # led by a composite inc_* index below
    )
    # Copied from the requester at opening: visibility and reports must not move if they change org.
    organisation = models.ForeignKey(
        "core.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="incidents",
        db_index=False,  # led by a composite inc_* index below
    )
    team = models.ForeignKey(
        "core.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="incidents",
        db_index=False,  # led by a composite inc_* index below
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="incidents_assigned",
        db_index=False,  # led by a composite inc_* index below
    )
    impact = models.PositiveSmallIntegerField(choices=Impact.choices, default=Impact.LOW)
    urgency = models.PositiveSmallIntegerField(choices=Urgency.choices, default=Urgency.LOW)
    priority = models.PositiveSmallIntegerField(
        choices=Priority.choices, default=Priority.PLANNING, editable=False
    )
    category = models.CharField(max_length=20, choices=Category.choices, default=Category.OTHER)
    status = models.CharField(
        max_length=12, choices=IncidentStatus.choices, default=IncidentStatus.NEW, editable=False
    )
    resolution_code = models.CharField(max_length=20, choices=ResolutionCode.choices, blank=True)
    resolution_note = models.TextField(blank=True, max_length=20_000)
    opened_at = models.DateTimeField(default=timezone.now)
    first_responded_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)
    # SLA clock (servicedesk/sla.py): the policy applied at opening and the due times it
    # gives for the current priority, recomputed exactly from opened_at and the pauses.
    sla_policy = models.ForeignKey(
        "servicedesk.SLAPolicy",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="incidents",
        editable=False,
    )
    response_due = models.DateTimeField(null=True, blank=True, editable=False)
    resolution_due = models.DateTimeField(null=True, blank=True, editable=False)
    resolution_warn_at = models.DateTimeField(null=True, blank=True, editable=False)
    sla_paused_since = models.DateTimeField(null=True, blank=True, editable=False)
    response_breached = models.BooleanField(default=False, editable=False)
    resolution_breached = models.BooleanField(default=False, editable=False)
    sla_escalation_level = models.PositiveSmallIntegerField(default=0, editable=False)
    # Elapsed business minutes on the SLA calendar (holds excluded), stamped when the
    # clock reaches the event, so KPIs can average them in SQL.
    response_business_minutes = models.PositiveIntegerField(null=True, blank=True, editable=False)
    resolution_business_minutes = models.PositiveIntegerField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-opened_at", "-id"]
        indexes = [
            # One index per console filter, each ending in the default order for keyset pages.
            models.Index(fields=["status", "-opened_at", "-id"], name="inc_status_opened"),
            models.Index(fields=["team", "status", "-opened_at"], name="inc_team_status"),
            models.Index(fields=["assignee", "status", "-opened_at"], name="inc_assignee_status"),
            models.Index(fields=["requester", "-opened_at"], name="inc_requester"),
            models.Index(fields=["organisation", "-opened_at"], name="inc_org"),
            models.Index(fields=["service", "status", "-opened_at"], name="inc_service_status"),
            models.Index(fields=["priority", "status", "-opened_at"], name="inc_priority_status"),
            models.Index(fields=["-opened_at", "-id"], name="inc_opened"),
            # The other orderings the console ("Priority", "Recently updated") and the API
            # (`?ordering=` priority, updated_at or resolution_due, either way) offer, each
            # ending in the primary key the keyset pages break ties on: without them a
            # first page sorts every incident (~140 ms at 1M).
            models.Index(fields=["priority", "-opened_at", "id"], name="inc_priority_opened"),
            models.Index(fields=["priority", "id"], name="inc_priority_id"),
            models.Index(fields=["-updated_at", "-id"], name="inc_updated"),
            models.Index(fields=["resolution_due", "id"], name="inc_resolution_due_id"),
            models.Index(fields=["resolved_at"], name="inc_resolved"),
            models.Index(fields=["first_responded_at"], name="inc_responded"),
            # The backlog KPI (incidents open at a moment): the open ones by team, and those
            # closed without a resolution (cancelled) by when.
            models.Index(
                fields=["team", "opened_at"],
                name="inc_unresolved",
                condition=Q(resolved_at__isnull=True, closed_at__isnull=True),
            ),
            models.Index(
                fields=["closed_at"],
                name="inc_closed_unresolved",
                condition=Q(resolved_at__isnull=True, closed_at__isnull=False),
            ),
            # The "Unassigned" queue, newest first, without a sort.
            models.Index(
                fields=["-opened_at", "-id"],
                name="inc_unassigned_recent",
                condition=Q(assignee__isnull=True, status__in=["new", "assigned"]),
            ),
            models.Index(fields=["status", "resolution_due"], name="inc_status_resolution_due"),
            # "Breaching soon" and the escalation scan: running clocks only.
            models.Index(
                fields=["resolution_due"],
                name="inc_running_resolution_due",
                condition=Q(status__in=["new", "assigned", "in_progress"]),
            ),
            models.Index(
                fields=["status", "priority"],
                name="inc_unassigned_open",
                condition=Q(assignee__isnull=True, status__in=["new", "assigned"]),
            ),
            # The open queues of a team, a service and an agent ("Team", `?status=open&team=`,
            # "Mine"), newest first, read in index order: with the plain (team, status, opened)
            # index PostgreSQL fetched and sorted a team's whole open queue (1,500 rows, 1 ms
            # at 1M) for each page.
            *(
                models.Index(
                    fields=[column, "-opened_at", "-id"],
                    name=f"inc_{column}_open",
                    condition=Q(status__in=OPEN_INCIDENT_STATES),
                )
                for column in ("team", "service", "assignee")
            ),
            # The portal's "Open" tab, newest first: a requester's own tickets, and their
            # shared organisation's (a BitmapOr of the two). The plain requester index made
            # PostgreSQL AND it with every open ticket's status entry (3 ms at 1M).
            models.Index(
                fields=["requester", "-opened_at", "-id"],
                name="inc_requester_active",
                condition=Q(status__in=REQUESTER_ACTIVE_STATES),
            ),
            models.Index(
                fields=["organisation", "-opened_at", "-id"],
                name="inc_org_active",
                condition=Q(status__in=REQUESTER_ACTIVE_STATES),
            ),
            # The console's tab counts: one index-only scan over the open incidents.
            models.Index(
                fields=["status"],
                include=["resolution_due", "assignee", "team", "id"],
                name="inc_open_counts",
                condition=Q(status__in=["new", "assigned", "in_progress", "on_hold"]),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(impact__gte=1, impact__lte=3), name="inc_impact_1_3"
            ),
            models.CheckConstraint(
                condition=Q(urgency__gte=1, urgency__lte=3), name="inc_urgency_1_3"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def save(self, *args, **kwargs):
        self.priority = priority_for(self.impact, self.urgency)
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.status in {"new", "assigned", "in_progress", "on_hold"}


class IncidentComment(models.Model):
    """A public reply or an internal note (agents only) on an incident."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(max_length=50_000)
    internal = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["incident", "created_at"], name="inc_comment_timeline")]

    def __str__(self) -> str:
        return f"{'Internal note' if self.internal else 'Comment'} on {self.incident_id}"
