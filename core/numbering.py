"""Human-readable numbers without races: one counter row per prefix, bumped atomically."""

from django.db import transaction
from django.db.models import F

from core.models import NumberCounter


def number_next(*, prefix: str, width: int = 7) -> str:
    """Allocate the next number, e.g. INC0001234; concurrent callers never get the same one.

    The UPDATE takes the row lock and holds it until the caller's transaction ends, so
    two transactions can never read the same value.
    """
    with transaction.atomic():
        NumberCounter.objects.get_or_create(prefix=prefix)
        NumberCounter.objects.filter(prefix=prefix).update(last_value=F("last_value") + 1)
        value = NumberCounter.objects.values_list("last_value", flat=True).get(prefix=prefix)
    return f"{prefix}{value:0{width}d}"
