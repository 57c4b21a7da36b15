"""Continual service improvement KPI, from the CSI register."""

from __future__ import annotations

from django.db.models import Count, Q

from kpis.definitions.common import _model_field, _require, grouped, percent
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
    planned = improvement.objects.filter(
        status__in=["approved", "in_progress", "implemented"],
        target_date__gte=w.period_start,
        target_date__lte=w.as_of_date,
    )
    rows = grouped(
        planned,
        scope_kind,
        {"service": "service_id"},
        planned=Count("id"),
        implemented=Count("id", filter=Q(status="implemented")),
    )
    return {
        key: Measure(percent(row["implemented"], row["planned"]), row)
        for key, row in rows.items()
        if row["planned"]
    }
