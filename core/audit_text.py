"""An audit trail as people read it: "Alex Agent resolved it", "urgency 1 - High → 3 - Low".

The rows keep what the code wrote (`incident.resolve`, `{"urgency": [1, 3]}`, a team's id);
a history panel shows words: the move's verb, the fields' names as the forms call them, a
choice's label instead of its code, and a related row's name instead of its id (the names of
a page's rows are read in one query per related table, not one per line).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist

# The verb of each move or event (the part of the action after the dot).
VERBS = {
    "opened": "opened it",
    "submitted": "submitted it",
    "proposed": "proposed it",
    "created": "created it",
    "recorded": "recorded it",
    "updated": "changed",
    "saved": "changed",
    "assign": "assigned it",
    "start": "started work",
    "hold": "put it on hold",
    "resume": "resumed work",
    "resolve": "resolved it",
    "reopen": "reopened it",
    "close": "closed it",
    "cancel": "cancelled it",
    "approve": "approved it",
    "reject": "rejected it",
    "request_approval": "sent it for approval",
    "start_fulfilment": "started fulfilment",
    "fulfil": "fulfilled it",
    "submit": "submitted it",
    "accept": "accepted it",
    "return": "returned it",
    "redraft": "took it back to draft",
    "implement": "marked it implemented",
    "sla_breached": "SLA target missed",
    "sla_warned": "SLA warning: 75 % of the resolution time used",
    "survey_answered": "answered the survey",
    "attachment_added": "added an attachment",
    "internal_note": "added an internal note",
    "task_done": "worked the checklist",
    # projects: the phase gates and the workspace
    "plan": "approved the charter: planning",
    "execute": "approved the plan: execution",
    "monitor": "moved it to monitoring & control",
    "start_closing": "started closing",
    "back": "moved it back to execution",
    "member_added": "added a team member",
    "member_removed": "removed a team member",
    "baseline_captured": "captured a baseline",
    "cost_added": "recorded a cost",
    "time_logged": "logged time",
    "handoff_drafted": "drafted the handoff",
    "handed_over": "handed the service over",
}
# Events that create the row: what it was created with is on the page already.
CREATING = {"opened", "submitted", "proposed", "created", "recorded"}
# Changes that are not a field of the row, or say nothing readable on a history line.
UNSHOWN = {"comment", "version", "attachment"}


@dataclass
class Change:
    label: str
    old: str
    new: str


@dataclass
class AuditLine:
    event: object
    verb: str
    changes: list[Change] = field(default_factory=list)


def audit_lines(events) -> list[AuditLine]:
    """`events` (AuditEvent rows, actors joined) as lines of words."""
    events = list(events)
    pending: list[tuple[Change, str, object, object]] = []  # (change, side, model, pk)
    lines = []
    for event in events:
        kind = event.action.rpartition(".")[2]
        line = AuditLine(event, VERBS.get(kind, kind.replace("_", " ")))
        lines.append(line)
        if kind in CREATING:
            continue
        model = ContentType.objects.get_for_id(event.content_type_id).model_class()
        for name, pair in (event.changes or {}).items():
            if name in UNSHOWN or not isinstance(pair, list) or len(pair) != 2:
                continue
            change, related = _change(model, name, pair)
            line.changes.append(change)
            if related is not None:
                for side, pk in zip(("old", "new"), pair, strict=True):
                    if pk is not None:
                        pending.append((change, side, related, pk))
    _name_related(pending)
    return lines


def _change(model, name: str, pair: list) -> tuple[Change, object | None]:
    """The change of field `name` in words, and the model its values name (a foreign key)."""
    try:
        model_field = model._meta.get_field(name) if model is not None else None
    except FieldDoesNotExist:
        model_field = None
    label = str(getattr(model_field, "verbose_name", "") or name.replace("_", " "))
    if model_field is not None and model_field.many_to_one:
        return Change(label, *(_plain(v) for v in pair)), model_field.related_model
    choices = dict(model_field.flatchoices) if model_field is not None else {}
    old, new = ((choices.get(v, v) if choices else v) for v in pair)
    return Change(label, _plain(old), _plain(new)), None


def _plain(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | dict):
        return "…"  # a list of targets or intervals: the page shows them as they are
    return str(value)


def _name_related(pending) -> None:
    """Replace the ids of related rows by their names: one query per related table."""
    by_model: dict = {}
    for *_, model, pk in pending:
        by_model.setdefault(model, set()).add(pk)
    names = {}
    for model, pks in by_model.items():
        rows = model._base_manager.filter(pk__in=pks)
        names[model] = {str(r.pk): getattr(r, "display_name", None) or str(r) for r in rows}
    for change, side, model, pk in pending:
        setattr(change, side, names[model].get(str(pk), f"#{pk} (deleted)"))
