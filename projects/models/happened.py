"""Dates of what has happened — work done, money spent, a milestone reached — are not in the
future: they are today or earlier in the site's time zone (TIME_ZONE).

A row valid today stays valid (days only move into the past), so the check lives in the
models' clean(), which every action calls through full_clean(): the pages and the API
refuse such a date alike, 400 naming the field.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone


def future_dates(instance, fields: dict[str, str]) -> dict[str, str]:
    """{field: message} for each of `fields` ({field name: what the date is, in words})
    whose date on `instance` is after today; empty when none is."""
    today = timezone.localdate()
    return {
        name: f"{what} cannot be in the future (after {today.isoformat()})."
        for name, what in fields.items()
        if getattr(instance, name) is not None and getattr(instance, name) > today
    }


def check_not_in_future(instance, fields: dict[str, str]) -> None:
    """Raise a ValidationError naming each of `fields` whose date is after today."""
    errors = future_dates(instance, fields)
    if errors:
        raise ValidationError(errors)
