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
from core.exceptions import DomainError
from projects.actions import _ensure_editor, _ensure_open, _unknown
from projects.date_window import check_fields_in_window
from projects.models import Milestone, Project

MILESTONE_FIELDS = ("name", "due_date", "completed_on", "waived", "waived_reason")
DATE_WORDS = {"due_date": "The due date", "completed_on": "The completion date"}


class MilestoneDone(DomainError):
    """A completed or waived milestone keeps its due date: moving it would rewrite the
    record of when it was due (409, with what may still change)."""

    status_code = 409
    code = "milestone_done"


def _check_not_moved_when_done(milestone: Milestone, fields: dict[str, Any]) -> None:
    if "due_date" not in fields or fields["due_date"] == milestone.due_date:
        return
    # Done is what is stored: an open milestone may be moved and completed in one write.
    if milestone.completed_on is None and not milestone.waived:
        return
    # Reopening it in the same write (completed_on back to empty) frees the due date.
    completed_on = fields.get("completed_on", milestone.completed_on)
    waived = fields.get("waived", milestone.waived)
    if completed_on is None and not waived:
        return
    if completed_on:
        how, state, may = f"completed on {completed_on.isoformat()}", "completed", ["completed_on"]
        allowed = "Its name and completion date may change; cleared, it is open again."
    else:
        how, state, may = "waived", "waived", ["waived", "waived_reason"]
        allowed = "Its name and the waiver may change; withdrawn, it is open again."
    raise MilestoneDone(
        f"“{milestone.name}” was {how}: it cannot be rescheduled.",
        fields={"due_date": allowed},
        extra={"state": state, "allowed_fields": ["name", *may]},
    )


@transaction.atomic
def milestone_create(*, project: Project, actor, **fields: Any) -> Milestone:
    _unknown(fields, MILESTONE_FIELDS)
    _ensure_editor(project, actor)
    _ensure_open(project)
    check_fields_in_window(project, fields, DATE_WORDS)
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
    """Move, complete or waive a milestone; a waiver needs a reason (400 without one), a
    date lies near the project (projects.date_window, 400), and a completed or waived
    milestone is not moved (409)."""
    _unknown(fields, MILESTONE_FIELDS)
    _ensure_editor(milestone.project, actor)
    _ensure_open(milestone.project)
    milestone = Milestone.objects.select_for_update().select_related("project").get(pk=milestone.pk)
    _check_not_moved_when_done(milestone, fields)
    check_fields_in_window(milestone.project, fields, DATE_WORDS, stored=milestone)
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
