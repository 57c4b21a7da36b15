"""Requester answers the CSAT survey in the portal → the agent sees the rating on the ticket."""

import pytest
from django.core.management import call_command

from core.models import User
from servicedesk import actions
from servicedesk.models import Service
from tests.browser.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def resolved_incident(transactional_db):
    call_command("seed_demo")
    agent = User.objects.get(username="agent")
    incident = actions.incident_open(
        actor=User.objects.get(username="requester"),
        title="Printer on 2nd floor jams every page",
        service=Service.objects.get(name="Laptops"),
    )
    incident = actions.incident_transition(incident=incident, action="start", actor=agent)
    return actions.incident_transition(
        incident=incident,
        action="resolve",
        actor=agent,
        data={"resolution_code": "fixed", "resolution_note": "Replaced the fuser unit."},
    )


def test_requester_rates_the_ticket_and_the_agent_sees_it(browser, live_server, resolved_incident):
    number = resolved_incident.number
    requester = browser.new_context(
        base_url=live_server.url, viewport={"width": 1366, "height": 900}
    ).new_page()
    login(requester, "requester")
    requester.goto(f"/portal/incidents/{number}/")
    form = requester.get_by_test_id("survey-form")
    assert form.is_visible()
    screenshot(requester, "portal-survey")
    requester.check("[data-testid=rating-4]")
    requester.fill("#id_survey_comment", "Fixed the same day, thanks.")
    requester.click("[data-testid=survey-submit]")
    requester.wait_for_load_state("networkidle")
    answer = requester.get_by_test_id("survey-answer")
    assert "4/5" in answer.inner_text()
    assert requester.get_by_test_id("survey-form").count() == 0
    screenshot(requester, "portal-survey-answered")

    agent = browser.new_context(
        base_url=live_server.url, viewport={"width": 1366, "height": 900}
    ).new_page()
    login(agent, "agent")
    agent.goto(f"/desk/incidents/{number}/")
    panel = agent.get_by_test_id("survey-panel")
    assert "4/5" in panel.inner_text() and "Fixed the same day" in panel.inner_text()
    assert agent.get_by_test_id("sla-panel").is_visible()
    screenshot(agent, "agent-ticket-rating")
