"""Availability KPI, from the services' outages over their agreed service hours."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db.models import Q

from kpis.definitions.common import _require, minutes, rounded
from kpis.periods import Window
from kpis.registry import Measure, kpi
from servicedesk.models import Incident


def outages_in(w: Window, scope: str):
    """Incidents linked to unplanned outages overlapping the period (availability)."""
    outage = _require("servicedesk.models", "Outage", "outages")
    overlapping = outage.objects.filter(started_at__lt=w.end).filter(
        Q(ended_at__isnull=True) | Q(ended_at__gt=w.start)
    )
    if scope != "global":
        overlapping = overlapping.filter(service_id=int(scope.partition(":")[2]))
    return Incident.objects.filter(pk__in=overlapping.values("incident_id"))


@kpi(
    code="availability",
    name="Availability",
    unit="%",
    direction="higher",
    default_target="99.5",
    tolerance="0.4",
    scopes=("global", "service"),
    records=outages_in,
    records_label="Incidents linked to outages in the period",
    decimals=3,
)
def availability(w: Window, scope_kind: str) -> dict[str, Measure]:
    """(agreed service time − downtime within it) ÷ agreed service time × 100, per live service
    from its outages over its service hours; global is weighted by agreed minutes."""
    per_service = _availability_by_service(w)
    if scope_kind == "service":
        return {
            f"service:{pk}": Measure(
                figures["availability_pct"],
                {
                    "agreed_minutes": figures["agreed_minutes"],
                    "downtime_minutes": figures["downtime_minutes"],
                },
            )
            for pk, figures in per_service.items()
        }
    agreed = sum((f["agreed_time"] for f in per_service.values()), timedelta())
    down = sum((f["downtime"] for f in per_service.values()), timedelta())
    if not per_service:
        return {}
    return {
        "global": Measure(
            _exact_pct(agreed - down, agreed),
            {
                "agreed_minutes": minutes(agreed),
                "downtime_minutes": minutes(down),
                "services": len(per_service),
            },
        )
    }


def _exact_pct(part: timedelta, whole: timedelta) -> Decimal | None:
    """part ÷ whole × 100 from whole microseconds, three decimals (as servicedesk.availability)."""
    micro = timedelta(microseconds=1)
    if not whole:
        return None
    return rounded(Decimal(part // micro) * 100 / Decimal(whole // micro), Decimal("0.001"))


def _availability_by_service(w: Window) -> dict[int, dict]:
    """The availability figures of every live service over the window (memoised per window):
    one query for the services, one for the outages, then the interval arithmetic of
    servicedesk.availability per service."""
    key = ("availability", w.start, w.end)
    if key in w.memo:
        return w.memo[key]
    outage = _require("servicedesk.models", "Outage", "outages")
    from servicedesk.availability import availability as availability_figures
    from servicedesk.models import Service
    from servicedesk.sla import builtin_24x7, calendar_for

    services = list(
        Service.objects.filter(status="live").select_related("service_hours").order_by("pk")
    )
    by_service: dict[int, list] = {s.pk: [] for s in services}
    overlapping = (
        outage.objects.filter(service_id__in=list(by_service), started_at__lt=w.end)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=w.start))
        .values_list("service_id", "started_at", "ended_at", "kind")
    )
    for service_id, started, ended, kind in overlapping:
        by_service[service_id].append((started, ended, kind))
    fallback = None
    out = {}
    for service in services:  # a loop over services (the scope members), not over rows
        row = service.service_hours
        if row is None:
            fallback = fallback or builtin_24x7()
            row = fallback
        out[service.pk] = availability_figures(
            calendar_for(row),
            window_start=w.start,
            window_end=w.end,
            outages=by_service[service.pk],
            now=w.end,
        )
    w.memo[key] = out
    return out
