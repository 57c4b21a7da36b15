"""A small lifecycle helper: states and transitions as a table, applied in one place.

`transition_apply` locks the row, checks the table and the guard, writes the new
state with an audit event in the same transaction, and schedules side effects for
after commit. `status` fields are written nowhere else.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.db import models, transaction

from core.locks import row_locked

from .audit import audit_record
from .exceptions import GuardFailed, InvalidTransition, NotAllowed
from .webhooks import publish, register_events

# guard(instance, actor, data) -> {field: message} of what is missing; empty if fine.
Guard = Callable[[Any, Any, dict], dict]
# may(instance, actor) -> whether this actor may take this action on this object.
Permission = Callable[[Any, Any], bool]
# effect(instance, actor, data) -> None: field writes that go with the move.
Effect = Callable[[Any, Any, dict], None]


def anyone(instance, actor) -> bool:
    return True


def no_guard(instance, actor, data) -> dict:
    return {}


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    label: str = ""
    may: Permission = anyone
    guard: Guard = no_guard
    effect: Effect | None = None
    after_commit: tuple[Callable[[Any, Any, dict], None], ...] = ()
    # An extra webhook event for this move (e.g. "handoff.accepted"), besides
    # the lifecycle's own `<name>.transitioned`.
    event: str = ""


@dataclass
class Lifecycle:
    """The transition table of one stateful model."""

    name: str
    states: tuple[str, ...]
    transitions: tuple[Transition, ...]
    state_field: str = "status"
    transition_event: str = ""  # default "<name>.transitioned"
    _by_action: dict[str, Transition] = field(init=False, repr=False)

    def __post_init__(self):
        self._by_action = {t.action: t for t in self.transitions}
        register_events(*self.events)
        for t in self.transitions:
            unknown = (set(t.sources) | {t.target}) - set(self.states)
            if unknown:
                raise ValueError(f"{self.name}.{t.action}: unknown states {sorted(unknown)}")

    @property
    def events(self) -> list[str]:
        """The webhook events a move of this lifecycle publishes."""
        extra = sorted({t.event for t in self.transitions if t.event})
        return [self.transition_event or f"{self.name}.transitioned", *extra]

    def actions_from(self, state: str) -> list[str]:
        return [t.action for t in self.transitions if state in t.sources]

    def allowed_for(self, instance, actor) -> list[Transition]:
        """Transitions this actor may start from the object's current state (for buttons)."""
        state = getattr(instance, self.state_field)
        return [t for t in self.transitions if state in t.sources and t.may(instance, actor)]

    def get(self, action: str) -> Transition | None:
        return self._by_action.get(action)


def transition_apply(
    *,
    lifecycle: Lifecycle,
    instance: models.Model,
    action: str,
    actor,
    data: dict | None = None,
    audit_extra: dict | None = None,
) -> models.Model:
    """Apply `action` to `instance` under a row lock; returns the fresh, saved object."""
    data = data or {}
    with transaction.atomic():
        locked = row_locked(type(instance), instance.pk)
        state = getattr(locked, lifecycle.state_field)
        move = lifecycle.get(action)
        if move is None or state not in move.sources:
            raise InvalidTransition(action=action, state=state, allowed=_allowed(lifecycle, locked))
        if not move.may(locked, actor):
            raise NotAllowed(f"You may not '{action}' this {lifecycle.name}.")
        missing = move.guard(locked, actor, data)
        if missing:
            raise GuardFailed(f"'{action}' needs more information.", fields=missing)
        if move.effect:
            move.effect(locked, actor, data)
        setattr(locked, lifecycle.state_field, move.target)
        if hasattr(locked, "version"):
            locked.version = (locked.version or 0) + 1
        locked.save()
        changes = {lifecycle.state_field: [state, move.target]}
        changes.update(audit_extra or {})
        audit_record(actor=actor, action=f"{lifecycle.name}.{action}", obj=locked, changes=changes)
        for hook in move.after_commit:
            transaction.on_commit(partial(hook, locked, actor, data))
        payload = event_payload(lifecycle, locked, action=action, source=state, actor=actor)
        publish(event=lifecycle.events[0], data=payload)
        if move.event:
            publish(event=move.event, data=payload)
    return locked


def event_payload(lifecycle: Lifecycle, instance, *, action: str, source: str, actor) -> dict:
    """The webhook `data` of a lifecycle move: what moved, from where to where, by whom."""
    return {
        "object": {
            "type": lifecycle.name,
            "id": instance.pk,
            "number": getattr(instance, "number", None) or getattr(instance, "code", None),
        },
        "action": action,
        "from": source,
        "to": getattr(instance, lifecycle.state_field),
        "actor": getattr(actor, "username", None),
    }


def _allowed(lifecycle: Lifecycle, instance) -> list[str]:
    return lifecycle.actions_from(getattr(instance, lifecycle.state_field))


def states_open(lifecycle: Lifecycle, closed: Iterable[str]) -> frozenset[str]:
    return frozenset(s for s in lifecycle.states if s not in set(closed))
