"""Numbers in words people read: one place that turns a Decimal into text.

`str(Decimal("20").normalize())` is "2E+1" and `str(Decimal("20.000"))` keeps the column's
places; text a person reads (a charter, an error message, a history line) says "20"."""

from decimal import Decimal


def decimal_text(value) -> str:
    """`value` (a Decimal, int or numeric string) as people write it: 20, 2.5, 0.001, -3;
    never 2E+1, 20.000, 1.0 or -0."""
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    if number == number.to_integral_value():
        return str(int(number))  # 2E+1 → "20", -0 → "0"
    return format(number.normalize(), "f")
