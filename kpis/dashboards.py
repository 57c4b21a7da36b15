"""What the dashboards show, assembled from a fixed number of queries (no N+1).

Tiles carry the newest value of the chosen kind of period, its target and status, and a
link to the records behind it; trends carry the last periods of the same snapshots.
"""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass, field
from urllib.parse import quote_plus

from django.utils import timezone

from core.fast_html import cached_reverse
from kpis import registry
from kpis.choices import STATUS_CSS, KpiStatus, PeriodKind
from kpis.models import KpiSnapshot
from kpis.periods import period_bounds
from kpis.queries import snapshots_for_scopes
from kpis.templatetags.kpis_tags import format_value

SERVICE_TILES = [
    "csat",
    "availability",
    "sla_compliance",
    "mtta",
    "mttr",
    "incident_volume",
    "incident_reduction",
    "backlog",
    "first_contact_resolution",
    "tco",
    "improvements_implemented",
]
PROJECT_TILES = [
    "spi",
    "cpi",
    "schedule_variance",
    "cost_variance",
    "budget_deviation",
    "milestones_missed",
]
# How many periods the trend charts show.
TREND_LENGTH = {PeriodKind.DAY: 30, PeriodKind.WEEK: 12, PeriodKind.MONTH: 12}
SERVICE_CHARTS = [
    ("Service quality (%)", ["sla_compliance", "csat", "first_contact_resolution"]),
    ("Availability (%)", ["availability"]),
    ("Response and resolution (hours)", ["mtta", "mttr"]),
    ("Incidents opened and backlog", ["incident_volume", "backlog"]),
]
PROJECT_CHARTS = [
    ("Performance indices", ["spi", "cpi"]),
    ("Variances (money)", ["schedule_variance", "cost_variance"]),
    ("Budget deviation and milestones missed (%)", ["budget_deviation", "milestones_missed"]),
]


# Column headings of the at-a-glance tables.
SHORT_NAMES = {
    "availability": "Availability",
    "csat": "CSAT",
    "sla_compliance": "SLA",
    "mttr": "MTTR",
    "incident_volume": "Opened",
    "incident_reduction": "Reduction",
    "tco": "TCO (month)",
    "spi": "SPI",
    "cpi": "CPI",
    "schedule_variance": "SV",
    "cost_variance": "CV",
    "budget_deviation": "Budget dev.",
    "milestones_missed": "Milestones missed",
}


def chart_number(value, unit: str) -> float | None:
    """A value as the charts plot it (display only): minutes as hours."""
    if value is None:
        return None
    return round(float(value) / 60, 2) if unit == "min" else float(value)


@dataclass
class Tile:
    definition: registry.KpiDefinition
    snapshot: KpiSnapshot | None
    applies: bool
    url: str | None = None
    note: str = ""
    note_detail: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def value(self) -> str:
        snap = self.snapshot
        currency = (snap.extra or {}).get("currency", "") if snap else ""
        return format_value(
            snap.value if snap else None, self.definition.unit, self.definition.decimals, currency
        )

    @property
    def target(self) -> str | None:
        if self.snapshot is None or self.snapshot.target is None:
            return None
        return format_value(self.snapshot.target, self.definition.unit, self.definition.decimals)

    @property
    def css(self) -> str:
        return STATUS_CSS.get(self.snapshot.status, "") if self.snapshot else ""

    @property
    def status_label(self) -> str:
        return KpiStatus(self.snapshot.status).label if self.snapshot else ""


def trend_since(kind: str, today: datetime.date) -> datetime.date:
    """The first period start of the trend window ending with the period containing today."""
    start = period_bounds(kind, today)[0]
    for _ in range(TREND_LENGTH[kind] - 1):
        start = period_bounds(kind, start - datetime.timedelta(days=1))[0]
    return start


_quoted = functools.lru_cache(maxsize=65536)(quote_plus)


def records_url(definition, snapshot_or_period, scope: str) -> str | None:
    """Where the records behind a number are: the drill-down list, or the project's page."""
    if definition.records is None:
        return None
    if definition.group == "project":
        return definition.records(None, scope)
    kind, start = snapshot_or_period
    # What urlencode gives for these four, spelled out: a table links ~1,500 cells, whose
    # codes, scopes and period kinds repeat (quoted once each).
    query = f"kpi={_quoted(definition.code)}&scope={_quoted(scope)}&period={_quoted(kind)}"
    return f"{cached_reverse('kpis:records')}?{query}&start={start.isoformat()}"


def _notes(definition, snap) -> list[str]:
    """One-line supporting figures under a tile's value."""
    if snap is None:
        return []
    x = snap.extra or {}
    code = definition.code
    if code == "csat" and x.get("answered") is not None:
        rate = x.get("response_rate")
        return [f"{x['answered']} answered" + (f", response rate {rate} %" if rate else "")]
    if code == "sla_compliance":
        return [
            f"{x.get('resolution_met', 0)} of {x.get('resolved', 0)} within target",
            f"response {x.get('response_pct') or '—'} %",
        ]
    if code in {"mtta", "mttr"}:
        return [f"over {x.get('incidents', 0)} incidents"]
    if code == "incident_reduction":
        return [f"{x.get('opened', 0)} vs {x.get('previous_opened', 0)} before"]
    if code == "backlog":
        return [f"over 7 days: {x.get('7d_30d', 0) + x.get('over_30d', 0)}"]
    if code == "first_contact_resolution":
        return [f"{x.get('first_contact', 0)} of {x.get('resolved', 0)} resolved"]
    if code == "tco" and x.get("change_pct") is not None:
        return [f"{x['change_pct']} % vs previous month"]
    if code == "availability" and x.get("downtime_minutes") is not None:
        return [f"downtime {x['downtime_minutes']} min"]
    if code == "milestones_missed":
        return [f"{x.get('missed', 0)} of {x.get('due', 0)} due"]
    if code == "improvements_implemented":
        return [f"{x.get('implemented', 0)} of {x.get('planned', 0)} planned"]
    return []


def build(
    *,
    codes: list[str],
    charts: list[tuple[str, list[str]]],
    scope: str,
    kind: str,
    today: datetime.date | None = None,
    unavailable: dict[str, str] | None = None,
) -> dict:
    """Tiles and chart data for one scope: ONE query for every snapshot shown."""
    today = today or timezone.localdate()
    since = trend_since(kind, today)
    by_code: dict[str, list[KpiSnapshot]] = {}
    for snap in snapshots_for_scopes(scopes=[scope], period_kind=kind, since=since, codes=codes):
        by_code.setdefault(snap.code, []).append(snap)
    scope_kind = registry.scope_kind(scope)
    tiles = []
    for code in codes:
        definition = registry.get(code)
        if definition is None:
            continue
        points = by_code.get(code, [])
        snap = points[-1] if points else None
        applies = scope_kind in definition.scopes
        tile = Tile(definition, snap, applies)
        if not applies:
            tile.note = f"not measured per {scope_kind}"
        elif snap is None:
            reason = (unavailable or {}).get(code, "")
            tile.note = (
                "waiting for its data source"
                if "no data source" in reason
                else ("could not be computed" if reason else "no value yet")
            )
            tile.note_detail = reason
        else:
            tile.url = records_url(definition, (kind, snap.period_start), scope)
            tile.notes = _notes(definition, snap)
        tiles.append(tile)
    labels = []
    start = since
    current = period_bounds(kind, today)[0]
    while start <= current:
        labels.append(start)
        start = period_bounds(kind, period_bounds(kind, start)[1] + datetime.timedelta(days=1))[0]
    chart_data = []
    for title, chart_codes in charts:
        datasets = []
        for code in chart_codes:
            definition = registry.get(code)
            if definition is None or scope_kind not in definition.scopes:
                continue
            values = {s.period_start: s.value for s in by_code.get(code, [])}
            if not values:
                continue
            datasets.append(
                {
                    "label": definition.name,
                    "code": code,
                    "data": [chart_number(values.get(d), definition.unit) for d in labels],
                }
            )
        if datasets:
            chart_data.append({"title": title, "datasets": datasets})
    return {
        "tiles": tiles,
        "charts": {"labels": [d.isoformat() for d in labels], "charts": chart_data},
        "period_start": current,
    }
