"""Writes of the continual-improvement (CSI) register (see request_actions.py for why a
second actions module): create, edit with optimistic locking, move through the lifecycle."""

from django.core.exceptions import ValidationError
from django.db import transaction

from core.audit import audit_record, snapshot, versioned_update
from core.exceptions import NotAllowed
from core.lifecycle import transition_apply
from core.roles import is_staff_member
from servicedesk.choices import ImprovementStatus
from servicedesk.models import Improvement
from servicedesk.request_lifecycle import IMPROVEMENT_LIFECYCLE, improvement_may_work

IMPROVEMENT_FIELDS = (
    "title",
    "service",
    "problem_statement",
    "expected_benefit",
    "metric",
    "unit",
    "baseline_value",
    "target_value",
    "owner",
    "priority",
    "planned_quarter",
    "source_incident",
    "source_request",
)


def _check_owner(owner) -> None:
    if owner is not None and not is_staff_member(owner):
        raise ValidationError({"owner": ["The owner must be a member of staff."]})


@transaction.atomic
def improvement_create(*, actor, **fields) -> Improvement:
    """Propose an improvement (staff); raised from an incident or a request, it links back."""
    if not is_staff_member(actor):
        raise NotAllowed("Only staff may propose improvements.")
    fields = {k: v for k, v in fields.items() if k in IMPROVEMENT_FIELDS}
    fields.setdefault("owner", actor)
    _check_owner(fields["owner"])
    improvement = Improvement(created_by=actor, **fields)
    improvement.full_clean(exclude=["target_date"])
    improvement.save()
    audit_record(
        actor=actor,
        action="improvement.proposed",
        obj=improvement,
        changes={k: [None, v] for k, v in snapshot(improvement, ["status", "service"]).items()},
    )
    return improvement


@transaction.atomic
def improvement_update(
    *, improvement: Improvement, actor, expected_version: int, changes: dict
) -> Improvement:
    """Edit an open improvement (its owner, the service owner, a manager or an admin);
    a stale `expected_version` is 412. The target date follows the planned quarter."""
    if not improvement_may_work(improvement, actor):
        raise NotAllowed("Only the improvement's owner, the service owner or a manager may edit.")
    if improvement.status in (ImprovementStatus.IMPLEMENTED, ImprovementStatus.REJECTED):
        raise ValidationError({"status": ["An implemented or rejected improvement is final."]})
    _check_owner(changes.get("owner"))
    return versioned_update(
        model=Improvement,
        pk=improvement.pk,
        actor=actor,
        action="improvement.updated",
        changes=changes,
        allowed=IMPROVEMENT_FIELDS,
        expected_version=expected_version,
    )


def improvement_transition(
    *, improvement: Improvement, action: str, actor, data: dict | None = None
) -> Improvement:
    """approve, start, implement (needs `measured_value`), reject (needs `reason`)."""
    return transition_apply(
        lifecycle=IMPROVEMENT_LIFECYCLE,
        instance=improvement,
        action=action,
        actor=actor,
        data=data,
    )
