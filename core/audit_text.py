"""An audit trail as people read it: "Alex Agent resolved it", "urgency 1 - High → 3 - Low".

The rows keep what the code wrote (`incident.resolve`, `{"urgency": [1, 3]}`, a team's id);
a history panel shows words: the move's verb, the fields' names as the forms call them, a
choice's label instead of its code, and a related row's name instead of its id (the names of
a page's rows are read in one query per related table, not one per line).

An event whose changes say more than "field old → new" reads as a sentence: an app registers
a phrase for its action in `PHRASES` ("added Olivia Owner as stakeholder", "captured baseline
2"); the phrase names rows through `Words`, so its names are read with everyone else's.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q
from django.utils.dateformat import format as date_format

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
# Values given with a move rather than changed by it: "reason: Budget cut", not "— → …".
GIVEN = {"note", "reason"}
# Sentences of whole events (action → phrase), added by the apps that write them: a phrase
# reads the event's changes through `Words` and answers the line's verb (None: the plain
# verb); the changes it used are not listed again.
PHRASES: dict[str, Callable[[Words], str | None]] = {}


@dataclass
class Change:
    label: str
    old: str
    new: str
    given: bool = False  # a value given with the event: "label: new"

    def __str__(self) -> str:
        if self.given:
            return f"{self.label}: {self.new}"
        return f"{self.label} {self.old} → {self.new}"


@dataclass
class AuditLine:
    event: object
    verb: str
    changes: list[Change] = field(default_factory=list)


def audit_lines(events) -> list[AuditLine]:
    """`events` (AuditEvent rows, actors joined) as lines of words.

    Every line is worded twice: first to learn which rows it names, then, once those names
    are read (one query per related table), in words."""
    events = list(events)
    names = _Names()
    for event in events:
        _line(event, names)
    names.read()
    return [_line(event, names) for event in events]


def _line(event, names: _Names) -> AuditLine:
    kind = event.action.rpartition(".")[2]
    model = ContentType.objects.get_for_id(event.content_type_id).model_class()
    words = Words(event, model, names)
    phrase = PHRASES.get(event.action)
    verb = phrase(words) if phrase is not None else None
    line = AuditLine(event, verb or VERBS.get(kind, kind.replace("_", " ")))
    line.changes.extend(words.added)
    if kind in CREATING:
        return line
    # What was given with the move (a note, a reason) after what it changed.
    for name in sorted(words.pairs, key=lambda name: name in GIVEN):
        if name not in UNSHOWN and name not in words.used:
            line.changes.append(words.change(name))
    return line


class Words:
    """One event's changes in words, for a phrase: each value read marks its change as told
    (the line does not list it again); rows are named through the page's one query per
    table."""

    def __init__(self, event, model, names: _Names):
        self.event, self.model, self._names = event, model, names
        self.pairs = {
            name: pair
            for name, pair in (event.changes or {}).items()
            if isinstance(pair, list) and len(pair) == 2
        }
        self.used: set[str] = set()
        self.added: list[Change] = []

    def has(self, name: str, side: str = "new") -> bool:
        """Whether the event changed `name` (and its `side` has a value)."""
        pair = self.pairs.get(name)
        return pair is not None and pair[_SIDES[side]] not in (None, "")

    def raw(self, name: str, side: str = "new"):
        """The value as written, marking the change as told."""
        self.used.add(name)
        pair = self.pairs.get(name)
        return None if pair is None else pair[_SIDES[side]]

    def old(self, name: str) -> str:
        return self._word(name, "old")

    def new(self, name: str) -> str:
        return self._word(name, "new")

    def skip(self, *names: str) -> None:
        """Changes the sentence says otherwise (or that say nothing): not listed."""
        self.used.update(names)

    def name(self, model, value, lookup: str = "pk") -> str:
        """The name of the `model` row whose `lookup` is `value` ("app_label.Model" or the
        class); "#value (deleted)" when it is gone."""
        if isinstance(model, str):
            model = apps.get_model(model)
        return self._names.name(model, lookup, value)

    def label(self, model, field_name: str, value) -> str:
        """A choice's label from another model's field (a code where it has none)."""
        if isinstance(model, str):
            model = apps.get_model(model)
        choices = dict(model._meta.get_field(field_name).flatchoices)
        return _plain(choices.get(value, value))

    def add(self, label: str, old: str, new: str, *, given: bool = False) -> None:
        """A change in words of the phrase's own making, listed with the others."""
        self.added.append(Change(label, old, new, given))

    def change(self, name: str) -> Change:
        """The change of `name` as "label old → new" (or "label: new" for a given value)."""
        label, related, choices = _field_words(self.model, name)
        old, new = self.pairs[name]
        if name in GIVEN and old in (None, ""):
            return Change(label, "—", self.new(name), given=True)
        if related is not None:
            return Change(label, *(self._related(related, v) for v in (old, new)))
        old, new = ((choices.get(v, v) if choices else v) for v in (old, new))
        return Change(label, _plain(old), _plain(new))

    def _word(self, name: str, side: str) -> str:
        value = self.raw(name, side)
        _label, related, choices = _field_words(self.model, name)
        if related is not None:
            return self._related(related, value)
        return _plain(choices.get(value, value) if choices else value)

    def _related(self, model, pk) -> str:
        return "—" if pk is None else self._names.name(model, "pk", pk)


_SIDES = {"old": 0, "new": 1}


def _field_words(model, name: str) -> tuple[str, object | None, dict]:
    """The label of field `name` of `model`, the model its values name (a foreign key), and
    its choices."""
    try:
        model_field = model._meta.get_field(name) if model is not None else None
    except FieldDoesNotExist:
        model_field = None
    label = str(getattr(model_field, "verbose_name", "") or name.replace("_", " "))
    if model_field is not None and model_field.many_to_one:
        return label, model_field.related_model, {}
    choices = dict(model_field.flatchoices) if model_field is not None else {}
    return label, None, choices


def _plain(value) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if (
        isinstance(value, list)
        and value
        and all(isinstance(v, dict) and v.get("title") for v in value)
    ):
        return ", ".join(str(v["title"]) for v in value)  # documents: their titles
    if isinstance(value, list | dict):
        return "…"  # a list of targets or intervals: the page shows them as they are
    return str(value)


def day(value) -> str:
    """An ISO date (as the rows keep dates) the way the pages show one: "5 Oct 2026"."""
    try:
        return date_format(datetime.date.fromisoformat(str(value)), "j M Y")
    except ValueError:
        return _plain(value)


class _Names:
    """The names of the rows a page's history names: asked for while the lines are first
    worded, read in one query per table (`read`), then given."""

    def __init__(self):
        self._wanted: dict = {}  # model → {lookup: {value as text}}
        self._found: dict | None = None  # (model, lookup, value as text) → name

    def name(self, model, lookup: str, value) -> str:
        if self._found is None:
            self._wanted.setdefault(model, {}).setdefault(lookup, set()).add(str(value))
            return ""
        return self._found.get((model, lookup, str(value)), f"#{value} (deleted)")

    def read(self) -> None:
        self._found = {}
        for model, lookups in self._wanted.items():
            where = Q()
            for lookup, values in lookups.items():
                where |= Q(**{f"{lookup}__in": values})
            for row in model._base_manager.filter(where):
                name = getattr(row, "display_name", None) or str(row)
                for lookup in lookups:
                    key = row.pk if lookup == "pk" else getattr(row, lookup)
                    self._found[(model, lookup, str(key))] = name
