"""A survey answer refused for its comment says so beside the comment and keeps what was
typed, on the page it was sent from; the API names `comment`. Nothing is answered."""

import re

import pytest

from servicedesk import actions
from tests.conftest import assert_status
from tests.servicedesk.factories import IncidentFactory

pytestmark = pytest.mark.django_db
TOO_LONG = ("Slow at first, then great. " * 190).strip()  # 5,129 characters


@pytest.fixture
def incident(people):
    incident = IncidentFactory(
        requester=people["requester"], team=people["team"], title="Printer jams"
    )
    agent = people["agent"]
    incident = actions.incident_transition(incident=incident, action="start", actor=agent)
    return actions.incident_transition(
        incident=incident,
        action="resolve",
        actor=agent,
        data={"resolution_code": "fixed", "resolution_note": "Replaced the toner."},
    )


def _unanswered(incident) -> bool:
    incident.survey.refresh_from_db()
    return incident.survey.answered_at is None and incident.survey.rating is None


def _assert_kept(page: str) -> None:
    assert "Choose a rating" not in page
    assert re.search(r"At most 5,000 characters[^<]*5,129", page)
    assert re.search(r'value="5"[^>]*checked|checked[^>]*value="5"', page)
    assert f">{TOO_LONG}</textarea>" in page


def test_requester_with_a_too_long_comment_stays_on_the_ticket_with_rating_and_text(
    people, incident, client
):
    client.force_login(people["requester"])
    response = client.post(
        f"/survey/{incident.survey.token}/",
        {"rating": "5", "comment": TOO_LONG, "next": "portal"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Printer jams" in page and "Replaced the toner." in page  # the incident page
    assert 'data-testid="survey-form"' in page
    _assert_kept(page)
    assert _unanswered(incident)


def test_the_emailed_link_shows_the_comment_error_and_keeps_the_answer(incident, client):
    response = client.post(
        f"/survey/{incident.survey.token}/", {"rating": "5", "comment": TOO_LONG}
    )
    assert response.status_code == 400
    _assert_kept(response.content.decode())
    assert _unanswered(incident)


def test_line_breaks_count_once_as_the_browser_counts_them(people, incident, client):
    typed = "x" * 4000 + "\r\n" * 600  # 4,600 in the text box, 5,200 as sent
    client.force_login(people["requester"])
    response = client.post(
        f"/survey/{incident.survey.token}/", {"rating": "4", "comment": typed, "next": "portal"}
    )
    assert response.status_code == 302
    incident.survey.refresh_from_db()
    assert incident.survey.rating == 4 and incident.survey.comment == "x" * 4000


def test_api_names_comment_when_it_is_too_long(people, incident):
    body = assert_status(
        people["requester"],
        "post",
        f"/api/v1/incidents/{incident.pk}/survey/",
        400,
        {"rating": 5, "comment": TOO_LONG},
    ).json()
    assert list(body["fields"]) == ["comment"]
    assert _unanswered(incident)
