"""The outcome of a project, measured on the service it handed over.

For a handed-over project (an accepted handoff: the project records its service and its
hypercare window [go-live, go-live + hypercare days)), two windows of the same length:

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

and, for a project that carries an improvement, the improvement's target metric against
its baseline (when the improvement records them).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, F, Q
from django.utils import timezone

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
        "windows": [],
        "improvement": improvement_outcome(project),
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


def improvement_outcome(project) -> dict | None:
    """The carried improvement's target metric against its baseline (None without one)."""
    return None
