"""Values typed by a caller: whole numbers in plain ASCII digits of a sane length, days in a
sane range, moments read in UTC."""

import datetime

import pytest

from core.params import FIRST_DAY, LAST_DAY, calendar_day, utc_moment, whole_number


@pytest.mark.parametrize(
    ("text", "number"), [("0", 0), ("42", 42), ("007", 7), ("9" * 18, 10**18 - 1)]
)
def test_plain_ascii_digits_are_a_whole_number(text, number):
    assert whole_number(text) == number


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        " 4",
        "4\x85",  # int() strips a trailing Unicode space
        "-4",
        "+4",
        "4_000",  # int() reads the separator
        "4.0",
        "²",  # isdigit() says yes, int() raises
        "٣",  # Arabic-Indic three: int() reads it as 3
        "１２",  # full-width digits
        "9" * 19,
        4,
        4.0,
        ["4"],
    ],
)
def test_anything_else_is_none(text):
    assert whole_number(text) is None


def test_max_digits_bounds_the_length():
    assert whole_number("999", max_digits=3) == 999
    assert whole_number("1000", max_digits=3) is None


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2026-03-04", datetime.date(2026, 3, 4)),
        ("1900-01-01", FIRST_DAY),
        ("9998-12-31", LAST_DAY),
    ],
)
def test_a_day_from_the_first_to_the_last_is_a_calendar_day(text, day):
    assert calendar_day(text) == day


@pytest.mark.parametrize(
    "text", [None, "", "garbage", "2026-13-01", "0001-01-01", "1899-12-31", "9999-12-31", 20260304]
)
def test_anything_else_is_no_calendar_day(text):
    assert calendar_day(text) is None


def test_a_moment_is_read_in_utc_when_it_has_a_utc_value():
    plus_20 = datetime.timezone(datetime.timedelta(hours=20))
    moment = datetime.datetime(2025, 1, 6, 20, 0, tzinfo=plus_20)
    assert utc_moment(moment) == datetime.datetime(2025, 1, 6, 0, 0, tzinfo=datetime.UTC)
    assert utc_moment(moment).utcoffset() == datetime.timedelta(0)
    year_zero = datetime.datetime(
        1, 1, 1, 0, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=1))
    )
    assert utc_moment(year_zero) is None
