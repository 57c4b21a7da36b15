"""Requester reports in the portal → agent works it in the console → requester sees the outcome."""

import pytest
from django.core.management import call_command

from tests.browser.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo")


def test_requester_reports_agent_resolves_requester_sees_public_reply_only(
    browser, live_server, demo
):
    requester = browser.new_context(base_url=live_server.url).new_page()
    login(requester, "requester")
    requester.click("[data-testid=report]")
    requester.select_option("#id_service", label="VPN")
    requester.fill("#id_title", "VPN refuses my password")
    requester.fill("#id_description", "Error **691** since this morning")
    requester.select_option("#id_urgency", "1")
    requester.click("[data-testid=submit-report]")
    requester.wait_for_load_state("networkidle")
    number = requester.locator("h1").inner_text().split(" ")[0]
    assert number.startswith("INC")
    screenshot(requester, "portal-ticket-new")

    agent = browser.new_context(
        base_url=live_server.url, viewport={"width": 1366, "height": 900}
    ).new_page()
    login(agent, "agent")
    agent.click("[data-testid=view-all]")
    agent.fill("#id_q", number)
    agent.wait_for_selector(f"#queue-rows >> text={number}")
    screenshot(agent, "agent-console")
    agent.click(f"#queue-rows >> text={number}")
    agent.wait_for_load_state("networkidle")
    agent.click("[data-testid=action-start]")
    agent.wait_for_load_state("networkidle")
    assert agent.get_by_test_id("status").inner_text() == "In progress"

    agent.fill("#id_body", "Checked RADIUS logs: account locked by policy.")
    agent.check("#id_internal")
    agent.click("[data-testid=send-comment]")
    agent.wait_for_load_state("networkidle")
    agent.fill("#id_body", "We unlocked your account; please try again.")
    agent.click("[data-testid=send-comment]")
    agent.wait_for_load_state("networkidle")

    agent.click("[data-testid=resolve-panel] summary")
    agent.select_option("#id_resolution_code", "config_change")
    agent.fill("#id_resolution_note", "Account unlocked and lockout threshold explained.")
    agent.click("[data-testid=resolve-panel] [data-testid=action-resolve]")
    agent.wait_for_load_state("networkidle")
    assert agent.get_by_test_id("status").inner_text() == "Resolved"
    screenshot(agent, "agent-ticket")

    requester.reload()
    page_text = requester.inner_text("main")
    assert "We unlocked your account" in page_text
    assert "Account unlocked and lockout threshold explained." in page_text
    assert "RADIUS" not in page_text
    assert requester.get_by_test_id("status").inner_text() == "Resolved"
    assert requester.get_by_test_id("action-reopen").is_visible()
    screenshot(requester, "portal-ticket-resolved")


def test_console_filter_updates_rows_without_full_reload(page, demo):
    login(page, "agent")
    page.click("[data-testid=view-all]")
    page.evaluate("window.__marker = 1")
    page.select_option("#id_priority", "1")
    page.wait_for_load_state("networkidle")
    assert page.evaluate("window.__marker") == 1  # htmx swapped the rows, the page stayed
    badges = page.locator("#queue-rows .badge.p1").count()
    rows = page.locator("#queue-rows tbody tr").count()
    assert rows > 0 and badges == rows
