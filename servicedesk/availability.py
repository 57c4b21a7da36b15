"""Service availability from outages over the service hours: pure functions, no database.

    agreed service time = service hours (calendar working time) in the window
                          − planned outages within them
    downtime            = unplanned outage time within agreed service time
                          (overlapping outages count once; the part of an unplanned
                          outage that falls inside a planned one is not downtime)
    availability %      = (agreed − downtime) ÷ agreed × 100

Time is summed exactly (microseconds) and rounded once, half up, at the end: minutes
and the percentage carry three decimals.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TypedDict

from servicedesk.business_time import (
    Calendar,
    Span,
    intersect_intervals,
    merge_intervals,
    subtract_intervals,
    working_spans,
)

__all__ = [
    "PLANNED",
    "UNPLANNED",
    "AvailabilityFigures",
    "Outage",
    "availability",
    "merge_intervals",
]

PLANNED = "planned"
UNPLANNED = "unplanned"

Outage = tuple[datetime, datetime | None, str]
"""``(start, end, kind)``: ``end`` is ``None`` while the outage is ongoing; ``kind`` is
``"planned"`` or ``"unplanned"`` (a ``TextChoices`` member with those values works)."""

_MICROSECOND = timedelta(microseconds=1)
_MICROSECONDS_PER_MINUTE = 60_000_000


class AvailabilityFigures(TypedDict):
    agreed_minutes: Decimal  # three decimals, rounded half up
    downtime_minutes: Decimal  # three decimals, rounded half up
    availability_pct: Decimal | None  # three decimals, rounded half up; None if nothing agreed
    agreed_time: timedelta  # exact, for adding windows together before rounding
    downtime: timedelta  # exact


def _round_half_up_thousandths(numerator: int, denominator: int) -> Decimal:
    """``numerator / denominator`` (both >= 0) rounded half up to three decimals, exactly."""
    thousandths = (2 * numerator * 1000 + denominator) // (2 * denominator)
    return Decimal(thousandths).scaleb(-3)


def _aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return value


def availability(
    cal: Calendar,
    *,
    window_start: datetime,
    window_end: datetime,
    outages: Iterable[Outage],
    now: datetime,
) -> AvailabilityFigures:
    """Availability of a service over ``[window_start, window_end)``.

    ``cal`` holds the service hours. Outages may reach outside the window or the service
    hours and may overlap; only their part inside agreed service time counts. An ongoing
    outage (end ``None``) runs until ``now`` (and so, clipped, until ``min(window_end,
    now)``). The window itself is taken as given: for month-to-date figures pass
    ``window_end=now``. ``availability_pct`` is ``None`` when no service time was agreed
    (a window outside the service hours, or wholly under planned outage).
    """
    window_start = _aware(window_start, "window_start")
    window_end = _aware(window_end, "window_end")
    now = _aware(now, "now")
    planned: list[Span] = []
    unplanned: list[Span] = []
    for start, end, kind in outages:
        start = _aware(start, "outage start")
        end = max(start, now) if end is None else _aware(end, "outage end")
        if end < start:
            raise ValueError(f"outage ends before it starts: {start} > {end}")
        if kind == PLANNED:
            planned.append((start, end))
        elif kind == UNPLANNED:
            unplanned.append((start, end))
        else:
            raise ValueError(f"outage kind must be {PLANNED!r} or {UNPLANNED!r}, not {kind!r}")

    service_hours = list(working_spans(cal, start=window_start, end=window_end))
    agreed_spans = subtract_intervals(service_hours, planned)
    down_spans = intersect_intervals(agreed_spans, unplanned)
    agreed = sum((end - start for start, end in agreed_spans), timedelta())
    downtime = sum((end - start for start, end in down_spans), timedelta())

    agreed_us = agreed // _MICROSECOND
    downtime_us = downtime // _MICROSECOND
    return {
        "agreed_minutes": _round_half_up_thousandths(agreed_us, _MICROSECONDS_PER_MINUTE),
        "downtime_minutes": _round_half_up_thousandths(downtime_us, _MICROSECONDS_PER_MINUTE),
        "availability_pct": (
            _round_half_up_thousandths((agreed_us - downtime_us) * 100, agreed_us)
            if agreed_us
            else None
        ),
        "agreed_time": agreed,
        "downtime": downtime,
    }
