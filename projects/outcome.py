"""The outcome of a project, measured on the service it handed over.

For a handed-over project (an accepted handoff: the project records its service and its
hypercare window [go-live, go-live + hypercare days), projects/hypercare.py), two windows of
the same length:

    hypercare = [hypercare_start, hypercare_end)
    after     = [hypercare_end, hypercare_end + (hypercare_end − hypercare_start))

Dates become times at midnight in the site's time zone. A window is measured up to now
while it runs (`measured_until`), and not at all before it starts. In each window:

    incidents       opened on the service in the window, by priority (1 critical … 5)
    availability    servicedesk.queries.service_availability over the service's service
                    hours and its outages (planned ones reduce agreed time)
    SLA compliance  incidents resolved in the window with a resolution target:
                    resolved by resolution_due ÷ resolved × 100
    CSAT            servicedesk.queries.csat of the surveys sent in the window
                    (ratings 4–5 ÷ answered × 100)

and, for a project that carries an improvement, the improvement's metric against its
baseline and target (improvement_outcome): measured from the service's data in the
after-hypercare window when the metric is one we measure —

    availability    (metric names "availability")  availability_pct of the window
    incidents/month (metric names "incident")       incidents opened on the service in
                                                    the window × 30 days ÷ days measured

— otherwise the value recorded on the improvement (`measured_value`, set when it is
implemented). `met`: the measured value reaches the target in the direction baseline →
target (up for availability, down for incidents).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, F, Q
from django.utils import timezone

from projects.hypercare import Hypercare
from servicedesk.choices import Priority
from servicedesk.models import Incident, Survey
from servicedesk.queries import csat, service_availability

PRIORITIES = [int(p) for p in Priority.values]


@dataclass(frozen=True)
class Window:
    key: str
    label: str
    start: datetime.datetime
    end: datetime.datetime

    def status(self, now: datetime.datetime) -> str:
        if now < self.start:
            return "not_started"
        return "running" if now < self.end else "complete"

    def until(self, now: datetime.datetime) -> datetime.datetime:
        return min(self.end, now)


def _midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(
        datetime.datetime.combine(day, datetime.time.min), timezone.get_default_timezone()
    )


def outcome_windows(project) -> list[Window]:
    """The hypercare window and the window of the same length after it ([] before handoff)."""
    if project.hypercare_start is None or project.hypercare_end is None:
        return []
    start, end = _midnight(project.hypercare_start), _midnight(project.hypercare_end)
    return [
        Window("hypercare", "Hypercare", start, end),
        Window("after", "After hypercare", end, end + (end - start)),
    ]


def _percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.001"), ROUND_HALF_UP)


def _str(value) -> str | None:
    return None if value is None else str(value)


def _incident_figures(service, windows: list[Window], now) -> dict:
    """Incidents by priority and SLA compliance for every window, in one aggregate query."""
    aggregates = {}
    for w in windows:
        opened = Q(opened_at__gte=w.start, opened_at__lt=w.until(now))
        for p in PRIORITIES:
            aggregates[f"{w.key}_p{p}"] = Count("pk", filter=opened & Q(priority=p))
        resolved = Q(
            resolved_at__gte=w.start,
            resolved_at__lt=w.until(now),
            resolution_due__isnull=False,
        )
        aggregates[f"{w.key}_resolved"] = Count("pk", filter=resolved)
        aggregates[f"{w.key}_in_time"] = Count(
            "pk", filter=resolved & Q(resolved_at__lte=F("resolution_due"))
        )
    return Incident.objects.filter(service=service).aggregate(**aggregates)


def project_outcome(project, *, now: datetime.datetime | None = None) -> dict:
    """The outcome card and GET /api/v1/projects/{id}/outcome/ (see the module docstring)."""
    now = now or timezone.now()
    service = project.service
    hypercare = Hypercare.of(project)
    windows = outcome_windows(project) if service is not None else []
    result = {
        "handed_over": bool(windows),
        "service": (
            {"id": service.pk, "name": service.name, "status": service.status}
            if service is not None
            else None
        ),
        "hypercare_start": project.hypercare_start,
        "hypercare_end": project.hypercare_end,
        "hypercare": hypercare,
        "hypercare_last_day": hypercare.last_day if hypercare else None,
        "windows": [],
        "improvement": improvement_outcome(project, now=now),
    }
    if not windows:
        return result
    counts = _incident_figures(service, [w for w in windows if w.status(now) != "not_started"], now)
    for w in windows:
        status = w.status(now)
        row = {
            "key": w.key,
            "label": w.label,
            "start": w.start,
            "end": w.end,
            "status": status,
            "measured_until": w.until(now) if status != "not_started" else None,
            "incidents": None,
            "availability": None,
            "sla": None,
            "csat": None,
        }
        if status != "not_started":
            by_priority = {str(p): counts[f"{w.key}_p{p}"] for p in PRIORITIES}
            resolved, in_time = counts[f"{w.key}_resolved"], counts[f"{w.key}_in_time"]
            figures = service_availability(service, start=w.start, end=w.until(now), now=now)
            satisfaction = csat(
                Survey.objects.filter(
                    incident__service=service, created_at__gte=w.start, created_at__lt=w.until(now)
                )
            )
            row.update(
                incidents={"total": sum(by_priority.values()), "by_priority": by_priority},
                availability={
                    "availability_pct": _str(figures["availability_pct"]),
                    "agreed_minutes": _str(figures["agreed_minutes"]),
                    "downtime_minutes": _str(figures["downtime_minutes"]),
                },
                sla={
                    "resolved": resolved,
                    "within_target": in_time,
                    "compliance_pct": _str(_percent(in_time, resolved)),
                },
                csat={k: _str(v) if isinstance(v, Decimal) else v for k, v in satisfaction.items()},
            )
        result["windows"].append(row)
    return result


MONTH_DAYS = Decimal(30)
MILLI = Decimal("0.001")


def _metric_kind(metric: str) -> str | None:
    name = metric.lower()
    if "availab" in name:
        return "availability"
    if "incident" in name:
        return "incidents_per_month"
    return None


def _measure(kind: str, service, window: Window, now) -> Decimal | None:
    until = window.until(now)
    if kind == "availability":
        figures = service_availability(service, start=window.start, end=until, now=now)
        return figures["availability_pct"]
    seconds = Decimal((until - window.start).total_seconds())
    if seconds <= 0:
        return None
    opened = Incident.objects.filter(
        service=service, opened_at__gte=window.start, opened_at__lt=until
    ).count()
    return (Decimal(opened) * MONTH_DAYS * 86400 / seconds).quantize(MILLI, ROUND_HALF_UP)


def _met(baseline: Decimal, target: Decimal, measured: Decimal | None) -> bool | None:
    if measured is None:
        return None
    return measured >= target if target >= baseline else measured <= target


def improvement_outcome(project, *, now: datetime.datetime | None = None) -> dict | None:
    """The carried improvement's metric: baseline, target, and the value measured after
    hypercare — computed from the service's data for availability and incidents per month,
    else as recorded on the improvement (None when the project carries no improvement)."""
    improvement = project.improvement
    if improvement is None:
        return None
    now = now or timezone.now()
    kind = _metric_kind(improvement.metric)
    after = next((w for w in outcome_windows(project) if w.key == "after"), None)
    service = project.service
    window_status = after.status(now) if after is not None else None
    computed = None
    if kind and service is not None and window_status in ("running", "complete"):
        computed = _measure(kind, service, after, now)
    recorded = improvement.measured_value
    measured = computed if computed is not None else recorded
    source = "computed" if computed is not None else ("recorded" if recorded is not None else None)
    return {
        "id": improvement.pk,
        "title": improvement.title,
        "status": improvement.status,
        "metric": improvement.metric,
        "unit": improvement.unit,
        "measured_kind": kind,
        "baseline": _str(improvement.baseline_value),
        "target": _str(improvement.target_value),
        "measured": _str(measured),
        "recorded": _str(recorded),
        "source": source,
        "window_status": window_status,
        "measured_until": after.until(now) if computed is not None else None,
        "met": _met(improvement.baseline_value, improvement.target_value, measured),
    }
