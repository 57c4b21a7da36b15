"""The handoff of a project's result to a live service, accepted by the service owner."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from projects.choices import HandoffStatus

__all__ = ["Handoff", "HandoffChecklistItem"]

OPEN_HANDOFF_STATES = (HandoffStatus.DRAFT, HandoffStatus.SUBMITTED, HandoffStatus.REJECTED)


class Handoff(models.Model):
    """What a project hands over and to whom: an existing service being changed (`service`),
    or a new one described here (name, description, owner, support team, criticality) and
    created on acceptance; with its SLA policy, service hours, go-live and hypercare."""

    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="handoffs"
    )
    status = models.CharField(
        max_length=10, choices=HandoffStatus.choices, default=HandoffStatus.DRAFT, editable=False
    )
    # An existing service being changed; empty for a new one (filled in on acceptance).
    service = models.ForeignKey(
        "servicedesk.Service",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handoffs",
    )
    new_service = models.BooleanField(
        default=False, help_text="The project creates a new service rather than changing one."
    )
    service_name = models.CharField(max_length=200, blank=True)
    service_description = models.TextField(blank=True, max_length=10_000)
    # The new service's designated owner; for an existing service its owner decides.
    service_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handoffs_to_own",
    )
    support_team = models.ForeignKey(
        "core.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="handoffs"
    )
    criticality = models.PositiveSmallIntegerField(null=True, blank=True)
    sla_policy = models.ForeignKey(
        "servicedesk.SLAPolicy",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handoffs",
    )
    service_hours = models.ForeignKey(
        "servicedesk.BusinessCalendar",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handoffs",
    )
    go_live_on = models.DateField(null=True, blank=True)
    hypercare_days = models.PositiveSmallIntegerField(
        default=30, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    # [{"title": …, "url": …}]: runbooks, designs, acceptance reports.
    documents = models.JSONField(default=list, blank=True)
    decision_note = models.TextField(blank=True, max_length=5000)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="handoff_status"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["project"],
                condition=Q(status__in=["draft", "submitted", "rejected"]),
                name="handoff_one_open_per_project",
            ),
            models.CheckConstraint(
                condition=Q(new_service=True) | Q(service_name=""),
                name="handoff_name_only_for_new_service",
            ),
        ]

    def __str__(self) -> str:
        return f"Handoff of {self.project_id} to {self.target_name or 'a service'}"

    @property
    def target_name(self) -> str:
        if self.service_id and not self.new_service:
            return self.service.name
        return self.service_name

    @property
    def target_owner_id(self) -> int | None:
        """Who accepts: the existing service's owner, or the new service's designated owner."""
        if self.new_service:
            return self.service_owner_id
        return self.service.owner_id if self.service_id else None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_HANDOFF_STATES


class HandoffChecklistItem(models.Model):
    """One thing the support organisation needs before it takes the service over."""

    handoff = models.ForeignKey(Handoff, on_delete=models.CASCADE, related_name="checklist")
    # The standard items have a key; free items added by the project manager have none.
    key = models.CharField(max_length=30, blank=True)
    label = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField(default=0)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["handoff", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["handoff", "key"], condition=~Q(key=""), name="handoff_item_key_once"
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def done(self) -> bool:
        return self.done_at is not None
