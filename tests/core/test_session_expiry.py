"""A session that ends while a page is open: what the page sends next (a reply, a side
panel change) leads to the login page and back to that page, saying it was not saved."""

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from core.session_expiry import NOT_SAVED, UNSENT
from servicedesk import actions
from servicedesk.models import IncidentComment
from tests.core.factories import AgentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident():
    agent = AgentFactory(username="alex")
    return actions.incident_open(actor=agent, requester=UserFactory(), title="Printer jammed")


def _ticket(incident) -> str:
    return f"/desk/incidents/{incident.number}/"


def test_a_reply_sent_after_the_session_ended_goes_to_login_and_back_to_the_ticket(incident):
    client = Client()
    answer = client.post(
        f"/incidents/{incident.number}/comment/",
        {"body": "Tried that already", "author": "alex", "password": "hunter2"},
        HTTP_REFERER=f"http://testserver{_ticket(incident)}?tab=all",
    )
    assert answer.status_code == 302
    back = f"%2Fdesk%2Fincidents%2F{incident.number}%2F%3Ftab%3Dall"
    assert answer["Location"] == f"/login/?next={back}"
    assert [str(m) for m in get_messages(answer.wsgi_request)] == [NOT_SAVED]
    assert not IncidentComment.objects.exists()
    # Only the reply's own fields are kept, never anything else posted with them.
    kept = client.session[UNSENT]
    assert kept["fields"] == {"body": "Tried that already"} and kept["author"] == "alex"

    # Logging in there comes back to the ticket page (not to the POST-only reply URL: a 405).
    page = client.post(answer["Location"], {"username": "alex", "password": "demo"})
    assert page.status_code == 302
    assert page["Location"] == f"{_ticket(incident)}?tab=all"
    # The reply box offers the reply typed (once), and sending it then saves it.
    shown = client.get(page["Location"])
    assert shown.status_code == 200
    assert b">Tried that already</textarea>" in shown.content
    assert b"Tried that already" not in client.get(page["Location"]).content
    client.post(f"/incidents/{incident.number}/comment/", {"body": "Tried that already"})
    assert IncidentComment.objects.get().body == "Tried that already"


def test_a_side_panel_change_after_the_session_ended_sends_the_browser_to_login(incident):
    answer = Client().post(
        f"/desk/incidents/{incident.number}/fields/",
        {"urgency": "1"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL=f"http://testserver{_ticket(incident)}",
    )
    # htmx follows HX-Redirect with a page visit; nothing is drawn in the panel.
    assert answer.status_code == 200
    assert answer.content == b""
    assert answer["HX-Redirect"] == f"/login/?next=%2Fdesk%2Fincidents%2F{incident.number}%2F"
    incident.refresh_from_db()
    assert incident.urgency != 1


@pytest.mark.parametrize(
    "came_from", ["https://evil.example/desk/", "//evil.example/x", "", "javascript:alert(1)"]
)
def test_a_page_elsewhere_is_never_the_way_back(incident, came_from):
    answer = Client().post(
        f"/incidents/{incident.number}/comment/", {"body": "x"}, HTTP_REFERER=came_from
    )
    assert answer.status_code == 302
    assert answer["Location"] == "/login/"


def test_pages_and_signed_in_people_are_left_as_they_were(incident):
    # Opening a page without a session keeps login_required's own `next` (the page itself).
    answer = Client().get(_ticket(incident))
    assert answer["Location"] == f"/login/?next={_ticket(incident)}"
    # A signed-in person's own redirects are untouched (a reply lands on the ticket page).
    client = Client()
    client.force_login(incident.requester.__class__.objects.get(username="alex"))
    sent = client.post(f"/incidents/{incident.number}/comment/", {"body": "On it"})
    assert sent.status_code == 302
    assert "/login/" not in sent["Location"]
    assert IncidentComment.objects.count() == 1


def _expired_reply(client, incident, author="alex"):
    client.post(
        f"/incidents/{incident.number}/comment/",
        {"body": "Internal: vendor ticket 4711", "internal": "on", "author": author},
        HTTP_REFERER=f"http://testserver{_ticket(incident)}",
    )


def test_someone_else_logging_in_on_that_browser_never_sees_the_reply(incident):
    AgentFactory(username="bo")
    client = Client()
    _expired_reply(client, incident)
    client.post("/login/", {"username": "bo", "password": "demo"})
    page = client.get(_ticket(incident))
    assert page.status_code == 200
    assert b"vendor ticket 4711" not in page.content
    assert UNSENT not in client.session  # and it is gone, not waiting for alex


def test_a_reply_kept_over_an_hour_ago_is_not_offered(incident, monkeypatch):
    import core.session_expiry as expiry

    client = Client()
    _expired_reply(client, incident)
    client.post("/login/", {"username": "alex", "password": "demo"})
    later = expiry.time.time() + expiry.KEPT_SECONDS + 1
    monkeypatch.setattr(expiry.time, "time", lambda: later)
    assert b"vendor ticket 4711" not in client.get(_ticket(incident)).content


def test_logging_out_says_nothing_about_unsaved_work(incident):
    client = Client()
    client.force_login(AgentFactory(username="bo"))
    out = client.post("/logout/", HTTP_REFERER=f"http://testserver{_ticket(incident)}")
    assert out.status_code == 302
    assert out["Location"] == "/login/"
    assert [str(m) for m in get_messages(out.wsgi_request)] == []
