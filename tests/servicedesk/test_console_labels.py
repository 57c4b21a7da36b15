"""Every control of the console and ticket pages has a label, and every id is used once."""

import re

import pytest

from tests.conftest import browser_for
from tests.servicedesk.factories import IncidentFactory

pytestmark = pytest.mark.django_db


def _ids(html: str) -> list[str]:
    return re.findall(r'\sid="([^"]+)"', html)


def _labelled(html: str, control_id: str) -> bool:
    return f'<label for="{control_id}"' in html


def test_the_bulk_assign_selects_are_labelled_and_do_not_reuse_the_filters_ids(client, people):
    IncidentFactory(team=people["team"])
    client.force_login(people["agent"])
    html = client.get("/desk/?view=all").content.decode()
    ids = _ids(html)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    for control in ("bulk_team", "bulk_assignee", "id_team"):
        assert control in ids and _labelled(html, control), control
    assert re.search(r'<select name="team"[^>]*id="bulk_team"', html)
    assert re.search(r'<select name="assignee"[^>]*id="bulk_assignee"', html)


@pytest.mark.parametrize(
    ("who", "url"),
    [("agent", "/desk/incidents/{number}/"), ("requester", "/portal/incidents/{number}/")],
)
def test_the_reply_file_input_is_labelled(client, people, who, url):
    incident = IncidentFactory(requester=people["requester"], team=people["team"])
    client.force_login(people[who])
    html = client.get(url.format(number=incident.number)).content.decode()
    assert '<input type="file" name="attachment" id="id_attachment"' in html
    assert _labelled(html, "id_attachment")
    ids = _ids(html)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


def test_a_requester_at_the_agent_console_gets_the_403_page_with_a_way_back(people):
    """A refusal is a page in the layout with the reason, not bare text."""
    response = browser_for(people["requester"]).get("/desk/")
    html = response.content.decode()
    assert response.status_code == 403
    assert "The agent console is for service desk staff." in html
    assert "<nav" in html and 'href="/portal/"' in html
