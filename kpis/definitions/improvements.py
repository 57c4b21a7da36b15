"""Continual service improvement KPI, from the CSI register."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils import timezone

from kpis.definitions.common import _model_field, _require, percent
from kpis.periods import Window
from kpis.registry import Measure, kpi


@kpi(
    code="improvements_implemented",
    name="Improvements implemented",
    unit="%",
    direction="higher",
    default_target="60",
    tolerance="15",
    scopes=("global", "service"),
    records_label="Improvements planned for the period",
)
def improvements_implemented(w: Window, scope_kind: str) -> dict[str, Measure]:
    """Improvements implemented ÷ planned (approved + in progress + implemented) with their
    target date in the period × 100, with the counts."""
    improvement = _require("servicedesk.models", "Improvement", "the CSI register")
    for name in ("status", "target_date", "service"):
        _model_field(improvement, name, "the CSI register")
    by_service: dict = {}  # {service_id: {"planned": n, "implemented": m}}
    for target_date, service_id, planned, implemented in _planned_by_day(w, improvement):
        if w.period_start <= target_date <= w.as_of_date:
            row = by_service.setdefault(service_id, {"planned": 0, "implemented": 0})
            row["planned"] += planned
            row["implemented"] += implemented
    if scope_kind == "global":
        rows = {
            "global": {
                name: sum(row[name] for row in by_service.values())
                for name in ("planned", "implemented")
            }
        }
    else:
        rows = {f"service:{pk}": row for pk, row in sorted(by_service.items()) if pk is not None}
    return {
        key: Measure(percent(row["implemented"], row["planned"]), row)
        for key, row in rows.items()
        if row["planned"]
    }


def _planned_by_day(w: Window, improvement) -> list[tuple]:
    """(target date, service id, planned, implemented) per day and service, read once for the
    span of the run's windows (`memo["span"]`) and memoised: each window adds up its days."""
    first, last = w.period_start, w.as_of_date
    if "span" in w.memo:
        start, end = w.memo["span"]
        span = (timezone.localtime(start).date(), timezone.localtime(end).date())
        if span[0] <= first and last <= span[1]:
            first, last = span
    key = ("improvements planned by day", first, last)
    if key not in w.memo:
        planned = improvement.objects.filter(
            status__in=["approved", "in_progress", "implemented"],
            target_date__gte=first,
            target_date__lte=last,
        )
        w.memo[key] = list(
            planned.values_list("target_date", "service_id")
            .annotate(n=Count("id"), done=Count("id", filter=Q(status="implemented")))
            .order_by()
        )
    return w.memo[key]
