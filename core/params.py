"""Whole numbers typed by a caller: ids in a query string, a posted version, a page size.

`str.isdigit()` alone is not the check: it passes digits `int()` refuses ("²", a 500 where
it was trusted) and digits of other scripts `int()` reads ("٣" is 3), and it puts no bound
on the length (a 30-digit id overflows the column it is compared with).
"""

ID_DIGITS = 18  # any 18-digit number fits a bigint primary key
VERSION_DIGITS = 9  # any 9-digit number fits a PositiveIntegerField version


def whole_number(text, *, max_digits: int = ID_DIGITS) -> int | None:
    """The number `text` spells in 1 to `max_digits` ASCII digits (no sign, no spaces, no
    "_"), else None. Anything but a str (None, a list, a float) is None as well."""
    if not isinstance(text, str) or not 0 < len(text) <= max_digits:
        return None
    if not (text.isascii() and text.isdigit()):
        return None
    return int(text)
