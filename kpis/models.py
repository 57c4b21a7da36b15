"""KPI targets, snapshots (one value per KPI, scope and period) and the runs that wrote them.

A scope is a string key: "global", "service:<id>", "team:<id>", "priority:<n>" or
"project:<id>" ("global" is the portfolio for project KPIs). KPIs themselves are defined
in code (kpis/registry.py), so rows refer to them by code.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from kpis.choices import KpiStatus, PeriodKind, RunStatus

__all__ = ["KpiRun", "KpiSnapshot", "KpiTarget"]


class KpiTarget(models.Model):
    """The target of one KPI for one scope; "global" is the fallback for every scope."""

    code = models.CharField(max_length=40)
    scope = models.CharField(max_length=40, default="global")
    target = models.DecimalField(max_digits=16, decimal_places=4)
    # How far on the wrong side of the target still counts as "at risk" (same unit).
    tolerance = models.DecimalField(max_digits=16, decimal_places=4, default=0)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["code", "scope"]
        constraints = [
            models.UniqueConstraint(fields=["code", "scope"], name="kpi_target_once"),
            models.CheckConstraint(
                condition=models.Q(tolerance__gte=0), name="kpi_tolerance_gte_0"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} @ {self.scope}: {self.target} ± {self.tolerance}"


class KpiRun(models.Model):
    """One computation: when, for which date, and how each KPI fared."""

    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    as_of = models.DateField()
    backfill_days = models.PositiveIntegerField(default=0)
    codes = models.JSONField(default=list, blank=True)  # empty: every KPI
    scopes = models.JSONField(default=list, blank=True)  # empty: every scope kind
    # {code: "ok" | "error: <message>" | "unavailable: <reason>"}
    per_kpi = models.JSONField(default=dict, blank=True)
    rows_written = models.PositiveIntegerField(default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    trigger = models.CharField(max_length=20, default="manual")  # manual, api, beat, demo, command
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration = models.DurationField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["-created_at", "-id"], name="kpi_run_recent")]

    def __str__(self) -> str:
        return f"KPI run #{self.pk} as of {self.as_of} ({self.status})"


class KpiSnapshot(models.Model):
    """One KPI value for one scope and period; upserted by (code, scope, kind, start)."""

    code = models.CharField(max_length=40)
    scope = models.CharField(max_length=40)
    period_kind = models.CharField(max_length=5, choices=PeriodKind.choices)
    period_start = models.DateField()
    period_end = models.DateField()  # the last day of the period, inclusive
    value = models.DecimalField(max_digits=20, decimal_places=4, null=True, blank=True)
    target = models.DecimalField(max_digits=16, decimal_places=4, null=True, blank=True)
    status = models.CharField(max_length=10, choices=KpiStatus.choices, default=KpiStatus.NO_DATA)
    # Supporting figures: counts, response rate, backlog by age bucket, previous value…
    extra = models.JSONField(default=dict, blank=True)
    computed_at = models.DateTimeField(default=timezone.now)
    # A 64-bit hash of what the row's figures were derived from (kpis/project_rows.py): a
    # run whose inputs hash the same skips building and comparing the figures. NULL (rows
    # written from Python) always counts as changed.
    inputs = models.BigIntegerField(null=True, blank=True, editable=False)
    # Not indexed: every run stamps the rows it confirms, and with no index on the columns it
    # writes PostgreSQL updates them in place (HOT, room left by the table's fillfactor).
    # Nothing looks rows up by run; deleting a run (admin only) scans.
    run = models.ForeignKey(
        KpiRun,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="snapshots",
        db_index=False,
    )

    class Meta:
        ordering = ["code", "scope", "period_kind", "period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "scope", "period_kind", "period_start"], name="kpi_snapshot_once"
            )
        ]
        indexes = [
            # The latest value of every scope of a kind of period (dashboards, API list).
            models.Index(fields=["period_kind", "period_start", "code"], name="kpi_snap_period"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.scope} {self.period_kind} {self.period_start}: {self.value}"
