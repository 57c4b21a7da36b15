"""The ticket page's side panel (inline edits via htmx): what a save, a refusal and someone
else's save answer, and what the panels around it show afterwards."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from core.models import AuditEvent
from servicedesk import actions
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
    """The panel `element_id` of an htmx answer, which must be marked for an out-of-band
    swap (htmx puts it in place of the page's element with that id)."""
    start = html.index(f'id="{element_id}"')
    tag_end = html.index(">", start)
    assert 'hx-swap-oob="true"' in html[start:tag_end]
    end = html.find('<div class="panel"', tag_end)
    return html[start : end if end != -1 else None]


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
