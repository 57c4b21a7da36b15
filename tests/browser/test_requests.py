"""Requester orders from the catalog → manager approves in the inbox → agent fulfils."""

import pytest
from django.core.management import call_command

from core.models import User
from servicedesk.models import ServiceRequest
from tests.browser.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo")


def _context(browser, live_server):
    return browser.new_context(
        base_url=live_server.url, viewport={"width": 1366, "height": 900}
    ).new_page()


def test_request_is_approved_then_fulfilled(browser, live_server, demo):
    requester = _context(browser, live_server)
    login(requester, "requester")
    requester.goto("/catalog/")
    screenshot(requester, "catalog")
    requester.click("[data-testid=catalog-item] >> text=New laptop")
    requester.wait_for_load_state("networkidle")
    # The browser refuses the empty required fields before anything reaches the server.
    requester.click("[data-testid=submit-request]")
    assert requester.evaluate("document.querySelector('#id_model').validity.valueMissing")
    assert "/catalog/items/" in requester.url
    requester.select_option("#id_model", "16-inch performance")
    requester.fill("#id_justification", "Video editing for the campaign.")
    requester.fill("#id_needed_by", "2026-06-01")
    screenshot(requester, "catalog-item-form")
    requester.click("[data-testid=submit-request]")
    requester.wait_for_load_state("networkidle")
    number = requester.locator("h1").inner_text().split(" ")[0]
    assert number.startswith("REQ")
    assert requester.get_by_test_id("status").inner_text() == "Awaiting approval"

    manager = _context(browser, live_server)
    login(manager, "manager")
    manager.goto("/approvals/")
    manager.wait_for_selector(f"[data-testid=approval-{number}]")
    screenshot(manager, "approvals-inbox")
    manager.click(f"[data-testid=approval-{number}] >> text={number}")
    manager.wait_for_load_state("networkidle")
    manager.fill("#id_comment", "Approved for the campaign.")
    screenshot(manager, "approval-item")
    manager.click("[data-testid=decide-panel] [data-testid=action-approve]")
    manager.wait_for_load_state("networkidle")
    assert manager.locator(f"[data-testid=approval-{number}]").count() == 0

    agent = _context(browser, live_server)
    login(agent, "agent")
    agent.goto(f"/desk/requests/?q={number}")
    agent.click(f"[data-testid=request-list] >> text={number}")
    agent.wait_for_load_state("networkidle")
    agent.click("[data-testid=action-start_fulfilment]")
    agent.wait_for_load_state("networkidle")
    assert agent.get_by_test_id("status").inner_text() == "In fulfilment"
    agent.click("[data-testid=action-fulfil]")  # the checklist is still open: refused
    agent.wait_for_load_state("networkidle")
    assert "Task not done" in agent.inner_text(".messages")
    for n in (1, 2, 3):
        agent.click(f"[data-testid=task-toggle-{n}]")
        agent.wait_for_load_state("networkidle")
    screenshot(agent, "request-fulfilment")
    agent.click("[data-testid=action-fulfil]")
    agent.wait_for_load_state("networkidle")
    assert agent.get_by_test_id("status").inner_text() == "Fulfilled"

    requester.reload()
    assert requester.get_by_test_id("status").inner_text() == "Fulfilled"
    assert "Approved for the campaign." in requester.inner_text("[data-testid=approvals]")
    screenshot(requester, "request-fulfilled")
    assert not requester.js_errors if hasattr(requester, "js_errors") else True


def _typed(page, text: str) -> list[str]:
    """Type into For whom as a person does; the matches htmx puts in the box's list."""
    page.locator("#id_for_whom").press_sequentially(text, delay=30)
    offered = page.locator("#id_for_whom-people option")
    offered.first.wait_for(state="attached")
    page.wait_for_load_state("networkidle")
    return offered.all_inner_texts()


def test_a_licence_is_ordered_for_an_own_colleague_with_whole_seats_and_approved_by_label(
    browser, live_server, demo
):
    """The demo's Software licence: "For whom" offers only the requester's organisation as they
    type, the browser refuses -5 and 1.5 seats, and the owner's Approvals list reads the
    answers by their labels with the person's name."""
    requester = _context(browser, live_server)
    login(requester, "requester")
    requester.goto("/catalog/")
    requester.click("[data-testid=catalog-item] >> text=Software licence")
    requester.wait_for_load_state("networkidle")
    # requester2 and requester3 (Globex) match too, but are not offered to an Acme requester.
    assert _typed(requester, "requester") == ["Riley Acme (requester, Acme)"]
    requester.select_option("#id_product", "Visio")
    for refused, why in (
        ("-5", "rangeUnderflow"),
        ("0", "rangeUnderflow"),
        ("1.5", "stepMismatch"),
    ):
        requester.fill("#id_seats", refused)
        requester.click("[data-testid=submit-request]")
        assert requester.evaluate(f"document.querySelector('#id_seats').validity.{why}")
        assert "/catalog/items/" in requester.url
    requester.fill("#id_seats", "2")
    requester.click("[data-testid=submit-request]")
    requester.wait_for_load_state("networkidle")
    number = requester.locator("h1").inner_text().split(" ")[0]
    assert number.startswith("REQ")

    owner = _context(browser, live_server)
    login(owner, "owner")
    owner.goto("/approvals/")
    details = owner.inner_text(f"[data-testid=approval-{number}] [data-testid=approval-answers]")
    assert details.splitlines() == ["Product: Visio", "Seats: 2", "For whom: Riley Acme"]
    screenshot(owner, "approvals-labelled")


def test_an_agent_orders_for_a_requester_by_typing_their_name(browser, live_server, demo):
    """For whom on an agent's order page lists nobody until they type; the matches come as
    they type, the username is taken, and the request stores the person."""
    agent = _context(browser, live_server)
    agent.js_errors = []
    agent.on("pageerror", lambda exc: agent.js_errors.append(str(exc)))
    login(agent, "agent")
    agent.goto("/catalog/")
    agent.click("[data-testid=catalog-item] >> text=Software licence")
    agent.wait_for_load_state("networkidle")
    assert agent.locator("#id_for_whom-people option").count() == 0
    assert agent.locator("option").count() == 4  # the product's: Choose…, three products
    assert _typed(agent, "gale glo") == ["Gale Globex (requester2, Globex)"]
    agent.fill("#id_for_whom", "requester2")
    agent.select_option("#id_product", "Project")
    agent.fill("#id_seats", "3")
    screenshot(agent, "catalog-order-for-whom")
    agent.click("[data-testid=submit-request]")
    agent.wait_for_load_state("networkidle")
    number = agent.locator("h1").inner_text().split(" ")[0]
    assert number.startswith("REQ")
    ordered = ServiceRequest.objects.get(number=number)
    assert ordered.answers["for_whom"] == User.objects.get(username="requester2").pk
    assert not agent.js_errors
