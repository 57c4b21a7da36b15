"""Transition tables of service requests and improvements (the CSI register).

Kept apart from servicedesk/lifecycle.py only so two people could work at once; the
shape is the same: one table per object, guards and effects as small functions.
"""

from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.utils import timezone

from core.exceptions import GateNotMet
from core.lifecycle import Lifecycle, Transition
from core.roles import Role, has_role, works_tickets
from servicedesk import business_time, sla
from servicedesk.choices import ApprovalDecision
from servicedesk.choices import ImprovementStatus as M
from servicedesk.choices import RequestStatus as R
from servicedesk.request_sla import request_breaches_mark

# --- SLA clock of a request -------------------------------------------------------------

# Requests have no impact/urgency: their first response is due as for a priority-4 incident.
REQUEST_RESPONSE_PRIORITY = 4


def _clock_calendar(service):
    """The service's SLA policy calendar, else its service hours (else 24x7)."""
    policy = sla.policy_for(service)
    if policy is not None:
        return policy, sla.calendar_for(policy.calendar)
    return None, sla.service_hours_for(service)[1]


def request_clock_start(request, *, delivery_from: datetime | None) -> None:
    """Response due from the SLA policy's priority-4 target (none without a policy), and
    delivery due `delivery_days` business days after `delivery_from` on the same calendar
    (None: not yet, the request waits for approval). No save."""
    policy, cal = _clock_calendar(request.service)
    target = policy.targets.filter(priority=REQUEST_RESPONSE_PRIORITY).first() if policy else None
    if target is not None and request.response_due is None:
        request.response_due = business_time.add_business_time(
            cal, start=request.opened_at, minutes=target.response_minutes
        )
    if delivery_from is not None:
        request_delivery_due(request, at=delivery_from, cal=cal)


def request_delivery_due(request, *, at: datetime, cal=None) -> None:
    """Delivery due = `at` (fulfilment may start) + the item's business days (no save)."""
    if cal is None:
        cal = _clock_calendar(request.service)[1]
    request.resolution_due = business_time.add_business_days(
        cal, start=at, days=request.catalog_item.delivery_days
    )


# --- Service requests -------------------------------------------------------------------

REQUEST_OPEN = frozenset({R.SUBMITTED, R.AWAITING_APPROVAL, R.APPROVED, R.IN_FULFILMENT})


def _signed_in(actor) -> bool:
    return actor is not None and actor.is_authenticated


def _is_requester(request, actor) -> bool:
    return _signed_in(actor) and request.requester_id == actor.pk


def _agent_or_requester(request, actor) -> bool:
    return works_tickets(actor) or _is_requester(request, actor)


def _designated_approver(request, actor) -> bool:
    return _signed_in(actor) and request.approver_id is not None and request.approver_id == actor.pk


def _starter(request, actor) -> bool:
    # At submission the requester's own action routes it; after approval, agents start it.
    return request.status == R.SUBMITTED or works_tickets(actor)


def _agent(request, actor) -> bool:
    return works_tickets(actor)


def _guard_needs_approval(request, actor, data) -> dict:
    if not request.catalog_item.needs_approval:
        return {"catalog_item": ["This item needs no approval."]}
    return {}


def _guard_start(request, actor, data) -> dict:
    if request.status == R.SUBMITTED and request.catalog_item.needs_approval:
        return {"catalog_item": ["This item must be approved first."]}
    return {}


def _approval_record(request, actor, data, decision: str) -> None:
    from servicedesk.models import RequestApproval

    now = timezone.now()
    RequestApproval.objects.create(
        request=request,
        approver=actor,
        decision=decision,
        comment=str(data.get("comment") or "").strip()[:5000],
        decided_at=now,
    )
    request.decided_at = now


def _effect_approve(request, actor, data) -> None:
    _approval_record(request, actor, data, ApprovalDecision.APPROVED)
    request_breaches_mark(request, at=request.decided_at, actor=actor)
    # The delivery clock starts when the work may start.
    request_delivery_due(request, at=request.decided_at)


def _guard_reject(request, actor, data) -> dict:
    if not str(data.get("comment") or "").strip():
        return {"comment": ["Say why the request is rejected."]}
    return {}


def _effect_reject(request, actor, data) -> None:
    _approval_record(request, actor, data, ApprovalDecision.REJECTED)
    request.closed_at = request.decided_at
    request_breaches_mark(request, at=request.closed_at, actor=actor)


def _effect_start(request, actor, data) -> None:
    if works_tickets(actor) and request.assignee_id is None:
        request.assignee = actor
    if works_tickets(actor) and request.first_responded_at is None:
        request.first_responded_at = timezone.now()
    if request.team_id is None:
        request.team = request.catalog_item.fulfilment_team
    request_breaches_mark(request, at=timezone.now(), actor=actor)


def _guard_fulfil(request, actor, data) -> dict:
    open_tasks = list(request.tasks.filter(done=False).values_list("title", flat=True))
    if open_tasks:
        raise GateNotMet(
            "Finish the fulfilment checklist first.",
            unmet=[f"Task not done: {title}" for title in open_tasks],
        )
    return {}


def _effect_fulfil(request, actor, data) -> None:
    request.fulfilled_at = timezone.now()
    # Delivering is answering, as resolving an incident is: the response wait ends too.
    if request.first_responded_at is None:
        request.first_responded_at = request.fulfilled_at
    # A late delivery is flagged here, whether or not the minute scan ran in between.
    request_breaches_mark(request, at=request.fulfilled_at, actor=actor)


def _effect_end(request, actor, data) -> None:
    request.closed_at = timezone.now()
    # Cancelling ends the waits: a target already passed stays missed.
    request_breaches_mark(request, at=request.closed_at, actor=actor)


REQUEST_LIFECYCLE = Lifecycle(
    name="request",
    states=tuple(R.values),
    transitions=(
        Transition(
            "request_approval",
            frozenset({R.SUBMITTED}),
            R.AWAITING_APPROVAL,
            "Ask for approval",
            may=_agent_or_requester,
            guard=_guard_needs_approval,
        ),
        Transition(
            "approve",
            frozenset({R.AWAITING_APPROVAL}),
            R.APPROVED,
            "Approve",
            may=_designated_approver,
            effect=_effect_approve,
        ),
        Transition(
            "reject",
            frozenset({R.AWAITING_APPROVAL}),
            R.REJECTED,
            "Reject",
            may=_designated_approver,
            guard=_guard_reject,
            effect=_effect_reject,
        ),
        Transition(
            "start_fulfilment",
            frozenset({R.SUBMITTED, R.APPROVED}),
            R.IN_FULFILMENT,
            "Start fulfilment",
            may=_starter,
            guard=_guard_start,
            effect=_effect_start,
        ),
        Transition(
            "fulfil",
            frozenset({R.IN_FULFILMENT}),
            R.FULFILLED,
            "Mark fulfilled",
            may=_agent,
            guard=_guard_fulfil,
            effect=_effect_fulfil,
        ),
        Transition(
            "close",
            frozenset({R.FULFILLED}),
            R.CLOSED,
            "Close",
            may=_agent_or_requester,
            effect=_effect_end,
        ),
        Transition(
            "cancel",
            REQUEST_OPEN,
            R.CANCELLED,
            "Cancel",
            may=_agent_or_requester,
            effect=_effect_end,
        ),
    ),
)

# Moves people make by hand (the first two are made by the submission itself).
REQUEST_MANUAL_ACTIONS = ("approve", "reject", "start_fulfilment", "fulfil", "close", "cancel")


# --- Improvements (CSI register) ----------------------------------------------------------


def improvement_may_decide(improvement, actor) -> bool:
    """The service's owner, a manager or an admin approve or reject improvements."""
    return has_role(actor, Role.ADMIN, Role.MANAGER) or (
        has_role(actor, Role.SERVICE_OWNER) and improvement.service.owner_id == actor.pk
    )


def improvement_may_work(improvement, actor) -> bool:
    """Those who decide, and the improvement's own owner, move the work on."""
    return improvement_may_decide(improvement, actor) or (
        _signed_in(actor) and improvement.owner_id == actor.pk
    )


def _guard_implement(improvement, actor, data) -> dict:
    raw = data.get("measured_value")
    try:
        value = Decimal(str(raw)) if raw not in (None, "") and not isinstance(raw, bool) else None
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or abs(value) >= Decimal("1e11"):
        return {"measured_value": ["Give the value measured after implementation."]}
    return {}


def _effect_implement(improvement, actor, data) -> None:
    improvement.measured_value = Decimal(str(data["measured_value"])).quantize(Decimal("0.001"))
    improvement.implemented_at = timezone.now()


def _guard_improvement_reject(improvement, actor, data) -> dict:
    if not str(data.get("reason") or "").strip():
        return {"reason": ["Say why the improvement is rejected."]}
    return {}


def _effect_improvement_reject(improvement, actor, data) -> None:
    improvement.rejection_reason = str(data["reason"]).strip()[:5000]


IMPROVEMENT_LIFECYCLE = Lifecycle(
    name="improvement",
    states=tuple(M.values),
    transitions=(
        Transition(
            "approve",
            frozenset({M.PROPOSED}),
            M.APPROVED,
            "Approve",
            may=improvement_may_decide,
        ),
        Transition(
            "start",
            frozenset({M.APPROVED}),
            M.IN_PROGRESS,
            "Start",
            may=improvement_may_work,
        ),
        Transition(
            "implement",
            frozenset({M.IN_PROGRESS}),
            M.IMPLEMENTED,
            "Mark implemented",
            may=improvement_may_work,
            guard=_guard_implement,
            effect=_effect_implement,
        ),
        # The work stops without implementing (e.g. the project carrying it is cancelled):
        # the improvement waits, approved, for another attempt.
        Transition(
            "return",
            frozenset({M.IN_PROGRESS}),
            M.APPROVED,
            "Back to approved",
            may=improvement_may_work,
        ),
        Transition(
            "reject",
            frozenset({M.PROPOSED, M.APPROVED}),
            M.REJECTED,
            "Reject",
            may=improvement_may_decide,
            guard=_guard_improvement_reject,
            effect=_effect_improvement_reject,
        ),
    ),
)
