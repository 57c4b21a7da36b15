"""Cost KPI: the total cost of ownership of services, from their monthly cost records."""

from __future__ import annotations

from decimal import Decimal

from kpis.definitions.common import _require, members, percent, rounded
from kpis.periods import Window
from kpis.registry import Measure, kpi


@kpi(
    code="tco",
    name="Total cost of ownership",
    unit="money",
    direction="lower",
    scopes=("global", "service"),
    records=None,
    records_label="Cost records of the period",
    decimals=0,
)
def tco(w: Window, scope_kind: str) -> dict[str, Measure]:
    """The service's cost records (run, licence, labour, project capex after handoff) of the
    month, and the change against the previous month; costs are monthly, so only month
    periods have a value. Amounts in different currencies are never added up."""
    cost = _require("servicedesk.models", "ServiceCost", "service cost records")
    if w.kind != "month":
        return {}
    from kpis.periods import previous_period_start

    previous = previous_period_start(w.kind, w.period_start)
    fields = {"service": "service_id"}
    current_rows = _costs_by_currency(cost, w.period_start, scope_kind, fields)
    previous_rows = _costs_by_currency(cost, previous, scope_kind, fields)
    keys = members(scope_kind, w.memo) if scope_kind == "service" else ["global"]
    out = {}
    for key in keys:
        now_by_cur = current_rows.get(key, {})
        before_by_cur = previous_rows.get(key, {})
        if not now_by_cur and not before_by_cur:
            continue
        currencies = set(now_by_cur) | set(before_by_cur)
        if len(currencies) > 1:
            out[key] = Measure(
                None,
                {
                    "by_currency": {c: str(v) for c, v in now_by_cur.items()},
                    "reason": "costs in more than one currency",
                },
            )
            continue
        currency = currencies.pop()
        total = now_by_cur.get(currency, Decimal(0))
        before = before_by_cur.get(currency)
        out[key] = Measure(
            rounded(total),
            {
                "currency": currency,
                "previous": None if before is None else str(rounded(before)),
                "change_pct": None if before is None else percent(total - before, before),
            },
        )
    return out


def _costs_by_currency(cost, month, scope_kind: str, fields) -> dict[str, dict[str, Decimal]]:
    """{scope_key: {currency: Σ amount}} of one month, in one grouped query."""
    from django.db.models import Sum

    qs = cost.objects.filter(period_month=month)
    if scope_kind == "global":
        rows = qs.values("currency").annotate(total=Sum("amount")).order_by("currency")
        return {"global": {r["currency"]: r["total"] for r in rows}} if rows else {}
    rows = qs.values("service_id", "currency").annotate(total=Sum("amount")).order_by()
    out: dict[str, dict[str, Decimal]] = {}
    for r in rows:
        out.setdefault(f"service:{r['service_id']}", {})[r["currency"]] = r["total"]
    return out
