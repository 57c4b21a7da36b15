"""Every (state, action) pair of the incident table, plus guards and side effects."""

import pytest

from core.exceptions import GuardFailed, InvalidTransition, NotAllowed
from servicedesk.actions import incident_transition
from servicedesk.choices import IncidentStatus
from servicedesk.lifecycle import INCIDENT_LIFECYCLE
from tests.servicedesk.factories import IncidentFactory

pytestmark = pytest.mark.django_db

# The expected table, written out independently of the implementation.
EXPECTED = {
    "new": {"assign": "assigned", "start": "in_progress", "cancel": "cancelled"},
    "assigned": {"start": "in_progress", "cancel": "cancelled"},
    "in_progress": {"hold": "on_hold", "resolve": "resolved", "cancel": "cancelled"},
    "on_hold": {"resume": "in_progress", "resolve": "resolved", "cancel": "cancelled"},
    "resolved": {"close": "closed", "reopen": "in_progress"},
    "closed": {},
    "cancelled": {},
}
ACTIONS = ["assign", "start", "hold", "resume", "resolve", "close", "reopen", "cancel"]
GUARD_DATA = {"resolution_code": "fixed", "resolution_note": "Replaced the cable."}


@pytest.mark.parametrize("state", list(EXPECTED))
@pytest.mark.parametrize("action", ACTIONS)
def test_every_state_action_pair_follows_the_table(people, state, action):
    incident = IncidentFactory(status=state, team=people["team"])
    target = EXPECTED[state].get(action)
    if target is None:
        with pytest.raises(InvalidTransition) as info:
            incident_transition(
                incident=incident, action=action, actor=people["agent"], data=GUARD_DATA
            )
        assert sorted(info.value.allowed) == sorted(EXPECTED[state])
        incident.refresh_from_db()
        assert incident.status == state
    else:
        moved = incident_transition(
            incident=incident, action=action, actor=people["agent"], data=GUARD_DATA
        )
        assert moved.status == target
        assert moved.version == incident.version + 1


def test_table_matches_the_documented_lifecycle():
    for state, moves in EXPECTED.items():
        assert sorted(INCIDENT_LIFECYCLE.actions_from(state)) == sorted(moves)
    assert set(INCIDENT_LIFECYCLE.states) == set(IncidentStatus.values)


def test_agent_cannot_resolve_without_resolution_code_and_note(people):
    incident = IncidentFactory(status="in_progress")
    with pytest.raises(GuardFailed) as info:
        incident_transition(incident=incident, action="resolve", actor=people["agent"], data={})
    assert set(info.value.fields) == {"resolution_code", "resolution_note"}
    incident.refresh_from_db()
    assert incident.status == "in_progress" and incident.resolved_at is None


def test_assign_needs_a_team_or_an_assignee(people):
    incident = IncidentFactory(status="new", team=None, assignee=None)
    with pytest.raises(GuardFailed):
        incident_transition(incident=incident, action="assign", actor=people["agent"], data={})
    moved = incident_transition(
        incident=incident,
        action="assign",
        actor=people["agent"],
        data={"assignee": people["agent2"]},
    )
    assert moved.assignee == people["agent2"]


def test_first_move_out_of_new_sets_first_response_once(people):
    incident = IncidentFactory(status="new", team=people["team"])
    moved = incident_transition(incident=incident, action="start", actor=people["agent"])
    first = moved.first_responded_at
    assert first is not None and moved.assignee == people["agent"]
    moved = incident_transition(incident=moved, action="hold", actor=people["agent"])
    assert moved.first_responded_at == first


def test_requester_may_reopen_and_cancel_only_their_own(people):
    own = IncidentFactory(status="resolved", requester=people["requester"])
    assert (
        incident_transition(incident=own, action="reopen", actor=people["requester"]).status
        == "in_progress"
    )
    other = IncidentFactory(status="new", requester=people["requester_same_org"])
    with pytest.raises(NotAllowed):
        incident_transition(incident=other, action="cancel", actor=people["requester"])
    with pytest.raises(NotAllowed):
        incident_transition(incident=own, action="hold", actor=people["requester"])


def test_reopen_clears_resolution_time_and_close_stamps_closed_at(people):
    incident = IncidentFactory(status="in_progress")
    resolved = incident_transition(
        incident=incident, action="resolve", actor=people["agent"], data=GUARD_DATA
    )
    assert resolved.resolved_at is not None and resolved.resolution_code == "fixed"
    reopened = incident_transition(incident=resolved, action="reopen", actor=people["agent"])
    assert reopened.resolved_at is None
    again = incident_transition(
        incident=reopened, action="resolve", actor=people["agent"], data=GUARD_DATA
    )
    closed = incident_transition(incident=again, action="close", actor=people["agent"])
    assert closed.closed_at is not None and closed.status == "closed"
