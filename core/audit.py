"""The audit helper every app uses: one row per change, never rewritten."""

import datetime
import decimal
from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from core.locks import row_locked

from .models import AuditEvent


def _plain(value: Any) -> Any:
    """JSON-friendly form of a field value (ids for relations, ISO for time)."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The current values of `fields`, for diffing after a change."""
    out = {}
    for name in fields:
        field = instance._meta.get_field(name)
        out[name] = _plain(getattr(instance, field.attname))
    return out


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list]:
    """Fields whose value changed, as {field: [old, new]}."""
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


def audit_record(
    *,
    actor,
    action: str,
    obj: models.Model,
    changes: dict | None = None,
    internal: bool = False,
) -> AuditEvent:
    """Write one audit row for `obj` (call inside the transaction that made the change)."""
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        changes={k: [_plain(v) for v in pair] for k, pair in (changes or {}).items()},
        internal=internal,
    )


def history_for(obj: models.Model, *, include_internal: bool = True):
    """The timeline of `obj`, oldest first, with actors joined."""
    qs = AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
        object_id=str(obj.pk),
    ).select_related("actor")
    if not include_internal:
        qs = qs.filter(internal=False)
    return qs


def versioned_update(
    *,
    model: type[models.Model],
    pk,
    actor,
    action: str,
    changes: dict,
    allowed: Iterable[str],
    expected_version: int | None = None,
) -> models.Model:
    """Lock a row, refuse a stale `expected_version` (412), write the allowed fields,
    validate, bump `version` and record what changed — the shape of every simple edit.

    Call inside a transaction (the row lock lasts until it ends).
    """
    from core.api.concurrency import check_version

    locked = row_locked(model, pk)
    if expected_version is not None:
        check_version(locked, expected_version)
    fields = {name: changes[name] for name in changes if name in set(allowed)}
    return versioned_apply(locked, actor=actor, action=action, fields=fields)


def versioned_apply(locked: models.Model, *, actor, action: str, fields: dict) -> models.Model:
    """Write `fields` on a row the caller has locked and checked: validate, bump `version`,
    save, and record what changed."""
    before = snapshot(locked, fields)
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.full_clean()
    locked.version += 1
    locked.save()
    audit_record(
        actor=actor, action=action, obj=locked, changes=diff(before, snapshot(locked, fields))
    )
    return locked
