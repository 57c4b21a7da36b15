"""Every write of a project's actual cost: cost entries and logged time.

Each action is one transaction with an audit row; the shared guards live in projects.actions.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from core.audit import audit_record
from core.exceptions import NotAllowed
from projects.actions import _ensure_editor
from projects.models import CostEntry, Project, Task, TimeEntry
from projects.queries import can_edit, can_log_time


def _currency(project: Project, currency: str | None) -> str:
    if currency and currency != project.currency:
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
    """Record money spent (actual cost) in the project's currency."""
    _ensure_editor(project, actor)
    _task_of(project, task)
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

    Team members log their own time; the manager and admins log anyone's.
    """
    person = person or actor
    if not can_log_time(project, actor) or (person != actor and not can_edit(project, actor)):
        raise NotAllowed("You may log only your own time on projects you work on.")
    _task_of(project, task)
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
