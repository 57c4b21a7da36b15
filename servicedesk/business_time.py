"""Business-time arithmetic for SLA clocks and service hours: pure functions, no database.

A :class:`Calendar` says when the clock runs: weekly working intervals in local wall-clock
time of an IANA time zone, minus holidays (local dates). Every function takes and returns
timezone-aware datetimes; results are in UTC. Business time is measured in real elapsed
time, so a 09:00-17:00 day is 8 hours even on a DST change day, while a 00:00-24:00 day
is 23 or 25 hours on one.

How a wall-clock boundary becomes an instant (the only place DST needs a rule):

- an ordinary wall time is the one instant that shows it;
- an ambiguous wall time (the repeated hour when clocks go back) is its *first* occurrence;
- a wall time that never shows (skipped when clocks go forward) is the moment of the jump.

This mapping never decreases as the wall time increases, so adjacent intervals
(09:00-12:00 and 12:00-17:00) always cover exactly what one 09:00-17:00 interval covers.

Intervals ending at midnight use end minute 1440 ("24:00"); such an interval belongs to
the day it starts on, and a Friday 22:00-24:00 plus a Saturday 00:00-02:00 run as one span.

Clocks are half-open: working time within ``[start, end)``. Durations given as ``int``
seconds are rounded down to whole seconds; ``timedelta`` results are exact.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.params import whole_number

__all__ = [
    "MINUTES_PER_DAY",
    "Calendar",
    "Pause",
    "Span",
    "add_business_days",
    "add_business_seconds",
    "add_business_time",
    "business_seconds_between",
    "business_time_between",
    "due_with_pauses",
    "elapsed_business_seconds",
    "intersect_intervals",
    "merge_intervals",
    "remaining_business_seconds",
    "subtract_intervals",
    "wall_minutes",
    "working_spans",
]

MINUTES_PER_DAY = 1440
ONE_SECOND = timedelta(seconds=1)

Span = tuple[datetime, datetime]
"""A half-open stretch of time ``[start, end)`` between two aware instants."""

Pause = tuple[datetime, datetime | None]
"""An on-hold window ``[start, end)``; ``end`` is ``None`` while the hold is still open."""


def wall_minutes(value: str | time) -> int:
    """Minutes after local midnight for a wall time: ``"09:30"`` → 570, ``"24:00"`` → 1440."""
    if isinstance(value, time):
        if value.second or value.microsecond:
            raise ValueError(f"working hours are whole minutes, not {value}")
        return value.hour * 60 + value.minute
    hours, sep, minutes = value.partition(":")
    hour, minute = whole_number(hours, max_digits=2), whole_number(minutes, max_digits=2)
    if not sep or hour is None or minute is None or len(minutes) != 2:
        raise ValueError(f"wall time must look like HH:MM, not {value!r}")
    total = hour * 60 + minute
    if minute >= 60 or total > MINUTES_PER_DAY:
        raise ValueError(f"wall time out of range: {value!r}")
    return total


@dataclass(frozen=True)
class Calendar:
    """When a business clock runs: weekly wall-clock intervals in ``tz``, minus holidays.

    ``intervals`` holds ``(weekday, start_minute, end_minute)`` with weekday 0 = Monday …
    6 = Sunday and minutes after local midnight, ``0 <= start < end <= 1440`` (1440 is
    24:00). Several intervals per day are allowed; on construction they are sorted and
    overlapping or touching ones on the same weekday are merged, so two calendars that
    describe the same hours compare equal. ``holidays`` are local dates with no working
    time at all.
    """

    tz: str
    intervals: tuple[tuple[int, int, int], ...]
    holidays: frozenset[date] = frozenset()
    _by_weekday: tuple[tuple[tuple[int, int], ...], ...] = field(
        init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.tz)
        except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
            raise ValueError(f"unknown time zone {self.tz!r}") from exc
        by_weekday: list[list[tuple[int, int]]] = [[] for _ in range(7)]
        for interval in self.intervals:
            weekday, start, end = interval
            for number in interval:
                if isinstance(number, bool) or not isinstance(number, int):
                    raise ValueError(f"interval values must be integers: {interval!r}")
            if not 0 <= weekday <= 6:
                raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday): {interval!r}")
            if not 0 <= start < end <= MINUTES_PER_DAY:
                raise ValueError(f"need 0 <= start < end <= 1440 minutes: {interval!r}")
            by_weekday[weekday].append((start, end))
        merged: list[tuple[tuple[int, int], ...]] = []
        for day in by_weekday:
            out: list[tuple[int, int]] = []
            for start, end in sorted(day):
                if out and start <= out[-1][1]:
                    out[-1] = (out[-1][0], max(out[-1][1], end))
                else:
                    out.append((start, end))
            merged.append(tuple(out))
        holidays = frozenset(self.holidays)
        for day in holidays:
            # A datetime is a date too, but would never match a local date in lookups.
            if not isinstance(day, date) or isinstance(day, datetime):
                raise ValueError(f"holidays must be dates: {day!r}")
        object.__setattr__(self, "_by_weekday", tuple(merged))
        object.__setattr__(
            self,
            "intervals",
            tuple((wd, s, e) for wd, day in enumerate(merged) for s, e in day),
        )
        object.__setattr__(self, "holidays", holidays)

    @classmethod
    def always(cls, *, tz: str = "UTC") -> Calendar:
        """The 24x7 calendar: every minute of every day, no holidays (UTC unless ``tz``)."""
        return cls(tz=tz, intervals=tuple((wd, 0, MINUTES_PER_DAY) for wd in range(7)))

    @classmethod
    def weekly(
        cls,
        *,
        tz: str,
        weekdays: Iterable[int],
        hours: Iterable[tuple[str | time, str | time]],
        holidays: Iterable[date] = (),
    ) -> Calendar:
        """The same hours on each of ``weekdays``: ``hours=[("09:00", "12:00"), ("13:00",
        "17:00")]``; ``"24:00"`` ends a day at midnight."""
        spans = [(wall_minutes(start), wall_minutes(end)) for start, end in hours]
        return cls(
            tz=tz,
            intervals=tuple((wd, s, e) for wd in weekdays for s, e in spans),
            holidays=frozenset(holidays),
        )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    @property
    def has_working_time(self) -> bool:
        """False for a calendar with no intervals: no business clock can ever advance."""
        return bool(self.intervals)


# --- instants -------------------------------------------------------------------------


def _aware_utc(value: datetime, name: str) -> datetime:
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, not {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return value.astimezone(UTC)


def _wall_to_utc(zone: ZoneInfo, wall: datetime) -> datetime:
    """The instant a naive local wall time stands for (rules in the module docstring)."""
    first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    second = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    if first <= second:
        # Equal: an ordinary time. Less: clocks went back and fold=0 is the first showing.
        return first
    # Clocks jumped forward over this wall time. PEP 495 maps fold=1 with the new offset
    # (before the jump) and fold=0 with the old one (after it); the jump lies in between.
    # Offsets change on whole seconds, so bisect on seconds.
    after_offset = wall - second.replace(tzinfo=None)
    lo, hi = second, first
    while hi - lo > ONE_SECOND:
        mid = lo + ((hi - lo) // ONE_SECOND // 2) * ONE_SECOND
        if mid.astimezone(zone).utcoffset() == after_offset:
            hi = mid
        else:
            lo = mid
    return hi


@functools.lru_cache(maxsize=8192)
def _day_spans(cal: Calendar, day: date) -> tuple[Span, ...]:
    """Working time of one local date as sorted, disjoint UTC spans."""
    if day in cal.holidays:
        return ()
    bounds = cal._by_weekday[day.weekday()]
    if not bounds:
        return ()
    zone = cal.zone
    midnight = datetime.combine(day, time())
    spans = []
    for start, end in bounds:
        span_start = _wall_to_utc(zone, midnight + timedelta(minutes=start))
        span_end = _wall_to_utc(zone, midnight + timedelta(minutes=end))
        if span_end > span_start:  # an interval wholly inside a skipped hour is empty
            spans.append((span_start, span_end))
    return tuple(spans)


_LAST_DAY = date.max - timedelta(days=2)


def _next_day(day: date) -> date:
    if day >= _LAST_DAY:
        raise ValueError("business time runs past the last supported date")
    return day + timedelta(days=1)


def _spans_from(cal: Calendar, start: datetime) -> Iterator[Span]:
    """Working spans from ``start`` (UTC) onwards, day by day, without end.

    Spans of a local date ``d`` end no later than the first instant the wall clock shows
    ``d+1 00:00``, which is at or before any instant whose local date is after ``d``, so
    starting from the local date of ``start`` misses nothing.
    """
    day = start.astimezone(cal.zone).date()
    while True:
        for span_start, span_end in _day_spans(cal, day):
            if span_end > start:
                yield max(span_start, start), span_end
        day = _next_day(day)


def _spans_within(cal: Calendar, start: datetime, end: datetime) -> Iterator[Span]:
    """Working spans clipped to ``[start, end)`` (UTC), unmerged across days."""
    if end <= start:
        return
    zone = cal.zone
    # One day past the local date of ``end``: where clocks go back at midnight, the next
    # date's spans may start before ``end`` while the wall clock still shows the old date.
    last_day = end.astimezone(zone).date() + timedelta(days=1)
    yield from _clipped_days(cal, start, end, start.astimezone(zone).date(), last_day)


def _clipped_days(
    cal: Calendar, start: datetime, end: datetime, first_day: date, last_day: date
) -> Iterator[Span]:
    """The spans of the local dates ``first_day``..``last_day`` clipped to ``[start, end)``."""
    day = first_day
    while day <= last_day:
        for span_start, span_end in _day_spans(cal, day):
            if span_end > start and span_start < end:
                yield max(span_start, start), min(span_end, end)
        day = _next_day(day)


def _total(spans: Iterable[Span]) -> timedelta:
    return sum((end - start for start, end in spans), timedelta())


@functools.lru_cache(maxsize=512)
def _year_prefix(cal: Calendar, year: int) -> tuple[timedelta, ...]:
    """Working time of the first ``i`` local dates of ``year``, for ``i`` = 0..days in it."""
    totals = [timedelta()]
    day = date(year, 1, 1)
    while day.year == year:
        totals.append(totals[-1] + _total(_day_spans(cal, day)))
        if day == date.max:
            break
        day += timedelta(days=1)
    return tuple(totals)


def _whole_days_total(cal: Calendar, first_day: date, last_day: date) -> timedelta:
    """Working time of the local dates ``first_day``..``last_day`` (inclusive), whole."""
    total = timedelta()
    for year in range(first_day.year, last_day.year + 1):
        prefix = _year_prefix(cal, year)
        new_year = date(year, 1, 1)
        low = (first_day - new_year).days if year == first_day.year else 0
        high = (last_day - new_year).days + 1 if year == last_day.year else len(prefix) - 1
        total += prefix[high] - prefix[low]
    return total


# Days between the local dates of two instants, beyond which the days in the middle are
# counted whole from per-year sums instead of span by span. Two days at each end are clipped:
# a clock change (at most a few hours) cannot move a span of a date two days away from an
# instant's local date across that instant.
_WHOLE_DAYS_FROM = 8


def _working_time(cal: Calendar, start: datetime, end: datetime) -> timedelta:
    """The working time within ``[start, end)`` (UTC), at the cost of a few days at any length."""
    if end <= start:
        return timedelta()
    zone = cal.zone
    first_day, final_day = start.astimezone(zone).date(), end.astimezone(zone).date()
    if (final_day - first_day).days < _WHOLE_DAYS_FROM:
        return _total(_spans_within(cal, start, end))
    middle_first, middle_last = first_day + timedelta(days=2), final_day - timedelta(days=2)
    head = _clipped_days(cal, start, end, first_day, middle_first - timedelta(days=1))
    tail = _clipped_days(cal, start, end, middle_last + timedelta(days=1), _next_day(final_day))
    return _total(head) + _whole_days_total(cal, middle_first, middle_last) + _total(tail)


def _advance(spans: Iterable[Span], target: timedelta) -> datetime:
    """The earliest instant by which ``target`` (> 0) of the given spans has elapsed."""
    remaining = target
    for start, end in spans:
        length = end - start
        if remaining <= length:
            return start + remaining
        remaining -= length
    raise ValueError("not enough working time to reach the target")  # finite span lists


# --- interval algebra -----------------------------------------------------------------


def merge_intervals(intervals: Iterable[Span]) -> list[Span]:
    """Sorted, disjoint spans covering the same time; overlapping or touching spans are
    joined and empty ones dropped. Raises ``ValueError`` for a span that ends before it
    starts."""
    ordered = []
    for start, end in intervals:
        if end < start:
            raise ValueError(f"interval ends before it starts: {start} > {end}")
        if end > start:
            ordered.append((start, end))
    ordered.sort()
    merged: list[Span] = []
    for start, end in ordered:
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _without(spans: Iterable[Span], holes: Sequence[Span]) -> Iterator[Span]:
    """``spans`` (sorted, disjoint; may be endless) minus ``holes`` (merged)."""
    first_hole = 0
    for start, end in spans:
        while first_hole < len(holes) and holes[first_hole][1] <= start:
            first_hole += 1
        cursor = start
        index = first_hole
        while index < len(holes) and holes[index][0] < end and cursor < end:
            hole_start, hole_end = holes[index]
            if hole_start > cursor:
                yield cursor, hole_start
            cursor = max(cursor, hole_end)
            index += 1
        if cursor < end:
            yield cursor, end


def subtract_intervals(intervals: Iterable[Span], removed: Iterable[Span]) -> list[Span]:
    """The time in ``intervals`` that is not in ``removed``, as merged spans."""
    return list(_without(merge_intervals(intervals), merge_intervals(removed)))


def intersect_intervals(first: Iterable[Span], second: Iterable[Span]) -> list[Span]:
    """The time that is in both ``first`` and ``second``, as merged spans."""
    left, right = merge_intervals(first), merge_intervals(second)
    out: list[Span] = []
    i = j = 0
    while i < len(left) and j < len(right):
        start = max(left[i][0], right[j][0])
        end = min(left[i][1], right[j][1])
        if start < end:
            out.append((start, end))
        if left[i][1] <= right[j][1]:
            i += 1
        else:
            j += 1
    return out


def _pause_holes(pauses: Iterable[Pause], *, open_until: datetime | None) -> list[Span]:
    holes = []
    for pause_start, pause_end in pauses:
        hole_start = _aware_utc(pause_start, "pause start")
        if pause_end is None:
            if open_until is None:
                raise ValueError("an open pause (end None) needs `now` to say where it ends")
            hole_end = max(hole_start, open_until)
        else:
            hole_end = _aware_utc(pause_end, "pause end")
            if hole_end < hole_start:
                raise ValueError(f"pause ends before it starts: {pause_start} > {pause_end}")
        holes.append((hole_start, hole_end))
    return merge_intervals(holes)


# --- the clock ------------------------------------------------------------------------


def working_spans(cal: Calendar, *, start: datetime, end: datetime) -> Iterator[Span]:
    """Working time within ``[start, end)`` as sorted, disjoint UTC spans.

    Spans that touch (a day ending at 24:00 followed by one starting at 00:00) are
    yielded as one. Nothing is yielded when ``end <= start``.
    """
    start, end = _aware_utc(start, "start"), _aware_utc(end, "end")
    pending: Span | None = None
    for span in _spans_within(cal, start, end):
        if pending is not None and span[0] <= pending[1]:
            pending = (pending[0], span[1])
            continue
        if pending is not None:
            yield pending
        pending = span
    if pending is not None:
        yield pending


def business_time_between(cal: Calendar, *, start: datetime, end: datetime) -> timedelta:
    """Exact working time within ``[start, end)``; zero when ``end <= start``."""
    return _working_time(cal, _aware_utc(start, "start"), _aware_utc(end, "end"))


def business_seconds_between(cal: Calendar, *, start: datetime, end: datetime) -> int:
    """Working time within ``[start, end)`` in whole seconds (rounded down); 0 when
    ``end <= start``."""
    return business_time_between(cal, start=start, end=end) // ONE_SECOND


def add_business_seconds(cal: Calendar, *, start: datetime, seconds: int) -> datetime:
    """The earliest instant by which ``seconds`` of working time have elapsed from ``start``.

    Starting outside working time, the clock starts at the next working instant. A due
    time that lands on the end of a working span is that end (Friday 17:00, not Monday
    09:00). ``seconds=0`` returns ``start`` itself (as UTC), even outside working time.
    Raises ``ValueError`` for negative ``seconds`` or a calendar with no working time.
    """
    return _add(cal, start=start, target=_seconds_target(seconds), holes=[])


def add_business_time(cal: Calendar, *, start: datetime, minutes: int) -> datetime:
    """:func:`add_business_seconds` for a target in whole minutes (an SLA's target)."""
    return _add(cal, start=start, target=_minutes_target(minutes), holes=[])


def remaining_business_seconds(cal: Calendar, *, now: datetime, due: datetime) -> int:
    """Working seconds left from ``now`` until ``due``; when ``now`` is past ``due``, the
    working seconds between them, negated.

    Overdue only by non-working time (due Friday 17:00, now Saturday) gives 0, so decide
    a breach with ``now > due``, not with the sign of this number.
    """
    now, due = _aware_utc(now, "now"), _aware_utc(due, "due")
    if now <= due:
        return business_seconds_between(cal, start=now, end=due)
    return -business_seconds_between(cal, start=due, end=now)


def elapsed_business_seconds(
    cal: Calendar,
    *,
    start: datetime,
    end: datetime,
    pauses: Iterable[Pause] = (),
) -> int:
    """Working seconds within ``[start, end)`` outside every pause (whole seconds, rounded
    down). Pauses may overlap each other or reach outside the range; an open pause (end
    ``None``) lasts past ``end``."""
    start, end = _aware_utc(start, "start"), _aware_utc(end, "end")
    holes = _pause_holes(pauses, open_until=end)
    # The holes are merged (disjoint), so the working time inside them is counted once each.
    paused = sum(
        (_working_time(cal, max(hs, start), min(he, end)) for hs, he in holes), timedelta()
    )
    return (_working_time(cal, start, end) - paused) // ONE_SECOND


def due_with_pauses(
    cal: Calendar,
    *,
    opened_at: datetime,
    target_minutes: int,
    pauses: Iterable[Pause] = (),
    now: datetime | None = None,
) -> datetime:
    """When an SLA clock started at ``opened_at`` reaches ``target_minutes`` of working
    time, not counting working time inside any pause.

    An open pause (end ``None``) is taken to end at ``now`` (required then): the answer is
    the due time if the hold were lifted now, so it moves on while the ticket stays on
    hold and is final once the pause is closed. Pauses before ``opened_at`` and pause
    overlaps are harmless. ``target_minutes=0`` returns ``opened_at``.
    """
    now_utc = None if now is None else _aware_utc(now, "now")
    holes = _pause_holes(pauses, open_until=now_utc)
    return _add(cal, start=opened_at, target=_minutes_target(target_minutes), holes=holes)


def _minutes_target(minutes: int) -> timedelta:
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        raise TypeError(f"minutes must be an int, not {type(minutes).__name__}")
    if minutes < 0:
        raise ValueError(f"business time to add must not be negative: {minutes}")
    return timedelta(minutes=minutes)


def _seconds_target(seconds: int) -> timedelta:
    if isinstance(seconds, bool) or not isinstance(seconds, int):
        raise TypeError(f"seconds must be an int, not {type(seconds).__name__}")
    if seconds < 0:
        raise ValueError(f"business time to add must not be negative: {seconds}")
    return timedelta(seconds=seconds)


def _add(cal: Calendar, *, start: datetime, target: timedelta, holes: list[Span]) -> datetime:
    start = _aware_utc(start, "start")
    if not target:
        return start
    if not cal.has_working_time:
        raise ValueError("the calendar has no working time; the clock would never advance")
    # Terminates: holidays and pauses are finite, and past them every week has working
    # time; each step is one day, so 100,000 minutes on an 8-hour day is ~300 steps.
    return _advance(_without(_spans_from(cal, start), holes), target)


def add_business_days(cal: Calendar, *, start: datetime, days: int) -> datetime:
    """The end of the ``days``-th working day after ``start``'s local date (``start``'s
    own day never counts): a request opened on Friday with 2 business days is due at the
    end of Tuesday's working hours on a Monday–Friday calendar. ``days <= 0`` → ``start``."""
    start = _aware_utc(start, "start")
    if days <= 0:
        return start
    if not cal.has_working_time:
        raise ValueError("the calendar has no working time")
    day = start.astimezone(cal.zone).date()
    counted = 0
    while True:
        day = _next_day(day)
        spans = _day_spans(cal, day)
        if spans:
            counted += 1
            if counted == days:
                return spans[-1][1]
