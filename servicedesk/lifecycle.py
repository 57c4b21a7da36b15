"""Transition tables of the service desk's stateful objects."""

from django.utils import timezone

from core.lifecycle import Lifecycle, Transition
from core.roles import Role, has_role, is_staff_member, works_tickets
from servicedesk import sla
from servicedesk.choices import IncidentStatus as I
from servicedesk.choices import PauseReason, ResolutionCode
from servicedesk.choices import ServiceStatus as S

# Who adds services: the roles the services API lets write (and the browser's "New service").
SERVICE_WRITER_ROLES = (Role.ADMIN, Role.SERVICE_OWNER)


def service_may_create(actor) -> bool:
    """Whether `actor` may add services: admins and service owners."""
    return has_role(actor, *SERVICE_WRITER_ROLES)


def service_may_run(service, actor) -> bool:
    """Whether `actor` may change `service` and move it through its lifecycle: an admin, or
    its owner with the service-owner role. The one rule of the table below, the API's edits
    and the service pages."""
    return has_role(actor, Role.ADMIN) or (
        has_role(actor, Role.SERVICE_OWNER) and service.owner_id == actor.pk
    )


SERVICE_LIFECYCLE = Lifecycle(
    name="service",
    states=tuple(S.values),
    transitions=(
        Transition("go_live", frozenset({S.PLANNED}), S.LIVE, "Go live", may=service_may_run),
        Transition("retire", frozenset({S.LIVE}), S.RETIRED, "Retire", may=service_may_run),
    ),
)


# --- Which services take tickets ---------------------------------------------------------
# A live service takes new incidents and requests from everyone. A planned one is still in
# design or transition: requesters neither see it nor report on it, and its catalog items are
# ordered once it goes live, but staff may log what its pilot users and testers meet (early
# life support). A retired service no longer runs: no new ticket is logged against it and no
# ticket is moved onto it; the tickets it has keep it and are worked to the end.
INCIDENT_SERVICE_STATES = frozenset({S.LIVE})
STAFF_INCIDENT_SERVICE_STATES = frozenset({S.PLANNED, S.LIVE})
REQUEST_SERVICE_STATES = frozenset({S.LIVE})


def service_states_for_incidents(*, staff: bool) -> frozenset:
    """The service states a new incident (or one moved to another service) may name: staff
    also log incidents on planned services."""
    return STAFF_INCIDENT_SERVICE_STATES if staff else INCIDENT_SERVICE_STATES


def service_incident_refusal(service, actor, *, move: bool = False) -> str:
    """Why `actor` may not log an incident against `service` (`move`: nor move one onto it),
    as a sentence for the service field; '' when they may. No service is always allowed: the
    desk routes the ticket. The one rule of incident_open, incident_update and the pickers
    (queries.services_taking_incidents)."""
    if service is None or service.status in service_states_for_incidents(
        staff=is_staff_member(actor)
    ):
        return ""
    if service.status == S.RETIRED:
        what = "no incident can be moved onto it" if move else "it takes no new incidents"
        return f"This service is retired: {what}. Choose another service."
    return "Choose a live service."


def service_request_refusal(service) -> str:
    """Why no request may be submitted for an item of `service`, as a sentence for the
    catalog_item field; '' when it may (request_actions.request_submit)."""
    if service.status in REQUEST_SERVICE_STATES:
        return ""
    if service.status == S.RETIRED:
        return "This item's service is retired: it takes no new requests."
    return "Choose an item of a live service."


# --- Incidents -------------------------------------------------------------------------

OPEN = frozenset({I.NEW, I.ASSIGNED, I.IN_PROGRESS, I.ON_HOLD})


def _agent(incident, actor) -> bool:
    return works_tickets(actor)


def _agent_or_own_requester(incident, actor) -> bool:
    return works_tickets(actor) or (
        actor is not None and actor.is_authenticated and incident.requester_id == actor.pk
    )


def _mark_responded(incident, actor) -> None:
    """The first response (an agent assigns, starts, holds or resolves): given after its due
    time, it breaches the response target at once (the minute scan flags only tickets still
    unanswered)."""
    if incident.first_responded_at is None:
        incident.first_responded_at = timezone.now()
        sla.breaches_mark(incident, at=incident.first_responded_at, actor=actor, resolution=False)
    sla.business_minutes_stamp(incident)


def _guard_assign(incident, actor, data) -> dict:
    team = data.get("team", incident.team)
    assignee = data.get("assignee", incident.assignee)
    if not team and not assignee:
        return {"team": ["Assign to a team or an assignee."]}
    return {}


def _effect_assign(incident, actor, data) -> None:
    if "team" in data:
        incident.team = data["team"]
    if "assignee" in data:
        incident.assignee = data["assignee"]
    _mark_responded(incident, actor)


def _effect_start(incident, actor, data) -> None:
    # Whoever starts the work owns it unless someone is already assigned.
    if incident.assignee_id is None:
        incident.assignee = actor
    _mark_responded(incident, actor)


def _guard_resolve(incident, actor, data) -> dict:
    missing = {}
    code = data.get("resolution_code") or ""
    if code not in ResolutionCode.values:
        missing["resolution_code"] = [
            "Choose a resolution code: " + ", ".join(ResolutionCode.values) + "."
        ]
    if not str(data.get("resolution_note") or "").strip():
        missing["resolution_note"] = ["Describe how the incident was resolved."]
    return missing


def _effect_resolve(incident, actor, data) -> None:
    incident.resolution_code = data["resolution_code"]
    incident.resolution_note = str(data["resolution_note"]).strip()
    incident.resolved_at = timezone.now()
    _mark_responded(incident, actor)
    # The clock stops at resolution; a reopen continues it from here.
    sla.breaches_mark(incident, at=incident.resolved_at, actor=actor)
    sla.pause_start(incident, at=incident.resolved_at, reason=PauseReason.RESOLVED)
    from servicedesk.surveys import survey_ensure  # surveys imports models only

    survey_ensure(incident)


def _effect_hold(incident, actor, data) -> None:
    _mark_responded(incident, actor)
    now = timezone.now()
    sla.breaches_mark(incident, at=now, actor=actor)
    sla.pause_start(incident, at=now, reason=PauseReason.ON_HOLD)


def _effect_resume(incident, actor, data) -> None:
    # The resolution due time moves later by the business time spent on hold.
    sla.pause_end(incident, at=timezone.now())


def _effect_reopen(incident, actor, data) -> None:
    incident.resolved_at = None
    incident.resolution_business_minutes = None
    sla.pause_end(incident, at=timezone.now())


def _effect_close(incident, actor, data) -> None:
    incident.closed_at = timezone.now()


def _effect_cancel(incident, actor, data) -> None:
    incident.closed_at = timezone.now()
    if incident.resolution_due is not None and incident.sla_paused_since is None:
        incident.sla_paused_since = incident.closed_at  # the clock ends here


INCIDENT_LIFECYCLE = Lifecycle(
    name="incident",
    states=tuple(I.values),
    transitions=(
        Transition(
            "assign",
            frozenset({I.NEW}),
            I.ASSIGNED,
            "Assign",
            may=_agent,
            guard=_guard_assign,
            effect=_effect_assign,
        ),
        Transition(
            "start",
            frozenset({I.NEW, I.ASSIGNED}),
            I.IN_PROGRESS,
            "Start work",
            may=_agent,
            effect=_effect_start,
        ),
        Transition(
            "hold",
            frozenset({I.IN_PROGRESS}),
            I.ON_HOLD,
            "Put on hold",
            may=_agent,
            effect=_effect_hold,
        ),
        Transition(
            "resume",
            frozenset({I.ON_HOLD}),
            I.IN_PROGRESS,
            "Resume",
            may=_agent,
            effect=_effect_resume,
        ),
        Transition(
            "resolve",
            frozenset({I.IN_PROGRESS, I.ON_HOLD}),
            I.RESOLVED,
            "Resolve",
            may=_agent,
            guard=_guard_resolve,
            effect=_effect_resolve,
        ),
        Transition(
            "close", frozenset({I.RESOLVED}), I.CLOSED, "Close", may=_agent, effect=_effect_close
        ),
        Transition(
            "reopen",
            frozenset({I.RESOLVED}),
            I.IN_PROGRESS,
            "Reopen",
            may=_agent_or_own_requester,
            effect=_effect_reopen,
        ),
        Transition(
            "cancel",
            OPEN,
            I.CANCELLED,
            "Cancel",
            may=_agent_or_own_requester,
            effect=_effect_cancel,
        ),
    ),
)
