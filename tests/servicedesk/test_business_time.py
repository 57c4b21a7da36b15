"""Business-time arithmetic: worked examples (each checked by hand in its docstring), DST
and calendar edge cases, and a brute-force minute-by-minute oracle."""

import random
import time as clock
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from servicedesk.business_time import (
    Calendar,
    _wall_to_utc,
    add_business_seconds,
    add_business_time,
    business_seconds_between,
    business_time_between,
    due_with_pauses,
    elapsed_business_seconds,
    intersect_intervals,
    merge_intervals,
    remaining_business_seconds,
    subtract_intervals,
    wall_minutes,
    working_spans,
)

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
HOUR = 3600

OFFICE = Calendar.weekly(tz="Europe/London", weekdays=range(5), hours=[("09:00", "17:00")])
"""Mon–Fri 09:00–17:00 Europe/London, no holidays."""


def london(*args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=LONDON, fold=fold)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- the calendar ---------------------------------------------------------------------


def test_calendar_sorts_and_merges_overlapping_or_touching_intervals():
    cal = Calendar(
        tz="Europe/London",
        intervals=((0, 780, 1020), (0, 540, 720), (0, 700, 780), (2, 60, 120)),
    )
    assert cal.intervals == ((0, 540, 1020), (2, 60, 120))
    assert cal == Calendar(tz="Europe/London", intervals=((2, 60, 120), (0, 540, 1020)))


def test_weekly_builds_intervals_from_wall_times_including_24_00():
    cal = Calendar.weekly(tz="UTC", weekdays=[4], hours=[("22:00", "24:00")])
    assert cal.intervals == ((4, 1320, 1440),)


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("00:00", 0), ("09:30", 570), ("9:05", 545), ("24:00", 1440), (time(17, 15), 1035)],
)
def test_wall_minutes(text, minutes):
    assert wall_minutes(text) == minutes


@pytest.mark.parametrize(
    "text", ["24:01", "09:60", "0930", "9:5", "nine", time(9, 0, 30), "²:00", "٠٩:٣٠", "009:30"]
)
def test_wall_minutes_rejects_nonsense(text):
    with pytest.raises(ValueError):
        wall_minutes(text)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"tz": "Mars/Olympus_Mons", "intervals": ()},
        {"tz": "UTC", "intervals": ((7, 0, 60),)},
        {"tz": "UTC", "intervals": ((-1, 0, 60),)},
        {"tz": "UTC", "intervals": ((0, 60, 60),)},
        {"tz": "UTC", "intervals": ((0, 120, 60),)},
        {"tz": "UTC", "intervals": ((0, 0, 1441),)},
        {"tz": "UTC", "intervals": ((0, -5, 60),)},
        {"tz": "UTC", "intervals": ((True, 0, 60),)},
        {"tz": "UTC", "intervals": ((0, 0.5, 60),)},
        {"tz": "UTC", "intervals": (), "holidays": frozenset({datetime(2026, 1, 1)})},
    ],
)
def test_calendar_rejects_invalid_definitions(kwargs):
    with pytest.raises(ValueError):
        Calendar(**kwargs)


def test_always_is_every_minute_in_utc():
    cal = Calendar.always()
    assert cal.tz == "UTC"
    assert cal.intervals == tuple((wd, 0, 1440) for wd in range(7))
    start = utc(2026, 3, 28, 12)
    assert business_time_between(cal, start=start, end=start + timedelta(days=9)) == timedelta(
        days=9
    )
    assert list(working_spans(cal, start=start, end=start + timedelta(days=9))) == [
        (start, start + timedelta(days=9))
    ]


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        business_seconds_between(OFFICE, start=datetime(2026, 1, 5, 9), end=utc(2026, 1, 6))
    with pytest.raises(ValueError, match="timezone-aware"):
        add_business_time(OFFICE, start=datetime(2026, 1, 5, 9), minutes=1)


# --- worked examples ------------------------------------------------------------------


def test_incident_opened_friday_1600_with_4_hour_target_is_due_monday_1200():
    """Mon–Fri 09:00–17:00 London, opened Fri 2026-01-09 16:00 GMT, target 240 minutes.

    Friday 16:00–17:00 counts 60; Saturday and Sunday count nothing; Monday 09:00 + the
    remaining 180 minutes = Monday 2026-01-12 12:00 GMT (= 12:00 UTC in winter).
    """
    due = add_business_time(OFFICE, start=london(2026, 1, 9, 16), minutes=240)
    assert due == utc(2026, 1, 12, 12)
    assert due.tzinfo is UTC
    assert business_seconds_between(OFFICE, start=london(2026, 1, 9, 16), end=due) == 4 * HOUR


def test_hold_across_the_weekend_shifts_the_due_time():
    """Opened Fri 2026-01-09 16:00, on hold Fri 16:30 → Mon 10:00, target 240 minutes.

    Counted before the hold: 16:00–16:30 = 30. The hold swallows Fri 16:30–17:00 and Mon
    09:00–10:00. From Mon 10:00 the remaining 210 minutes run to Mon 13:30 GMT.
    (Without the hold the due would be Mon 12:00; the hold cost 90 business minutes.)
    """
    pauses = [(london(2026, 1, 9, 16, 30), london(2026, 1, 12, 10))]
    due = due_with_pauses(
        OFFICE, opened_at=london(2026, 1, 9, 16), target_minutes=240, pauses=pauses
    )
    assert due == utc(2026, 1, 12, 13, 30)
    assert (
        elapsed_business_seconds(OFFICE, start=london(2026, 1, 9, 16), end=due, pauses=pauses)
        == 4 * HOUR
    )


def test_monday_holiday_pushes_the_due_time_to_tuesday():
    """UK early May bank holiday, Mon 2026-05-04. Opened Fri 2026-05-01 16:00 BST, 240 min.

    Friday 16:00–17:00 = 60; Monday is a holiday; Tuesday 09:00 + 180 = 12:00 BST,
    which is 11:00 UTC (BST is UTC+1).
    """
    cal = Calendar.weekly(
        tz="Europe/London",
        weekdays=range(5),
        hours=[("09:00", "17:00")],
        holidays=[date(2026, 5, 4)],
    )
    due = add_business_time(cal, start=london(2026, 5, 1, 16), minutes=240)
    assert due == london(2026, 5, 5, 12) == utc(2026, 5, 5, 11)


def test_24x7_target_across_london_spring_forward_is_real_elapsed_time():
    """24x7 Europe/London; clocks go 01:00 GMT → 02:00 BST on Sun 2026-03-29.

    Opened Sat 2026-03-28 12:00 GMT (12:00 UTC), target 24 h = 1440 minutes. Business
    time on a 24x7 calendar is real time, so the due is Sun 12:00 UTC, which the wall
    clock shows as 13:00 BST — not 12:00 local, which would be only 23 real hours later.
    """
    cal = Calendar.always(tz="Europe/London")
    due = add_business_time(cal, start=london(2026, 3, 28, 12), minutes=1440)
    assert due == utc(2026, 3, 29, 12) == london(2026, 3, 29, 13)


@pytest.mark.parametrize(
    ("day", "hours"),
    [(date(2026, 3, 29), 23), (date(2026, 10, 25), 25), (date(2026, 6, 14), 24)],
)
def test_a_midnight_to_midnight_day_lasts_23_or_25_hours_across_dst(day, hours):
    """Sunday 00:00–24:00 in London: spring-forward Sunday loses the 01:00–02:00 hour,
    the autumn Sunday repeats it, an ordinary Sunday has 24."""
    cal = Calendar(tz="Europe/London", intervals=((6, 0, 1440),))
    start = datetime.combine(day, time(), tzinfo=LONDON)
    week = business_seconds_between(cal, start=start, end=start + timedelta(days=7))
    assert week == hours * HOUR


@pytest.mark.parametrize("day", [date(2026, 3, 29), date(2026, 10, 25)])
def test_a_0900_to_1700_day_is_eight_hours_on_a_dst_day(day):
    """The DST change happens at 01:00/02:00, outside 09:00–17:00, so both Sundays are 8 h."""
    cal = Calendar.weekly(tz="Europe/London", weekdays=[6], hours=[("09:00", "17:00")])
    start = datetime.combine(day, time(), tzinfo=LONDON)
    assert business_seconds_between(cal, start=start, end=start + timedelta(days=1)) == 8 * HOUR


def test_new_york_office_across_the_march_2026_clock_change():
    """Mon–Fri 09:00–17:00 America/New_York; clocks go forward Sun 2026-03-08 02:00 EST.

    Opened Fri 2026-03-06 15:00 EST (20:00 UTC), 240 minutes: Friday 15:00–17:00 = 120,
    Monday 09:00 + 120 = 11:00 EDT = 15:00 UTC. A fixed UTC offset would have said 16:00
    UTC. Friday 09:00 EST to Monday 17:00 EDT holds exactly two working days: 16 h.
    """
    cal = Calendar.weekly(tz="America/New_York", weekdays=range(5), hours=[("09:00", "17:00")])
    opened = datetime(2026, 3, 6, 15, tzinfo=NEW_YORK)
    due = add_business_time(cal, start=opened, minutes=240)
    assert due == utc(2026, 3, 9, 15) == datetime(2026, 3, 9, 11, tzinfo=NEW_YORK)
    assert (
        business_seconds_between(
            cal,
            start=datetime(2026, 3, 6, 9, tzinfo=NEW_YORK),
            end=datetime(2026, 3, 9, 17, tzinfo=NEW_YORK),
        )
        == 16 * HOUR
    )


class TestSplitDay:
    """Mon–Fri 09:00–12:00 and 13:00–17:00 London (lunch 12:00–13:00), January (GMT)."""

    cal = Calendar.weekly(
        tz="Europe/London", weekdays=range(5), hours=[("09:00", "12:00"), ("13:00", "17:00")]
    )

    def test_lunch_does_not_count(self):
        """Mon 11:00 + 120 min: 11:00–12:00 = 60, lunch skipped, 13:00 + 60 = 14:00."""
        due = add_business_time(self.cal, start=london(2026, 1, 5, 11), minutes=120)
        assert due == utc(2026, 1, 5, 14)

    def test_opened_during_lunch_starts_at_1300(self):
        """Mon 12:30 + 30 min: the clock starts at 13:00, due 13:30."""
        due = add_business_time(self.cal, start=london(2026, 1, 5, 12, 30), minutes=30)
        assert due == utc(2026, 1, 5, 13, 30)

    def test_target_ending_on_an_interval_end_is_due_at_that_end(self):
        """Mon 11:00 + 60 min reaches the target at 12:00, the earliest instant: not 13:00."""
        due = add_business_time(self.cal, start=london(2026, 1, 5, 11), minutes=60)
        assert due == utc(2026, 1, 5, 12)

    def test_opened_exactly_at_an_interval_end(self):
        """Mon 12:00 is the end of the morning: + 1 min = 13:01; + 0 = 12:00 unchanged."""
        start = london(2026, 1, 5, 12)
        assert add_business_time(self.cal, start=start, minutes=1) == utc(2026, 1, 5, 13, 1)
        assert add_business_time(self.cal, start=start, minutes=0) == start

    def test_opened_after_friday_close_starts_on_monday(self):
        """Fri 2026-01-09 17:00 + 1 min = Mon 2026-01-12 09:01."""
        due = add_business_time(self.cal, start=london(2026, 1, 9, 17), minutes=1)
        assert due == utc(2026, 1, 12, 9, 1)

    def test_a_day_is_seven_hours(self):
        spans = list(working_spans(self.cal, start=london(2026, 1, 5), end=london(2026, 1, 6, 10)))
        assert spans == [
            (utc(2026, 1, 5, 9), utc(2026, 1, 5, 12)),
            (utc(2026, 1, 5, 13), utc(2026, 1, 5, 17)),
            (utc(2026, 1, 6, 9), utc(2026, 1, 6, 10)),
        ]


def test_large_target_of_10000_minutes():
    """Opened Mon 2026-01-05 09:00 GMT, 10,000 minutes on an 8-hour (480-minute) day.

    10,000 = 20 × 480 + 400. Twenty working days are four whole weeks: Mon Jan 5 to
    Fri Jan 30. The remaining 400 minutes (6 h 40) run from Mon Feb 2 09:00 to 15:40 GMT.
    """
    due = add_business_time(OFFICE, start=london(2026, 1, 5, 9), minutes=10_000)
    assert due == utc(2026, 2, 2, 15, 40)


def test_large_target_of_100000_minutes_is_exact_and_fast():
    """Opened Mon 2026-01-05 09:00 GMT, 100,000 minutes = 208 × 480 + 160.

    208 working days = 41 weeks (Mon Jan 5 – Fri Oct 16; Jan 5 + 287 days = Mon Oct 19)
    plus Mon Oct 19, Tue Oct 20, Wed Oct 21. The remaining 160 minutes run Thu Oct 22
    09:00 → 11:40 BST (clocks go back only on Oct 25), i.e. 10:40 UTC. Crosses the
    March clock change, which does not touch a 09:00–17:00 day.
    """
    started = clock.perf_counter()
    due = add_business_time(OFFICE, start=london(2026, 1, 5, 9), minutes=100_000)
    assert clock.perf_counter() - started < 1.0
    assert due == london(2026, 10, 22, 11, 40) == utc(2026, 10, 22, 10, 40)
    assert business_seconds_between(OFFICE, start=london(2026, 1, 5, 9), end=due) == 100_000 * 60


# --- remaining time -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "due", "seconds"),
    [
        # Fri 16:00 → Mon 12:00: 1 h Friday + 3 h Monday.
        (london(2026, 1, 9, 16), london(2026, 1, 12, 12), 4 * HOUR),
        # Due Mon 12:00, now Mon 13:00: one working hour overdue.
        (london(2026, 1, 12, 13), london(2026, 1, 12, 12), -HOUR),
        # Due Fri 17:00, now Mon 09:30: the weekend is free, 30 minutes overdue.
        (london(2026, 1, 12, 9, 30), london(2026, 1, 9, 17), -30 * 60),
        # Due Fri 17:00, now Saturday: breached, but no working time has passed since.
        (london(2026, 1, 10, 11), london(2026, 1, 9, 17), 0),
        (london(2026, 1, 9, 17), london(2026, 1, 9, 17), 0),
    ],
)
def test_remaining_business_seconds(now, due, seconds):
    assert remaining_business_seconds(OFFICE, now=now, due=due) == seconds


# --- pauses ---------------------------------------------------------------------------


def test_overlapping_and_out_of_range_pauses_count_once():
    """Mon 2026-01-05 09:00–17:00 measured; pauses 10:00–11:00 and 10:30–12:00 overlap
    (together 10:00–12:00 = 2 h), one before the start and one after the end do nothing:
    8 h − 2 h = 6 h."""
    pauses = [
        (london(2026, 1, 5, 10), london(2026, 1, 5, 11)),
        (london(2026, 1, 5, 10, 30), london(2026, 1, 5, 12)),
        (london(2026, 1, 2, 10), london(2026, 1, 5, 8)),
        (london(2026, 1, 5, 18), london(2026, 1, 6, 12)),
    ]
    elapsed = elapsed_business_seconds(
        OFFICE, start=london(2026, 1, 5, 9), end=london(2026, 1, 5, 17), pauses=pauses
    )
    assert elapsed == 6 * HOUR


def test_open_pause_lasts_to_the_end_of_the_measurement():
    """Mon 09:00 → Tue 11:00 with a pause from Mon 10:00 still open: only 09:00–10:00."""
    elapsed = elapsed_business_seconds(
        OFFICE,
        start=london(2026, 1, 5, 9),
        end=london(2026, 1, 6, 11),
        pauses=[(london(2026, 1, 5, 10), None)],
    )
    assert elapsed == HOUR


def test_due_while_on_hold_is_the_due_if_the_hold_ended_now():
    """Opened Mon 2026-01-05 09:00, 240 minutes, on hold since Mon 10:00 (60 counted).

    Asked at Tue 11:00 the remaining 180 minutes run from Tue 11:00 → 14:00; asked at
    Wed 09:00, from Wed 09:00 → 12:00. Remaining time stays 3 h while on hold.
    """
    pauses = [(london(2026, 1, 5, 10), None)]
    opened = london(2026, 1, 5, 9)
    for now, expected in [
        (london(2026, 1, 6, 11), utc(2026, 1, 6, 14)),
        (london(2026, 1, 7, 9), utc(2026, 1, 7, 12)),
    ]:
        due = due_with_pauses(OFFICE, opened_at=opened, target_minutes=240, pauses=pauses, now=now)
        assert due == expected
        assert remaining_business_seconds(OFFICE, now=now, due=due) == 3 * HOUR


def test_pause_starting_after_now_or_before_opening_changes_nothing():
    opened = london(2026, 1, 5, 9)
    plain = add_business_time(OFFICE, start=opened, minutes=240)
    assert plain == utc(2026, 1, 5, 13)
    assert (
        due_with_pauses(
            OFFICE,
            opened_at=opened,
            target_minutes=240,
            pauses=[(london(2026, 1, 5, 15), None), (london(2026, 1, 1), london(2026, 1, 5))],
            now=london(2026, 1, 5, 11),  # the open pause has not begun yet: empty
        )
        == plain
    )


def test_pause_ending_on_the_due_boundary():
    """Opened Mon 09:00, 60 minutes, paused 10:00–11:00: due is 10:00 (the earliest
    instant 60 minutes have run), not 11:00."""
    due = due_with_pauses(
        OFFICE,
        opened_at=london(2026, 1, 5, 9),
        target_minutes=60,
        pauses=[(london(2026, 1, 5, 10), london(2026, 1, 5, 11))],
    )
    assert due == utc(2026, 1, 5, 10)


def test_open_pause_needs_now_and_backwards_pause_is_an_error():
    with pytest.raises(ValueError, match="now"):
        due_with_pauses(
            OFFICE,
            opened_at=london(2026, 1, 5, 9),
            target_minutes=60,
            pauses=[(london(2026, 1, 5, 10), None)],
        )
    with pytest.raises(ValueError, match="before it starts"):
        elapsed_business_seconds(
            OFFICE,
            start=london(2026, 1, 5, 9),
            end=london(2026, 1, 5, 17),
            pauses=[(london(2026, 1, 5, 11), london(2026, 1, 5, 10))],
        )


# --- edges ----------------------------------------------------------------------------


def test_intervals_ending_at_midnight_run_into_the_next_day():
    """Fri 22:00–24:00 and Sat 00:00–02:00 (UTC): one 4-hour span; Fri 23:00 + 120 min
    = Sat 01:00."""
    cal = Calendar(tz="UTC", intervals=((4, 1320, 1440), (5, 0, 120)))
    spans = list(working_spans(cal, start=utc(2026, 1, 9), end=utc(2026, 1, 11)))
    assert spans == [(utc(2026, 1, 9, 22), utc(2026, 1, 10, 2))]
    assert add_business_time(cal, start=utc(2026, 1, 9, 23), minutes=120) == utc(2026, 1, 10, 1)


def test_holidays_are_local_dates():
    """24x7 Pacific/Auckland with Christmas Day 2026 off. NZDT is UTC+13, so the holiday
    is 2026-12-24 11:00 UTC → 2026-12-25 11:00 UTC; Dec 24 00:00 to Dec 26 24:00 local is
    72 hours minus the 24 of Christmas."""
    zone = ZoneInfo("Pacific/Auckland")
    cal = Calendar(
        tz="Pacific/Auckland",
        intervals=tuple((wd, 0, 1440) for wd in range(7)),
        holidays=frozenset({date(2026, 12, 25)}),
    )
    spans = list(
        working_spans(
            cal,
            start=datetime(2026, 12, 24, tzinfo=zone),
            end=datetime(2026, 12, 27, tzinfo=zone),
        )
    )
    assert spans == [
        (utc(2026, 12, 23, 11), utc(2026, 12, 24, 11)),
        (utc(2026, 12, 25, 11), utc(2026, 12, 26, 11)),
    ]


def test_interval_starting_in_the_skipped_hour_starts_at_the_jump():
    """London Sun 2026-03-29: 01:00–02:00 local never shows (01:00 UTC the clock jumps to
    02:00 BST). An interval 01:30–03:00 starts at the jump: 01:00–02:00 UTC, 1 hour. An
    interval 01:10–01:50 lies wholly in the skipped hour: no time at all."""
    cal = Calendar(tz="Europe/London", intervals=((6, 90, 180),))
    spans = list(working_spans(cal, start=london(2026, 3, 29), end=london(2026, 3, 30)))
    assert spans == [(utc(2026, 3, 29, 1), utc(2026, 3, 29, 2))]
    empty = Calendar(tz="Europe/London", intervals=((6, 70, 110),))
    assert list(working_spans(empty, start=london(2026, 3, 29), end=london(2026, 3, 30))) == []


def test_interval_boundary_in_the_repeated_hour_uses_its_first_showing():
    """London Sun 2026-10-25: 01:00–02:00 shows twice (00:00–01:00 UTC as BST, then
    01:00–02:00 UTC as GMT). 01:30–02:30 runs from the first 01:30 (00:30 UTC) to 02:30 GMT
    (02:30 UTC): 2 hours."""
    cal = Calendar(tz="Europe/London", intervals=((6, 90, 150),))
    spans = list(working_spans(cal, start=london(2026, 10, 25), end=london(2026, 10, 26)))
    assert spans == [(utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 2, 30))]


def test_clock_started_inside_the_repeated_hour():
    """24x7 London, start at the second 01:30 on 2026-10-25 (fold=1, 01:30 UTC), end at
    03:00 GMT (03:00 UTC): 1.5 hours, not 2.5."""
    cal = Calendar.always(tz="Europe/London")
    start = london(2026, 10, 25, 1, 30, fold=1)
    # (compare in UTC: Python never calls a repeated-hour time equal across zones)
    assert start.astimezone(UTC) == utc(2026, 10, 25, 1, 30)
    assert business_seconds_between(cal, start=start, end=london(2026, 10, 25, 3)) == 5400


@pytest.mark.parametrize(
    ("tz", "day", "seconds"),
    [
        # Lord Howe moves its clocks by 30 minutes.
        ("Australia/Lord_Howe", date(2026, 10, 4), 23 * HOUR + 1800),
        ("Australia/Lord_Howe", date(2026, 4, 5), 24 * HOUR + 1800),
        # Havana springs forward at midnight: Sunday 2026-03-08 00:00 never shows.
        ("America/Havana", date(2026, 3, 8), 23 * HOUR),
        ("America/Havana", date(2026, 3, 7), 24 * HOUR),
        # Beirut falls back at midnight: the last hour of Saturday 2026-10-24 repeats.
        ("Asia/Beirut", date(2026, 10, 24), 25 * HOUR),
        ("Asia/Beirut", date(2026, 10, 25), 24 * HOUR),
    ],
)
def test_unusual_dst_rules(tz, day, seconds):
    cal = Calendar(tz=tz, intervals=((day.weekday(), 0, 1440),))
    zone = ZoneInfo(tz)
    start = datetime.combine(day - timedelta(days=1), time(12), tzinfo=zone)
    assert business_seconds_between(cal, start=start, end=start + timedelta(days=3)) == seconds
    # and 24x7 there is real time, whatever the clocks do (aware + timedelta is wall-clock
    # arithmetic in Python, so measure the real span in UTC)
    always = Calendar.always(tz=tz)
    end = start + timedelta(days=3)
    real = end.astimezone(UTC) - start.astimezone(UTC)
    assert real != timedelta(days=3)
    assert business_time_between(always, start=start, end=end) == real


@pytest.mark.parametrize(
    ("tz", "day"),
    [
        ("Europe/London", date(2026, 3, 29)),
        ("Europe/London", date(2026, 10, 25)),
        ("America/New_York", date(2026, 3, 8)),
        ("America/New_York", date(2026, 11, 1)),
        ("Australia/Lord_Howe", date(2026, 10, 4)),
        ("Australia/Lord_Howe", date(2026, 4, 5)),
        ("America/Havana", date(2026, 3, 8)),
        ("Asia/Beirut", date(2026, 10, 24)),
    ],
)
def test_wall_clock_boundaries_never_go_backwards_in_real_time(tz, day):
    """Splitting 09:00–17:00 into 09:00–12:00 + 12:00–17:00 must never change the total:
    that holds because each wall minute maps to a non-decreasing instant."""
    zone = ZoneInfo(tz)
    midnight = datetime.combine(day, time())
    instants = [_wall_to_utc(zone, midnight + timedelta(minutes=m)) for m in range(1441)]
    assert instants == sorted(instants)
    assert all(i.second == 0 and i.microsecond == 0 for i in instants)


def test_start_and_result_in_any_time_zone_result_is_utc():
    start = datetime(2026, 1, 9, 11, tzinfo=NEW_YORK)  # 16:00 UTC = 16:00 London
    due = add_business_time(OFFICE, start=start, minutes=240)
    assert due == utc(2026, 1, 12, 12)
    assert due.utcoffset() == timedelta(0)


def test_sub_second_durations_round_down_to_whole_seconds():
    start = london(2026, 1, 5, 9, 0, 0, 250_000)
    end = london(2026, 1, 5, 9, 0, 10)
    assert business_time_between(OFFICE, start=start, end=end) == timedelta(seconds=9.75)
    assert business_seconds_between(OFFICE, start=start, end=end) == 9
    assert add_business_seconds(OFFICE, start=start, seconds=10) == london(
        2026, 1, 5, 9, 0, 10, 250_000
    )


def test_empty_ranges_and_zero_targets():
    start = london(2026, 1, 10, 12)  # a Saturday
    assert business_seconds_between(OFFICE, start=start, end=start) == 0
    assert business_seconds_between(OFFICE, start=start, end=start - timedelta(days=3)) == 0
    assert list(working_spans(OFFICE, start=start, end=start - timedelta(days=3))) == []
    assert add_business_time(OFFICE, start=start, minutes=0) == start


def test_calendar_without_working_time():
    never = Calendar(tz="UTC", intervals=())
    assert business_seconds_between(never, start=utc(2026, 1, 1), end=utc(2027, 1, 1)) == 0
    assert add_business_time(never, start=utc(2026, 1, 1), minutes=0) == utc(2026, 1, 1)
    with pytest.raises(ValueError, match="no working time"):
        add_business_time(never, start=utc(2026, 1, 1), minutes=1)


def test_bad_targets_are_refused():
    with pytest.raises(ValueError):
        add_business_time(OFFICE, start=utc(2026, 1, 5), minutes=-1)
    with pytest.raises(TypeError):
        add_business_time(OFFICE, start=utc(2026, 1, 5), minutes=1.5)
    with pytest.raises(TypeError):
        add_business_seconds(OFFICE, start=utc(2026, 1, 5), seconds=True)


def test_target_past_the_end_of_the_calendar_is_an_error_not_a_hang():
    cal = Calendar(tz="UTC", intervals=((0, 0, 1),))  # one minute a week
    with pytest.raises(ValueError, match="last supported date"):
        add_business_time(cal, start=datetime(9999, 1, 1, tzinfo=UTC), minutes=1000)


# --- interval algebra -----------------------------------------------------------------


def test_interval_algebra():
    a, b, c, d, e = (utc(2026, 1, 1, h) for h in (1, 2, 3, 4, 5))
    assert merge_intervals([(c, d), (a, b), (b, c), (e, e)]) == [(a, d)]
    assert subtract_intervals([(a, e)], [(b, c), (d, d)]) == [(a, b), (c, e)]
    assert intersect_intervals([(a, c), (d, e)], [(b, e)]) == [(b, c), (d, e)]
    with pytest.raises(ValueError):
        merge_intervals([(b, a)])


# --- oracle ---------------------------------------------------------------------------

ORACLE_CALENDARS = [
    OFFICE,
    Calendar.always(tz="Europe/London"),
    Calendar.weekly(
        tz="America/New_York",
        weekdays=[0, 2, 4, 6],
        hours=[("08:30", "12:00"), ("13:15", "18:45")],
        holidays=[date(2026, 11, 2), date(2026, 3, 9)],
    ),
    Calendar(tz="Australia/Lord_Howe", intervals=((5, 1260, 1440), (6, 0, 240), (6, 600, 660))),
]
"""Calendars whose boundaries avoid skipped/repeated wall times, where "the instants whose
local wall time lies in an interval" and this module's rule are the same set."""


def _oracle_is_working(cal: Calendar, instant: datetime) -> bool:
    local = instant.astimezone(ZoneInfo(cal.tz))
    if local.date() in cal.holidays:
        return False
    minute = local.hour * 60 + local.minute
    return any(wd == local.weekday() and start <= minute < end for wd, start, end in cal.intervals)


@pytest.mark.parametrize("cal", ORACLE_CALENDARS, ids=lambda cal: cal.tz)
def test_matches_a_minute_by_minute_count_around_clock_changes(cal):
    rng = random.Random(20260329)
    anchors = [utc(2026, 3, 7), utc(2026, 3, 27), utc(2026, 10, 1), utc(2026, 10, 23)]
    for _ in range(12):
        start = rng.choice(anchors) + timedelta(minutes=rng.randrange(0, 6 * 1440))
        length = rng.randrange(0, 4 * 1440)
        working = [_oracle_is_working(cal, start + timedelta(minutes=m)) for m in range(length + 1)]
        end = start + timedelta(minutes=length)
        assert business_seconds_between(cal, start=start, end=end) == 60 * sum(working[:-1])
        target = rng.randrange(1, 600)
        count, minute = 0, 0
        while count < target:
            count += _oracle_is_working(cal, start + timedelta(minutes=minute))
            minute += 1
        due = add_business_time(cal, start=start, minutes=target)
        assert due == start + timedelta(minutes=minute)
        assert business_seconds_between(cal, start=start, end=due) == target * 60


LONG_RANGE_CALENDARS = [
    *ORACLE_CALENDARS,
    # Clocks change at midnight in Havana: a local date there may start or end an hour off.
    Calendar.weekly(
        tz="America/Havana",
        weekdays=range(6),
        hours=[("00:00", "02:00"), ("22:30", "24:00")],
        holidays=[date(2026, 1, 1), date(2026, 12, 25), date(2027, 3, 14)],
    ),
    Calendar.always(tz="America/Havana"),
]


@pytest.mark.parametrize("cal", LONG_RANGE_CALENDARS, ids=lambda cal: cal.tz)
def test_long_ranges_count_the_same_as_day_by_day_spans(cal):
    """Ranges of weeks to years (an incident overdue since last spring, a paused clock) are
    counted from per-year sums in the middle; they must equal the working spans day by day,
    across clock changes, holidays and year ends, with and without pauses."""
    rng = random.Random(20261123)
    for _ in range(40):
        start = utc(2025, 11, 1) + timedelta(minutes=rng.randrange(0, 500 * 1440))
        end = start + timedelta(minutes=rng.randrange(5 * 1440, 600 * 1440))
        spans = list(working_spans(cal, start=start, end=end))
        whole = sum((b - a for a, b in spans), timedelta())
        assert business_time_between(cal, start=start, end=end) == whole
        overdue = remaining_business_seconds(cal, now=end, due=start)
        assert overdue == -(whole // timedelta(seconds=1))
        pauses = []
        for _ in range(rng.randrange(0, 4)):
            pause_start = start + timedelta(minutes=rng.randrange(-1440, 400 * 1440))
            pause_end = pause_start + timedelta(minutes=rng.randrange(0, 40 * 1440))
            pauses.append((pause_start, pause_end))
        left = subtract_intervals(spans, pauses)
        expected = sum((b - a for a, b in left), timedelta()) // timedelta(seconds=1)
        assert elapsed_business_seconds(cal, start=start, end=end, pauses=pauses) == expected
