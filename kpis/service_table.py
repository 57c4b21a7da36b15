"""The service dashboard's table: every service's KPIs for one period, rendered once per
worker and kept while nothing it shows has changed.

Every reader of the dashboard sees the same table (it does not depend on who asks, nor on
the page's service or team filter), and at a few hundred services it was most of the page:
a statement over every service's snapshots, then ~1,500 cells with their drill-down links
(40 ms of the page's ~45 in process at bench scale). It changes only when the values do —
a KPI run (its row is saved when it starts and when it ends, and each KPI's rows as they
commit), a target changed (its stored values are judged again), a snapshot saved one by
one, a service saved or deleted — and each of those sets a new stamp in the shared cache
(`core.kept`), after which every worker renders the table again. What a worker keeps is
dropped after five minutes whatever the stamp says (a bulk write sends no signal). Without
a shared cache (the embedded mode) the table is rendered for every page, as before.
"""

from __future__ import annotations

import datetime

from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from core.kept import KeptRows
from kpis import dashboards, registry
from kpis.models import KpiRun, KpiSnapshot, KpiTarget
from kpis.templatetags.kpis_tags import format_value
from servicedesk.models import Service

KEPT = KeptRows("kpis:service-table:version")
KEPT.connect(KpiRun, KpiTarget, KpiSnapshot, Service)
TABLES_KEPT = 12  # tables (period kind × period start) a worker keeps at most


def service_table(
    *, codes: list[str], columns: list[dict], kind: str, start: datetime.date, services
) -> SafeString:
    """The table's HTML for the period of `kind` starting on `start`: a row for every live
    service and every other one with values in the period, in the order of `services`."""
    store = KEPT.store()
    key = (tuple(codes), kind, start)
    # One look: another thread of the worker may clear the store between two.
    kept = store.get(key) if store is not None else None
    if kept is not None:
        return kept
    cells = snapshot_cells(codes, "service:", kind, start)
    rows = [
        (s, cells.get(f"service:{s.pk}", {}))
        for s in services
        if s.status == "live" or f"service:{s.pk}" in cells
    ]
    html = render_to_string(
        "kpis/partials/_service_table.html",
        {"service_rows": rows, "table_codes": columns, "period": kind},
    )
    if store is not None:
        if len(store) >= TABLES_KEPT:
            store.clear()
        store[key] = html
    return html


def snapshot_cells(codes, scope_prefix: str, kind: str, start: datetime.date, scopes=None):
    """{scope: {code: cell}} for every member of a scope kind (or the `scopes` given), in one
    query: each cell's value as shown, its status' CSS class and its drill-down link."""
    rows: dict[str, dict] = {}
    snaps = KpiSnapshot.objects.filter(
        code__in=codes, scope__startswith=scope_prefix, period_kind=kind, period_start=start
    )
    if scopes is not None:
        snaps = snaps.filter(scope__in=scopes)
    columns = ("code", "scope", "value", "status", "period_start", "extra")  # no instances
    for code, scope, value, status, period_start, extra in snaps.values_list(*columns):
        definition = registry.get(code)
        if definition is None:
            continue
        currency = (extra or {}).get("currency", "")
        rows.setdefault(scope, {})[code] = {
            "value": format_value(value, definition.unit, definition.decimals, currency),
            "css": dashboards.STATUS_CSS.get(status, ""),
            "url": dashboards.records_url(definition, (kind, period_start), scope),
        }
    return rows
