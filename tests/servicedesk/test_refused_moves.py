"""A lifecycle button the incident's status refuses: the ticket page comes back with the
reason, the moves allowed now and the refusal's status (409, 400), and nothing is written."""

import pytest

from core.models import AuditEvent
from servicedesk.models import Incident
from tests.servicedesk.factories import IncidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(people):
    return IncidentFactory(requester=people["requester"], team=people["team"], title="Disk full")


def _snapshot(incident):
    fresh = Incident.objects.get(pk=incident.pk)
    return fresh.status, fresh.version, AuditEvent.objects.count()


def test_agent_move_the_status_refuses_is_409_with_allowed_moves(client, people, incident):
    before = _snapshot(incident)
    client.force_login(people["agent"])
    response = client.post(f"/incidents/{incident.number}/transition/", {"action": "close"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "Allowed now:" in html and "start" in html  # the reason and what may be done
    assert "Disk full" in html  # the ticket page, not a bare error
    assert _snapshot(incident) == before


def test_unknown_move_is_refused_and_changes_nothing(client, people, incident):
    before = _snapshot(incident)
    client.force_login(people["agent"])
    response = client.post(f"/incidents/{incident.number}/transition/", {"action": "explode"})
    assert response.status_code == 409
    assert _snapshot(incident) == before


def test_resolve_without_code_is_400_with_the_form_open_and_the_note_kept(client, people, incident):
    client.force_login(people["agent"])
    client.post(f"/incidents/{incident.number}/transition/", {"action": "start"})
    before = _snapshot(incident)
    response = client.post(
        f"/incidents/{incident.number}/transition/",
        {"action": "resolve", "resolution_code": "", "resolution_note": "Cleared the temp dir"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="resolve-panel" open' in html
    assert "Cleared the temp dir" in html  # the note as typed
    assert _snapshot(incident) == before


def test_requester_refused_move_shows_the_portal_page_without_internal_detail(
    client, people, incident
):
    before = _snapshot(incident)
    client.force_login(people["requester"])
    response = client.post(f"/incidents/{incident.number}/transition/", {"action": "reopen"})
    assert response.status_code in (403, 409)
    html = response.content.decode()
    assert "Disk full" in html and 'data-testid="resolve-panel"' not in html
    assert _snapshot(incident) == before


def test_allowed_move_still_redirects(client, people, incident):
    client.force_login(people["agent"])
    response = client.post(f"/incidents/{incident.number}/transition/", {"action": "start"})
    assert response.status_code == 302
    assert Incident.objects.get(pk=incident.pk).status == "in_progress"
