"""The ticket page's side panel (inline edits via htmx): what a save, a refusal and someone
else's save answer, and what the panels around it show afterwards."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from core.models import AuditEvent
from servicedesk import actions
from servicedesk.lifecycle import INCIDENT_LIFECYCLE
from servicedesk.models import Incident
from servicedesk.sla import builtin_24x7
from tests.servicedesk.factories import ServiceFactory, sla_policy

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def incident(people):
    """P3 (impact 2, urgency 2) on a round-the-clock policy: resolve within 240 minutes; P2
    (urgency 1) within 120."""
    service = ServiceFactory(name="Payroll", sla_policy=sla_policy("24x7", builtin_24x7()))
    return actions.incident_open(
        actor=people["agent"],
        requester=people["requester"],
        title="Payslips missing",
        service=service,
        impact=2,
        urgency=2,
        team=people["team"],
    )


def _panel_post(client, incident, *, version, **fields):
    data = {
        "service": incident.service_id,
        "team": incident.team_id or "",
        "assignee": incident.assignee_id or "",
        "impact": incident.impact,
        "urgency": incident.urgency,
        "category": incident.category,
        "version": version,
        **fields,
    }
    return client.post(f"/desk/incidents/{incident.number}/fields/", data, **HTMX)


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _out_of_band(html: str, element_id: str) -> str:
    """The <div> `element_id` of an htmx answer, whole, which must be marked for an
    out-of-band swap (htmx puts it in place of the page's element with that id)."""
    start = html.rindex("<", 0, html.index(f'id="{element_id}"'))
    tag_end = html.index(">", start)
    assert html.startswith("<div", start) and 'hx-swap-oob="true"' in html[start:tag_end]
    depth = 0
    for tag in re.finditer(r"<(/?)div\b", html[start:]):
        depth += -1 if tag.group(1) else 1
        if depth == 0:
            return html[start : html.index(">", start + tag.end()) + 1]
    raise AssertionError(f"#{element_id} is not closed")


def _buttons(html: str) -> set[str]:
    return set(re.findall(r'data-testid="action-(\w+)"', html))


def _posted_version(html: str) -> int:
    return int(re.search(r'name="version" value="(\d+)"', html).group(1))


def test_a_priority_change_in_the_panel_redraws_the_due_times_and_the_history(
    client, people, incident
):
    client.force_login(people["agent"])
    assert _local(incident.resolution_due) == _local(incident.opened_at + timedelta(minutes=240))

    response = _panel_post(client, incident, version=1, urgency=1)

    html = response.content.decode()
    assert response.status_code == 200 and html.startswith('<form id="fields-panel"')
    incident.refresh_from_db()
    assert (incident.priority, incident.version) == (2, 2)
    assert _posted_version(html) == 2
    sla_panel = _out_of_band(html, "sla-panel")
    assert _local(incident.opened_at + timedelta(minutes=120)) in sla_panel
    assert _local(incident.opened_at + timedelta(minutes=240)) not in sla_panel
    history = _out_of_band(html, "history-panel")
    assert "changed" in history and "urgency 2 - Medium → 1 - High" in history
    assert "priority 3 - Moderate → 2 - High" in history


def test_a_refused_value_answers_the_panel_as_typed_without_redrawing_the_rest(
    client, people, incident
):
    client.force_login(people["agent"])
    response = _panel_post(client, incident, version=1, team=999_999)
    html = response.content.decode()
    assert response.status_code == 400 and "Select a valid choice." in html
    assert 'id="sla-panel"' not in html and 'id="history-panel"' not in html
    assert 'id="incident-head"' not in html and 'id="comment-slot"' not in html


def test_after_someone_else_saved_the_panel_shows_their_values_and_the_next_change_saves(
    client, people, incident
):
    """Two agents on one ticket: the second one's change, based on the version they opened,
    is a 412 that shows the panel as stored now (the first agent's urgency, the current
    version) with a message; their next change is based on that and saves."""
    client.force_login(people["agent2"])
    assert _panel_post(client, incident, version=1, urgency=1).status_code == 200
    client.force_login(people["agent"])

    stale = _panel_post(client, incident, version=1, impact=3)

    html = stale.content.decode()
    assert stale.status_code == 412
    assert "changed by someone else (it is now version 2)" in html
    assert _posted_version(html) == 2
    assert re.search(r'<option value="1" selected>1 - High</option>', html)  # their urgency
    assert "urgency 2 - Medium → 1 - High" in _out_of_band(html, "history-panel")
    incident.refresh_from_db()
    assert (incident.impact, incident.urgency, incident.version) == (2, 1, 2)

    again = _panel_post(client, incident, version=_posted_version(html), impact=3)

    assert again.status_code == 200
    incident.refresh_from_db()
    assert (incident.impact, incident.urgency, incident.version) == (3, 1, 3)
    assert AuditEvent.objects.filter(action="incident.updated").count() == 2


def test_without_javascript_a_stale_panel_shows_the_ticket_as_stored_now(client, people, incident):
    client.force_login(people["agent"])
    Incident.objects.filter(pk=incident.pk).update(version=5, urgency=1)
    data = {"service": incident.service_id, "team": incident.team_id, "impact": 2}
    response = client.post(
        f"/desk/incidents/{incident.number}/fields/",
        {**data, "urgency": 3, "category": "other", "version": 1},
    )
    html = response.content.decode()
    assert response.status_code == 412 and "<html" in html
    assert "changed by someone else" in html and _posted_version(html) == 5


def _moved_by_someone_else(incident, agent, moves):
    for action in moves:
        data = {"resolution_code": "fixed", "resolution_note": "Rebuilt."}
        actions.incident_transition(
            incident=incident, action=action, actor=agent, data=data if action == "resolve" else {}
        )


@pytest.mark.parametrize(
    ("moves", "status", "buttons", "resolve", "reply", "survey"),
    [
        (["start"], "In progress", {"hold", "cancel"}, True, True, False),
        (["start", "resolve"], "Resolved", {"close", "reopen"}, False, True, True),
        (["cancel"], "Cancelled", set(), False, False, False),
    ],
)
def test_a_stale_panel_answer_redraws_the_moves_and_forms_of_the_state_the_ticket_is_in_now(
    client, people, incident, moves, status, buttons, resolve, reply, survey
):
    """The agent's page shows a new incident (Assign, Start work, Cancel); meanwhile a colleague
    moved it on and renamed it. The agent's next panel change is a 412 whose answer redraws,
    out of band, the heading as stored and the buttons of the state it is in now (a stale
    button would answer 409), the resolve and reply forms only while that state takes them,
    and the survey once it was resolved."""
    client.force_login(people["agent"])
    page = client.get(f"/desk/incidents/{incident.number}/").content.decode()
    assert _buttons(page) == {"assign", "start", "cancel"}
    _moved_by_someone_else(incident, people["agent2"], moves)
    if incident.status != "cancelled":
        actions.incident_update(
            incident=incident,
            actor=people["agent2"],
            expected_version=Incident.objects.get(pk=incident.pk).version,
            changes={"title": "Payslips missing for March"},
        )
    incident.refresh_from_db()

    stale = _panel_post(client, incident, version=1, urgency=1)

    html = stale.content.decode()
    assert stale.status_code == 412 and _posted_version(html) == incident.version
    assert re.search(rf'data-testid="status">{status}<', html)
    head = _out_of_band(html, "incident-head")
    assert f"{incident.number} · {incident.title}" in head
    assert _buttons(head) == buttons
    resolve_slot = _out_of_band(html, "resolve-slot")
    assert ('data-testid="resolve-panel"' in resolve_slot) is resolve
    assert ('data-testid="action-resolve"' in resolve_slot) is resolve
    assert ('id="comment-form"' in _out_of_band(html, "comment-slot")) is reply
    assert ('data-testid="survey-panel"' in _out_of_band(html, "survey-slot")) is survey
    # The page's other elements are replaced as a whole: the answer holds each id once.
    for element_id in ("incident-head", "resolve-slot", "comment-slot", "survey-slot"):
        assert html.count(f'id="{element_id}"') == 1
    # What the redrawn buttons offer is what the lifecycle allows the agent now.
    assert _buttons(head) | ({"resolve"} if resolve else set()) == {
        t.action for t in INCIDENT_LIFECYCLE.allowed_for(incident, people["agent"])
    }


def test_a_page_redrawn_after_a_412_is_the_page_a_reload_would_show(client, people, incident):
    """After the 412 the heading, buttons and forms are those of the ticket page as stored, and
    the next change, based on the version the answer carries, saves and keeps them."""
    client.force_login(people["agent"])
    _moved_by_someone_else(incident, people["agent2"], ["start", "hold"])
    incident.refresh_from_db()
    stale = _panel_post(client, incident, version=1, impact=3).content.decode()
    page = client.get(f"/desk/incidents/{incident.number}/").content.decode()
    for element_id in ("incident-head", "resolve-slot", "comment-slot"):
        redrawn = _out_of_band(stale, element_id).replace(' hx-swap-oob="true"', "", 1)
        assert _csrf_free(redrawn) in _csrf_free(page)

    saved = _panel_post(client, incident, version=_posted_version(stale), impact=3)

    assert saved.status_code == 200
    assert _buttons(_out_of_band(saved.content.decode(), "incident-head")) == {"resume", "cancel"}
    incident.refresh_from_db()
    assert (incident.impact, incident.status) == (3, "on_hold")


def _csrf_free(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
