"""Availability KPI, from the services' outages over their agreed service hours."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db.models import Q

from kpis.definitions.common import _require, minutes, rounded
from kpis.periods import Window
from kpis.registry import Measure, kpi
from servicedesk.models import Incident


def outages_overlapping(w: Window, scope: str):
    """The outages (planned and unplanned) overlapping the period, newest first: the downtime
    and the maintenance behind an availability figure."""
    outage = _require("servicedesk.models", "Outage", "outages")
    overlapping = outage.objects.filter(started_at__lt=w.end).filter(
        Q(ended_at__isnull=True) | Q(ended_at__gt=w.start)
    )
    if scope != "global":
        overlapping = overlapping.filter(service_id=int(scope.partition(":")[2]))
    return overlapping.order_by("-started_at", "-id")


def outages_in(w: Window, scope: str):
    """Incidents linked to outages overlapping the period (availability)."""
    return Incident.objects.filter(pk__in=outages_overlapping(w, scope).values("incident_id"))


@kpi(
    code="availability",
    name="Availability",
    unit="%",
    direction="higher",
    default_target="99.5",
    tolerance="0.4",
    scopes=("global", "service"),
    records=outages_in,
    records_label="Incidents linked to those outages",
    outages=outages_overlapping,
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
    the interval arithmetic of servicedesk.availability per service, over the services and
    outages the run read once (`_services_and_outages`)."""
    key = ("availability", w.start, w.end)
    if key in w.memo:
        return w.memo[key]
    from servicedesk.availability import availability as availability_figures

    services, outages = _services_and_outages(w)
    out = {}
    for pk, calendar in services:  # a loop over services (the scope members), not over rows
        overlapping = [
            (started, ended, kind)
            for started, ended, kind in outages.get(pk, ())
            if started < w.end and (ended is None or ended > w.start)
        ]
        out[pk] = availability_figures(
            calendar,
            window_start=w.start,
            window_end=w.end,
            outages=overlapping,
            now=w.end,
        )
    w.memo[key] = out
    return out


def _services_and_outages(w: Window) -> tuple[list[tuple], dict[int, list]]:
    """([(live service id, its service hours calendar)], {service id: [outage]}): the outages
    overlapping the span of the run's windows (`memo["span"]`, else this window), read once
    per run; each window keeps the ones overlapping it."""
    start, end = w.memo.get("span", (w.start, w.end))
    if not (start <= w.start and w.end <= end):
        start, end = w.start, w.end  # a window outside the span is read on its own
    key = ("availability inputs", start, end)
    if key in w.memo:
        return w.memo[key]
    outage = _require("servicedesk.models", "Outage", "outages")
    from servicedesk.models import Service
    from servicedesk.sla import builtin_24x7, calendar_for

    rows = Service.objects.filter(status="live").select_related("service_hours").order_by("pk")
    fallback = None
    services = []
    for service in rows:
        hours = service.service_hours
        if hours is None:
            fallback = fallback or builtin_24x7()
            hours = fallback
        services.append((service.pk, calendar_for(hours)))
    outages: dict[int, list] = {}
    overlapping = (
        outage.objects.filter(service_id__in=[pk for pk, _ in services], started_at__lt=end)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=start))
        .values_list("service_id", "started_at", "ended_at", "kind")
        .order_by()
    )
    for service_id, started, ended, kind in overlapping:
        outages.setdefault(service_id, []).append((started, ended, kind))
    w.memo[key] = services, outages
    return w.memo[key]
