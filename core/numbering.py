"""Human-readable numbers without races: one counter row per prefix, bumped atomically."""

from django.db import connection

from core.models import NumberCounter

_BUMP = (
    "INSERT INTO {table} (prefix, last_value) VALUES (%s, 1) "
    "ON CONFLICT (prefix) DO UPDATE SET last_value = {table}.last_value + 1 "
    "RETURNING last_value"
)


def number_next(*, prefix: str, width: int = 7) -> str:
    """Allocate the next number, e.g. INC0001234; concurrent callers never get the same one.

    One statement (PostgreSQL and SQLite alike): the upsert takes the row lock and holds it
    until the caller's transaction ends, so two transactions can never read the same value,
    and the first number of a prefix needs no separate row creation.
    """
    table = connection.ops.quote_name(NumberCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(_BUMP.format(table=table), [prefix])
        (value,) = cursor.fetchone()
    return f"{prefix}{value:0{width}d}"
