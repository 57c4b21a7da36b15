"""Every write of a project's risk register.

Each action is one transaction with an audit row; the shared guards live in projects.actions.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from core.audit import audit_record, diff, snapshot
from projects.actions import _ensure_editor, _unknown
from projects.models import Project, Risk

RISK_FIELDS = (
    "description",
    "probability",
    "impact",
    "owner",
    "response",
    "response_plan",
    "status",
)


@transaction.atomic
def risk_create(*, project: Project, actor, **fields: Any) -> Risk:
    _unknown(fields, RISK_FIELDS)
    _ensure_editor(project, actor)
    risk = Risk(project=project, **fields)
    risk.full_clean()
    risk.save()
    audit_record(
        actor=actor, action="risk.created", obj=risk, changes={"score": [None, risk.score]}
    )
    return risk


@transaction.atomic
def risk_update(*, risk: Risk, actor, **fields: Any) -> Risk:
    _unknown(fields, RISK_FIELDS)
    _ensure_editor(risk.project, actor)
    before = snapshot(risk, fields)
    for name, value in fields.items():
        setattr(risk, name, value)
    risk.full_clean()
    risk.save()
    audit_record(
        actor=actor, action="risk.updated", obj=risk, changes=diff(before, snapshot(risk, fields))
    )
    return risk
