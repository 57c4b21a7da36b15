"""The handoff lifecycle: draft → submitted → accepted | rejected, rejected → draft.

The project manager (or an admin) drafts, submits and redrafts; the owner of the target
service (the existing service's owner, or the new service's designated owner) or an admin
accepts or rejects. Submitting needs every checklist item done (409 naming the rest).
"""

from core.exceptions import GateNotMet
from core.lifecycle import Lifecycle, Transition
from core.roles import Role, has_role
from projects.choices import HandoffStatus as H


def is_project_manager_or_admin(handoff, actor) -> bool:
    return has_role(actor, Role.ADMIN) or (
        has_role(actor, Role.PROJECT_MANAGER) and handoff.project.manager_id == actor.pk
    )


def is_target_owner_or_admin(handoff, actor) -> bool:
    return has_role(actor, Role.ADMIN) or (
        has_role(actor, Role.SERVICE_OWNER)
        and handoff.target_owner_id is not None
        and handoff.target_owner_id == actor.pk
    )


def handoff_missing(handoff) -> dict:
    """What a handoff must state before it is submitted, as {field: [message]}."""
    missing: dict[str, list[str]] = {}
    if handoff.new_service:
        if not handoff.service_name.strip():
            missing["service_name"] = ["Name the new service."]
        if handoff.service_owner_id is None:
            missing["service_owner"] = ["Name the new service's owner."]
    elif handoff.service_id is None:
        missing["service"] = ["Choose the service this project changes, or describe a new one."]
    if handoff.support_team_id is None:
        missing["support_team"] = ["Name the team that supports the service."]
    if handoff.go_live_on is None:
        missing["go_live_on"] = ["Set the go-live date."]
    return missing


def checklist_open(handoff) -> list[str]:
    return [item.label for item in handoff.checklist.all() if item.done_at is None]


def _guard_submit(handoff, actor, data) -> dict:
    missing = handoff_missing(handoff)
    if missing:
        return missing
    if not handoff.project.is_open:
        return {"project": [f"The project is {handoff.project.get_phase_display().lower()}."]}
    unmet = checklist_open(handoff)
    if unmet:
        raise GateNotMet(
            "Every checklist item must be done before the handoff is submitted.",
            unmet=unmet,
            allowed=HANDOFF_LIFECYCLE.actions_from(handoff.status),
        )
    return {}


def _guard_decide(handoff, actor, data) -> dict:
    # The owner may have changed since submission: the target must still be acceptable.
    missing = handoff_missing(handoff)
    if not handoff.project.is_open:
        missing["project"] = [f"The project is {handoff.project.get_phase_display().lower()}."]
    return missing


def _guard_reject(handoff, actor, data) -> dict:
    if not str(data.get("note") or "").strip():
        return {"note": ["Say what must change before the service can be accepted."]}
    return {}


def _effect_submit(handoff, actor, data) -> None:
    from django.utils import timezone

    handoff.submitted_at = timezone.now()
    handoff.decision_note = ""
    handoff.decided_by = None
    handoff.decided_at = None


def _effect_decide(handoff, actor, data) -> None:
    from django.utils import timezone

    handoff.decision_note = str(data.get("note") or "").strip()
    handoff.decided_by = actor
    handoff.decided_at = timezone.now()


def _effect_accept(handoff, actor, data) -> None:
    # The service side (create or change, go live) and the project's hypercare window;
    # runs inside the transition's transaction, under the handoff's row lock.
    from projects.handoff_actions import handoff_apply_acceptance

    _effect_decide(handoff, actor, data)
    handoff_apply_acceptance(handoff=handoff, actor=actor)


def _notify_support_team(handoff, actor, data) -> None:
    from core.notifications import queue
    from projects.tasks import notify_handoff_accepted

    # A mail that cannot go out never fails the acceptance it tells about (logged).
    queue(notify_handoff_accepted, handoff.pk)


HANDOFF_LIFECYCLE = Lifecycle(
    name="handoff",
    states=tuple(H.values),
    transitions=(
        Transition(
            "submit",
            frozenset({H.DRAFT}),
            H.SUBMITTED,
            "Submit to the service owner",
            may=is_project_manager_or_admin,
            guard=_guard_submit,
            effect=_effect_submit,
        ),
        Transition(
            "accept",
            frozenset({H.SUBMITTED}),
            H.ACCEPTED,
            "Accept the service",
            may=is_target_owner_or_admin,
            guard=_guard_decide,
            effect=_effect_accept,
            after_commit=(_notify_support_team,),
            event="handoff.accepted",
        ),
        Transition(
            "reject",
            frozenset({H.SUBMITTED}),
            H.REJECTED,
            "Reject",
            may=is_target_owner_or_admin,
            guard=_guard_reject,
            effect=_effect_decide,
        ),
        Transition(
            "redraft",
            frozenset({H.REJECTED}),
            H.DRAFT,
            "Back to draft",
            may=is_project_manager_or_admin,
        ),
    ),
)
