"""Every write of a project's milestones: create, move, complete, waive, delete.

Each action is one transaction with an audit row; the shared guards live in projects.actions.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.audit import audit_record, diff, snapshot
from projects.actions import _ensure_editor, _ensure_open, _unknown
from projects.models import Milestone, Project

MILESTONE_FIELDS = ("name", "due_date", "completed_on", "waived", "waived_reason")


@transaction.atomic
def milestone_create(*, project: Project, actor, **fields: Any) -> Milestone:
    _unknown(fields, MILESTONE_FIELDS)
    _ensure_editor(project, actor)
    _ensure_open(project)
    milestone = Milestone(project=project, **fields)
    milestone.full_clean()
    milestone.save()
    audit_record(
        actor=actor,
        action="milestone.created",
        obj=milestone,
        changes={"due_date": [None, milestone.due_date]},
    )
    return milestone


@transaction.atomic
def milestone_update(*, milestone: Milestone, actor, **fields: Any) -> Milestone:
    """Move, complete or waive a milestone; a waiver needs a reason (400 without one)."""
    _unknown(fields, MILESTONE_FIELDS)
    _ensure_editor(milestone.project, actor)
    _ensure_open(milestone.project)
    before = snapshot(milestone, fields)
    for name, value in fields.items():
        setattr(milestone, name, value)
    if milestone.waived and not milestone.waived_reason.strip():
        raise ValidationError({"waived_reason": "Say why the milestone is waived."})
    if not milestone.waived:
        milestone.waived_reason = milestone.waived_reason if "waived_reason" in fields else ""
    milestone.full_clean()
    milestone.save()
    audit_record(
        actor=actor,
        action="milestone.updated",
        obj=milestone,
        changes=diff(before, snapshot(milestone, fields)),
    )
    return milestone


@transaction.atomic
def milestone_complete(
    *, milestone: Milestone, actor, on: datetime.date | None = None
) -> Milestone:
    return milestone_update(
        milestone=milestone, actor=actor, completed_on=on or timezone.localdate()
    )


@transaction.atomic
def milestone_waive(*, milestone: Milestone, actor, reason: str) -> Milestone:
    return milestone_update(milestone=milestone, actor=actor, waived=True, waived_reason=reason)


@transaction.atomic
def milestone_delete(*, milestone: Milestone, actor) -> None:
    _ensure_editor(milestone.project, actor)
    _ensure_open(milestone.project)
    audit_record(
        actor=actor,
        action="milestone.deleted",
        obj=milestone.project,
        changes={"milestone": [milestone.name, None]},
    )
    milestone.delete()
