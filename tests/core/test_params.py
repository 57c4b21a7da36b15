"""Whole numbers typed by a caller: plain ASCII digits of a sane length, nothing else."""

import pytest

from core.params import whole_number


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
