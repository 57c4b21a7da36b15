"""In Chromium: the session ends while an agent has a ticket open (expired, or logged out in
another tab). The next side panel change or reply leads to the login page saying it was not
saved, and logging in returns to the ticket, the reply typed still in its box."""

import pytest
from playwright.sync_api import expect

from core.session_expiry import NOT_SAVED
from servicedesk import actions
from servicedesk.models import Incident, IncidentComment
from tests.browser.conftest import login, screenshot
from tests.core.factories import AgentFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def incident():
    agent = AgentFactory(username="agent")
    return actions.incident_open(
        actor=agent, requester=UserFactory(), title="Scanner offline", impact=3, urgency=3
    )


def _log_back_in(page):
    page.fill("#id_username", "agent")
    page.fill("#id_password", "demo")
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def _session_ends(page):
    """As when it expires: the session cookie goes, the CSRF cookie stays (it lasts a year)."""
    page.context.clear_cookies(name="sessionid")


def test_a_side_panel_change_after_the_session_ended(page, incident):
    login(page, "agent")
    ticket = f"/desk/incidents/{incident.number}/"
    page.goto(ticket)
    page.wait_for_load_state("networkidle")
    _session_ends(page)

    with page.expect_navigation(url="**/login/**"):
        page.select_option("#id_urgency", "1")
    page.wait_for_load_state("networkidle")
    # The login page itself, not drawn inside the panel, saying the change was not saved.
    expect(page.locator("#id_username")).to_have_count(1)
    expect(page.locator(".messages")).to_contain_text(NOT_SAVED)
    assert Incident.objects.get().urgency == 3

    _log_back_in(page)
    assert page.url.endswith(ticket)
    expect(page.locator("#id_urgency")).to_have_value("3")
    assert page.js_errors == []


def test_a_reply_sent_after_the_session_ended_is_kept_for_after_login(page, incident):
    login(page, "agent")
    ticket = f"/desk/incidents/{incident.number}/"
    page.goto(ticket)
    page.wait_for_load_state("networkidle")
    page.fill("#id_body", "Power-cycled it <twice>; still offline.")
    _session_ends(page)

    page.click("#comment-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/login/" in page.url
    expect(page.locator(".messages")).to_contain_text(NOT_SAVED)
    screenshot(page, "session-ended-login")
    assert not IncidentComment.objects.exists()

    _log_back_in(page)
    assert page.url.endswith(ticket)  # not the reply's POST-only URL (405)
    expect(page.locator("#id_body")).to_have_value("Power-cycled it <twice>; still offline.")
    screenshot(page, "session-ended-reply-kept")
    page.click("#comment-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert IncidentComment.objects.get().body == "Power-cycled it <twice>; still offline."
    assert page.js_errors == []
