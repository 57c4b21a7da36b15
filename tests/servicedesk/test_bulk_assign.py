"""The console's bulk assign says what it did: how many were assigned, which were skipped and
why, and a refusal in plain words."""

import pytest

from core.models import AuditEvent
from servicedesk.models import Incident
from tests.core.factories import TeamFactory
from tests.servicedesk.factories import IncidentFactory

pytestmark = pytest.mark.django_db


def _message(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def test_agent_is_told_which_incidents_were_skipped_and_why(client, people):
    apps = TeamFactory(name="Applications")
    people["agent2"].teams.add(apps)
    closed = IncidentFactory(status="closed")
    cancelled = IncidentFactory(status="cancelled")
    working = [IncidentFactory(status="in_progress"), IncidentFactory(status="in_progress")]
    client.force_login(people["agent"])
    ids = [closed.pk, working[0].pk, cancelled.pk, working[1].pk]

    response = client.post(
        "/desk/bulk-assign/",
        {"ids": ids, "team": apps.pk, "assignee": people["agent2"].pk},
        follow=True,
    )

    assert _message(response) == (
        f"Assigned 2 incidents; 2 skipped: {closed.number} is closed, "
        f"{cancelled.number} is cancelled."
    )
    for incident in working:
        incident.refresh_from_db()
        assert (incident.team, incident.assignee) == (apps, people["agent2"])
    closed.refresh_from_db()
    assert closed.assignee is None
    assert AuditEvent.objects.filter(object_id=str(closed.pk)).count() == 0


def test_nothing_assignable_says_so(client, people):
    closed = IncidentFactory(status="resolved")
    client.force_login(people["agent"])
    response = client.post(
        "/desk/bulk-assign/", {"ids": [closed.pk], "assignee": people["agent2"].pk}, follow=True
    )
    assert _message(response) == f"Assigned no incidents; 1 skipped: {closed.number} is resolved."


def test_neither_team_nor_assignee_is_a_plain_sentence_and_changes_nothing(client, people):
    incident = IncidentFactory()
    client.force_login(people["agent"])
    response = client.post("/desk/bulk-assign/", {"ids": [incident.pk]}, follow=True)
    assert _message(response) == "Choose a team or an assignee to assign the selected incidents to."
    assert "assignee:" not in response.content.decode()
    assert Incident.objects.get(pk=incident.pk).status == "new"
