"""The continual-improvement (CSI) register: what a service owner plans to make better."""

import datetime
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from core.fields import OneLineCharField
from servicedesk.choices import ImprovementPriority, ImprovementStatus

__all__ = ["Improvement", "quarter_end"]

QUARTER = re.compile(r"^(20\d\d)-Q([1-4])$")


def quarter_end(quarter: str) -> datetime.date:
    """The last day of a planned quarter: "2026-Q2" → 2026-06-30 (ValueError if malformed)."""
    match = QUARTER.match(quarter or "")
    if not match:
        raise ValueError(f"not a quarter like 2026-Q2: {quarter!r}")
    year, q = int(match[1]), int(match[2])
    if q == 4:
        return datetime.date(year, 12, 31)
    return datetime.date(year, 3 * q + 1, 1) - datetime.timedelta(days=1)


def validate_quarter(value: str) -> None:
    if not QUARTER.match(value or ""):
        raise ValidationError("Write the quarter as YYYY-Qn, e.g. 2026-Q2.")


class Improvement(models.Model):
    """A planned improvement of a service, measured: baseline → target, then the value
    measured after implementation (e.g. availability 99.2 % → 99.9 %)."""

    title = OneLineCharField(max_length=200)
    service = models.ForeignKey(
        "servicedesk.Service", on_delete=models.PROTECT, related_name="improvements"
    )
    problem_statement = models.TextField(max_length=20_000)
    expected_benefit = models.TextField(blank=True, max_length=20_000)
    metric = models.CharField(max_length=100, help_text="What is measured, e.g. Availability.")
    unit = models.CharField(max_length=30, blank=True, help_text="e.g. %, incidents/month")
    baseline_value = models.DecimalField(max_digits=14, decimal_places=3)
    target_value = models.DecimalField(max_digits=14, decimal_places=3)
    measured_value = models.DecimalField(
        max_digits=14, decimal_places=3, null=True, blank=True, editable=False
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="improvements_owned"
    )
    priority = models.PositiveSmallIntegerField(
        choices=ImprovementPriority.choices, default=ImprovementPriority.MEDIUM
    )
    planned_quarter = models.CharField(max_length=7, validators=[validate_quarter])
    # The last day of planned_quarter (the KPI "improvements implemented" counts on it).
    target_date = models.DateField(editable=False)
    status = models.CharField(
        max_length=12,
        choices=ImprovementStatus.choices,
        default=ImprovementStatus.PROPOSED,
        editable=False,
    )
    rejection_reason = models.TextField(blank=True, max_length=5000, editable=False)
    source_incident = models.ForeignKey(
        "servicedesk.Incident",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="improvements",
    )
    source_request = models.ForeignKey(
        "servicedesk.ServiceRequest",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="improvements",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    implemented_at = models.DateTimeField(null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-created_at", "-id"], name="imp_status"),
            models.Index(fields=["service", "status"], name="imp_service_status"),
            models.Index(fields=["planned_quarter", "status"], name="imp_quarter_status"),
            models.Index(fields=["owner", "status"], name="imp_owner_status"),
            models.Index(fields=["target_date", "status"], name="imp_target_date"),
            models.Index(fields=["-created_at", "-id"], name="imp_created"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        if self.planned_quarter and QUARTER.match(self.planned_quarter):
            self.target_date = quarter_end(self.planned_quarter)
        super().save(*args, **kwargs)

    def clean(self):
        if self.planned_quarter and QUARTER.match(self.planned_quarter):
            self.target_date = quarter_end(self.planned_quarter)
