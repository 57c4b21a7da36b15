"""Values a caller types into a query string or a form: whole numbers, days and moments.

`str.isdigit()` alone is not the check for a number: it passes digits `int()` refuses ("²",
a 500 where it was trusted) and digits of other scripts `int()` reads ("٣" is 3), and it puts
no bound on the length (a 30-digit id overflows the column it is compared with).

A day or moment near the ends of Python's range (years 1 and 9999) leaves no room for the
periods, trends, default windows and time-zone shifts computed around it (0001-01-01 minus 30
days overflowed): a caller names a day from FIRST_DAY to LAST_DAY.
"""

import datetime

ID_DIGITS = 18  # any 18-digit number fits a bigint primary key
VERSION_DIGITS = 9  # any 9-digit number fits a PositiveIntegerField version
FIRST_DAY = datetime.date(1900, 1, 1)
LAST_DAY = datetime.date(9998, 12, 31)


def whole_number(text, *, max_digits: int = ID_DIGITS) -> int | None:
    """The number `text` spells in 1 to `max_digits` ASCII digits (no sign, no spaces, no
    "_"), else None. Anything but a str (None, a list, a float) is None as well."""
    if not isinstance(text, str) or not 0 < len(text) <= max_digits:
        return None
    if not (text.isascii() and text.isdigit()):
        return None
    return int(text)


class IdConverter:
    """`<id:pk>` in a page's URL: an id in 1 to ID_DIGITS digits. A longer one names no row
    (it is beyond the bigint column) and the URL does not match: a 404, never the database's
    "integer out of range". Registered in CoreConfig.ready()."""

    regex = f"[0-9]{{1,{ID_DIGITS}}}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(value)


def day_in_range(day: datetime.date) -> bool:
    """Whether `day` is one a caller may name (for a moment: its UTC day)."""
    return FIRST_DAY <= day <= LAST_DAY


def calendar_day(text) -> datetime.date | None:
    """The ISO 8601 day `text` names (2026-03-04), from FIRST_DAY to LAST_DAY, else None."""
    if not isinstance(text, str):
        return None
    try:
        day = datetime.date.fromisoformat(text)
    except ValueError:
        return None
    return day if day_in_range(day) else None


def utc_moment(moment: datetime.datetime) -> datetime.datetime | None:
    """An aware `moment` in UTC, or None when it has no UTC value (0001-01-01T00:00+01:00 is
    in year 0). Python takes offsets up to ±23:59, PostgreSQL only ±15:59: compare in UTC."""
    try:
        return moment.astimezone(datetime.UTC)
    except OverflowError:
        return None
