"""Every write of a project's actual cost: cost entries and logged time.

Each action is one transaction with an audit row; the shared guards live in projects.actions.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum

from core.audit import audit_record
from core.exceptions import NotAllowed
from core.numbers import decimal_text
from projects.actions import _ensure_editor, _lock
from projects.date_window import check_in_window
from projects.models import CostEntry, Project, Task, TimeEntry
from projects.queries import can_edit, can_log_time

HOURS_IN_A_DAY = Decimal("24")


def _currency(project: Project, currency: str | None) -> str:
    if currency and currency.strip().upper() != project.currency.upper():
        raise ValidationError(
            {"currency": f"Costs are recorded in the project's currency ({project.currency})."}
        )
    return project.currency


def _task_of(project: Project, task: Task | None) -> None:
    if task is not None and task.project_id != project.pk:
        raise ValidationError({"task": "The task belongs to another project."})


@transaction.atomic
def cost_entry_add(
    *,
    project: Project,
    actor,
    amount: Decimal,
    incurred_on: datetime.date,
    category: str = "other",
    task: Task | None = None,
    description: str = "",
    currency: str | None = None,
) -> CostEntry:
    """Record money spent (actual cost) in the project's currency, on a day near the
    project (projects.date_window)."""
    # Locked: the currency read here is the one a concurrent project_update may not change.
    project = _lock(project)
    _ensure_editor(project, actor)
    _task_of(project, task)
    check_in_window(project, {"incurred_on": (incurred_on, "The date the cost was incurred")})
    entry = CostEntry(
        project=project,
        task=task,
        amount=amount,
        currency=_currency(project, currency),
        incurred_on=incurred_on,
        category=category,
        description=description,
        created_by=actor,
    )
    entry.full_clean()
    entry.save()
    audit_record(
        actor=actor,
        action="project.cost_added",
        obj=project,
        changes={"cost": [None, f"{entry.amount} {entry.currency} {entry.category}"]},
    )
    return entry


def _hours(value: Decimal) -> str:
    return decimal_text(value)


def _check_day_has_room(*, person, actor, date: datetime.date, hours: Decimal) -> None:
    """Refuse `hours` that would take `person`'s `date` past 24 hours. The person's row is
    locked first, so two entries for one day are counted one after the other. FOR NO KEY
    UPDATE: rows that refer to the person (an audit row's actor) still go in beside it; a
    plain FOR UPDATE made two people logging time for each other deadlock."""
    people = get_user_model().objects.select_for_update(no_key=True)
    list(people.filter(pk=person.pk).values("pk"))
    logged = TimeEntry.objects.filter(person=person, date=date).aggregate(h=Sum("hours"))["h"]
    logged = logged or Decimal("0")
    if hours is None or logged + hours <= HOURS_IN_A_DAY:
        return
    left = max(HOURS_IN_A_DAY - logged, Decimal("0"))
    who = "You have" if person == actor else f"{person.display_name} has"
    raise ValidationError(
        {
            "hours": f"{who} {_hours(left)} of 24 hours left on {date.isoformat()}: "
            f"{_hours(logged)} are logged that day."
        }
    )


@transaction.atomic
def time_entry_add(
    *,
    project: Project,
    actor,
    task: Task,
    date: datetime.date,
    hours: Decimal,
    person=None,
    hourly_rate: Decimal | None = None,
    note: str = "",
    currency: str | None = None,
) -> TimeEntry:
    """Log hours on a task; with an hourly rate they count as labour in the actual cost.

    Team members log their own time; the manager and admins log anyone's. A person's day,
    over every project, holds at most 24 hours (400 naming `hours` with what is left).
    """
    person = person or actor
    project = _lock(project)
    if not can_log_time(project, actor) or (person != actor and not can_edit(project, actor)):
        raise NotAllowed("You may log only your own time on projects you work on.")
    _task_of(project, task)
    check_in_window(project, {"date": (date, "The day worked")})
    _check_day_has_room(person=person, actor=actor, date=date, hours=hours)
    entry = TimeEntry(
        project=project,
        task=task,
        person=person,
        date=date,
        hours=hours,
        hourly_rate=hourly_rate,
        currency=_currency(project, currency),
        note=note,
    )
    entry.full_clean()
    entry.save()
    audit_record(
        actor=actor,
        action="project.time_logged",
        obj=project,
        changes={"time": [None, f"{person.username} {hours}h {date.isoformat()}"]},
    )
    return entry
