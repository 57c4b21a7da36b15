"""Periods (day, ISO week, calendar month) and the time windows KPIs are computed over.

A period is named by its kind and first day. Its window runs from the first day's midnight
to the midnight after its last day, in the site time zone; a period still running is
measured up to `now`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from kpis.choices import PeriodKind


def period_bounds(kind: str, day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """First and last day (inclusive) of the period of `kind` that contains `day`."""
    if kind == PeriodKind.DAY:
        return day, day
    if kind == PeriodKind.WEEK:
        start = day - datetime.timedelta(days=day.weekday())  # ISO weeks start on Monday
        return start, start + datetime.timedelta(days=6)
    if kind == PeriodKind.MONTH:
        start = day.replace(day=1)
        following = (start + datetime.timedelta(days=32)).replace(day=1)
        return start, following - datetime.timedelta(days=1)
    raise ValueError(f"unknown period kind {kind!r}")


def previous_period_start(kind: str, start: datetime.date) -> datetime.date:
    return period_bounds(kind, start - datetime.timedelta(days=1))[0]


def midnight(day: datetime.date) -> datetime.datetime:
    """The aware start of `day` in the site time zone (DST-safe)."""
    return timezone.make_aware(
        datetime.datetime.combine(day, datetime.time.min), timezone.get_default_timezone()
    )


@dataclass
class Window:
    """What a KPI is computed over: [start, end) as aware datetimes, plus the period it names."""

    kind: str
    period_start: datetime.date
    period_end: datetime.date
    start: datetime.datetime
    end: datetime.datetime  # min(end of the period, now)
    # A per-run memo shared by every KPI of the run (e.g. the EVM inputs, loaded once).
    memo: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def closed(self) -> bool:
        return self.end >= midnight(self.period_end + datetime.timedelta(days=1))

    @property
    def as_of_date(self) -> datetime.date:
        """The last day the window reaches (the period's end, or today while it runs)."""
        return timezone.localtime(self.end - datetime.timedelta(microseconds=1)).date()

    def previous(self) -> Window:
        """The window of equal length right before this one (for change-vs-previous KPIs)."""
        length = self.end - self.start
        start = self.start - length
        return Window(
            kind=self.kind,
            period_start=timezone.localtime(start).date(),
            period_end=self.period_start - datetime.timedelta(days=1),
            start=start,
            end=self.start,
            memo=self.memo,
        )


def window_for(
    kind: str, day: datetime.date, *, now: datetime.datetime, memo: dict | None = None
) -> Window:
    first, last = period_bounds(kind, day)
    start = midnight(first)
    end = min(midnight(last + datetime.timedelta(days=1)), now)
    return Window(kind, first, last, start, max(start, end), memo if memo is not None else {})


def periods_ending(
    as_of: datetime.date, *, backfill_days: int = 0, kinds=tuple(PeriodKind.values)
) -> list[tuple[str, datetime.date]]:
    """(kind, any day in it) of every distinct period touching [as_of − backfill, as_of]."""
    seen: dict[tuple[str, datetime.date], datetime.date] = {}
    for offset in range(backfill_days, -1, -1):
        day = as_of - datetime.timedelta(days=offset)
        for kind in kinds:
            key = (kind, period_bounds(kind, day)[0])
            seen.setdefault(key, day)
    # A period is named by any day inside it; the latest one is as good as any.
    return [(kind, start) for (kind, start) in seen]


def run_memo(windows: list[Window]) -> dict:
    """The memo a KPI run shares between its KPIs, with what its windows cover together
    (a KPI may read it once for all of them; KPIs add their own entries as they go)."""
    return {
        "as_of_dates": sorted({w.as_of_date for w in windows}),
        "span": (min(w.start for w in windows), max(w.end for w in windows)),
        # Every moment a window starts or ends at: the pieces of time windows add up.
        "cuts": tuple(sorted({w.start for w in windows} | {w.end for w in windows})),
    }
