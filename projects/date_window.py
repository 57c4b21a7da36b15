"""The dates a project's records may carry: near the project, never in absurd years.

A milestone, a cost, an hour logged or a task dated in 1900 or 2999 is a typo, and it would
count in earned value (a cost in 1900 is actual cost to date). So a date written into a
project lies between a year before its planned start and five years after its planned
finish (a PM books costs ahead of the start, and a late project slips, but not by decades),
and always within 2000–2099. A project without planned dates has only the outer bounds.

Only the dates being written are checked: a row written under an older window stays
editable in its other fields.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError

FIRST_DAY = datetime.date(2000, 1, 1)
LAST_DAY = datetime.date(2099, 12, 31)
YEARS_BEFORE_START = 1
YEARS_AFTER_FINISH = 5


def _years_from(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February into a year without one
        return day.replace(year=day.year + years, day=28)


def project_window(project) -> tuple[tuple[datetime.date, str], tuple[datetime.date, str]]:
    """((earliest, why), (latest, why)): the span `project`'s dates must lie in."""
    earliest, early_why = FIRST_DAY, ""
    start = project.planned_start if project is not None else None
    finish = (project.planned_finish or start) if project is not None else None
    if start is not None and _years_from(start, -YEARS_BEFORE_START) > earliest:
        earliest = _years_from(start, -YEARS_BEFORE_START)
        early_why = f", a year before the planned start ({start.isoformat()})"
    latest, late_why = LAST_DAY, ""
    if finish is not None and _years_from(finish, YEARS_AFTER_FINISH) < latest:
        latest = _years_from(finish, YEARS_AFTER_FINISH)
        which = "finish" if project.planned_finish else "start"
        late_why = f", five years after the planned {which} ({finish.isoformat()})"
    return (earliest, early_why), (latest, late_why)


def check_in_window(project, dates: dict[str, tuple[datetime.date | None, str]]) -> None:
    """Raise a ValidationError naming each of `dates` ({field: (date, what it is in words)})
    that lies outside `project_window(project)`, with the bound it crossed and why."""
    (earliest, early_why), (latest, late_why) = project_window(project)
    errors = {}
    for name, (day, what) in dates.items():
        if day is None:
            continue
        if day < earliest:
            errors[name] = (
                f"{what} cannot be {day.isoformat()}: the earliest is "
                f"{earliest.isoformat()}{early_why}."
            )
        elif day > latest:
            errors[name] = (
                f"{what} cannot be {day.isoformat()}: the latest is {latest.isoformat()}{late_why}."
            )
    if errors:
        raise ValidationError(errors)


def check_fields_in_window(project, fields: dict, words: dict[str, str], stored=None) -> None:
    """check_in_window for the dates among `fields` that `words` names ({field: what it is in
    words}); one sent back as `stored` has it is no change and is not checked (an old task
    or milestone stays editable with the dates it has)."""
    check_in_window(
        project,
        {
            name: (fields[name], what)
            for name, what in words.items()
            if name in fields and (stored is None or fields[name] != getattr(stored, name))
        },
    )


def check_outer_bounds(dates: dict[str, tuple[datetime.date | None, str]]) -> None:
    """The project's own planned dates: within 2000–2099 (the window is built from them)."""
    check_in_window(None, dates)
