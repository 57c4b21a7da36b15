"""Availability arithmetic: worked examples, each checked by hand in its docstring.

Unless said otherwise: service hours Mon–Fri 09:00–17:00 Europe/London, the window is
the week Mon 2026-01-05 00:00 → Mon 2026-01-12 00:00 (GMT, so local = UTC), which holds
5 × 480 = 2,400 minutes of service hours.
"""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from servicedesk.availability import PLANNED, UNPLANNED, availability, merge_intervals
from servicedesk.business_time import Calendar

LONDON = ZoneInfo("Europe/London")
SERVICE_HOURS = Calendar.weekly(tz="Europe/London", weekdays=range(5), hours=[("09:00", "17:00")])
WEEK_START = datetime(2026, 1, 5, tzinfo=LONDON)
WEEK_END = datetime(2026, 1, 12, tzinfo=LONDON)
LATER = datetime(2026, 2, 1, tzinfo=UTC)


def day(d: int, h: int, m: int = 0) -> datetime:
    """January 2026, London (GMT): Mon 5, Tue 6, Wed 7, Thu 8, Fri 9, Sat 10."""
    return datetime(2026, 1, d, h, m, tzinfo=LONDON)


def week(outages, *, now=LATER, cal=SERVICE_HOURS):
    return availability(cal, window_start=WEEK_START, window_end=WEEK_END, outages=outages, now=now)


def test_no_outages_is_100_percent():
    figures = week([])
    assert figures["agreed_minutes"] == Decimal("2400.000")
    assert figures["downtime_minutes"] == Decimal("0.000")
    assert figures["availability_pct"] == Decimal("100.000")
    assert figures["agreed_time"] == timedelta(hours=40)
    assert figures["downtime"] == timedelta(0)


def test_overlapping_outages_count_once():
    """Mon 10:00–11:00 and Mon 10:30–12:00 overlap: together 10:00–12:00 = 120 minutes.
    (2,400 − 120) ÷ 2,400 = 95 %."""
    figures = week([(day(5, 10), day(5, 11), UNPLANNED), (day(5, 10, 30), day(5, 12), UNPLANNED)])
    assert figures["downtime_minutes"] == Decimal("120.000")
    assert figures["availability_pct"] == Decimal("95.000")


def test_outage_partly_outside_service_hours_counts_only_inside():
    """Tue 16:00–19:00: only 16:00–17:00 is service time = 60 minutes.
    2,340 ÷ 2,400 = 97.5 %."""
    figures = week([(day(6, 16), day(6, 19), UNPLANNED)])
    assert figures["downtime_minutes"] == Decimal("60.000")
    assert figures["availability_pct"] == Decimal("97.500")


def test_outage_outside_the_window_or_service_hours_counts_nothing():
    figures = week(
        [
            (day(10, 9), day(11, 17), UNPLANNED),  # the weekend
            (datetime(2026, 1, 2, 9, tzinfo=LONDON), WEEK_START, UNPLANNED),  # the week before
            (day(7, 20), day(8, 8), UNPLANNED),  # overnight
        ]
    )
    assert figures["downtime_minutes"] == Decimal("0.000")
    assert figures["availability_pct"] == Decimal("100.000")


def test_planned_outage_shrinks_agreed_time_and_masks_unplanned_overlap():
    """Planned Wed 09:00–10:00 takes 60 minutes out of agreed time: 2,340. An unplanned
    outage Wed 09:30–10:30 is downtime only for 10:00–10:30 = 30 minutes.
    (2,340 − 30) ÷ 2,340 × 100 = 98.71794… → 98.718."""
    figures = week([(day(7, 9), day(7, 10), PLANNED), (day(7, 9, 30), day(7, 10, 30), UNPLANNED)])
    assert figures["agreed_minutes"] == Decimal("2340.000")
    assert figures["downtime_minutes"] == Decimal("30.000")
    assert figures["availability_pct"] == Decimal("98.718")


def test_ongoing_outage_counts_up_to_now():
    """Unplanned from Fri 16:00, still open, now Fri 16:45: 45 minutes of downtime.
    2,355 ÷ 2,400 = 98.125 %."""
    figures = week([(day(9, 16), None, UNPLANNED)], now=day(9, 16, 45))
    assert figures["downtime_minutes"] == Decimal("45.000")
    assert figures["availability_pct"] == Decimal("98.125")


def test_ongoing_outage_counts_up_to_the_window_end_when_now_is_later():
    """Unplanned from Fri 16:00, still open next Tuesday: clipped to the window and to
    service hours, Fri 16:00–17:00 = 60 minutes."""
    figures = week([(day(9, 16), None, UNPLANNED)], now=datetime(2026, 1, 13, 12, tzinfo=LONDON))
    assert figures["downtime_minutes"] == Decimal("60.000")


def test_ongoing_outage_that_started_after_now_counts_nothing():
    figures = week([(day(9, 16), None, UNPLANNED)], now=day(9, 10))
    assert figures["downtime_minutes"] == Decimal("0.000")


def test_no_agreed_time_gives_no_percentage():
    """A window over the weekend holds no service hours; a week wholly under planned
    outage has none left either. Neither is 0 % or 100 %: there is nothing to measure."""
    weekend = availability(
        SERVICE_HOURS,
        window_start=day(10, 0),
        window_end=day(12, 0),
        outages=[(day(10, 1), day(10, 2), UNPLANNED)],
        now=LATER,
    )
    assert weekend["agreed_minutes"] == Decimal("0.000")
    assert weekend["downtime_minutes"] == Decimal("0.000")
    assert weekend["availability_pct"] is None
    blanket = week([(WEEK_START, WEEK_END, PLANNED), (day(6, 10), day(6, 11), UNPLANNED)])
    assert blanket["agreed_minutes"] == Decimal("0.000")
    assert blanket["availability_pct"] is None


def test_percentage_rounds_half_up_not_half_even():
    """24x7 UTC, a window of 8,000 minutes with 7 minutes down:
    7,993 ÷ 8,000 × 100 = 99.9125 exactly → 99.913 (half-even would give 99.912)."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    figures = availability(
        Calendar.always(),
        window_start=start,
        window_end=start + timedelta(minutes=8000),
        outages=[(start, start + timedelta(minutes=7), UNPLANNED)],
        now=LATER,
    )
    assert figures["availability_pct"] == Decimal("99.913")


def test_fractional_minutes_keep_three_decimals():
    """20 seconds = 0.3333… minutes → 0.333; 30 ms = 0.0005 minutes → 0.001 (half up)."""
    twenty_seconds = week([(day(5, 10), day(5, 10) + timedelta(seconds=20), UNPLANNED)])
    assert twenty_seconds["downtime_minutes"] == Decimal("0.333")
    assert twenty_seconds["downtime"] == timedelta(seconds=20)
    blip = week([(day(5, 10), day(5, 10) + timedelta(milliseconds=30), UNPLANNED)])
    assert blip["downtime_minutes"] == Decimal("0.001")


def test_service_hours_across_a_clock_change():
    """24x7 Europe/London over Sun 2026-03-29 (local midnight to midnight) is 23 h =
    1,380 minutes of agreed time; a 69-minute outage is 5 % of it."""
    start = datetime(2026, 3, 29, tzinfo=LONDON)
    figures = availability(
        Calendar.always(tz="Europe/London"),
        window_start=start,
        window_end=datetime(2026, 3, 30, tzinfo=LONDON),
        outages=[(start, start + timedelta(minutes=69), UNPLANNED)],
        now=LATER,
    )
    assert figures["agreed_minutes"] == Decimal("1380.000")
    assert figures["availability_pct"] == Decimal("95.000")


def test_invalid_outages_are_refused():
    with pytest.raises(ValueError, match="kind"):
        week([(day(5, 10), day(5, 11), "maintenance")])
    with pytest.raises(ValueError, match="before it starts"):
        week([(day(5, 11), day(5, 10), UNPLANNED)])
    with pytest.raises(ValueError, match="timezone-aware"):
        week([(datetime(2026, 1, 5, 10), None, UNPLANNED)])


def test_merge_intervals_is_available_here():
    a, b, c = day(5, 9), day(5, 10), day(5, 11)
    assert merge_intervals([(b, c), (a, b)]) == [(a, c)]
