"""Demo KPIs: compute the last 60 days of day, week and month values so the dashboards have
trends on the first start of `make run` (idempotent: rows are upserted)."""

from decimal import Decimal

from django.utils import timezone

from kpis.actions import kpi_target_set, kpis_compute

BACKFILL_DAYS = 60
# A few per-scope targets, to show that targets are per KPI and scope.
DEMO_TARGETS = [
    ("mttr", "priority:1", Decimal("120"), Decimal("60")),
    ("mtta", "priority:1", Decimal("10"), Decimal("5")),
]


def seed(context: dict) -> dict:
    for code, scope, target, tolerance in DEMO_TARGETS:
        kpi_target_set(code=code, scope=scope, target=target, tolerance=tolerance)
    run = kpis_compute(as_of=timezone.localdate(), backfill_days=BACKFILL_DAYS, trigger="demo")
    return {"kpi_run": run}
