"""On a 390 px phone the agent's console, the requester's portal and a project fit the screen:
no page wider than the viewport, every menu link on screen, wide tables scrolling inside
themselves. On a 1366 px desktop the header stays one 52 px line. Refusals and unknown
addresses are pages in the normal layout with a way back. In a real Chromium."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from projects.models import Project
from tests.browser.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo")


@pytest.fixture
def phone(browser, live_server):
    """A page 390 px wide, signed in as the user named."""
    contexts = []

    def signed_in(username: str):
        context = browser.new_context(base_url=live_server.url, viewport=PHONE)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        login(page, username)
        return page

    yield signed_in
    for context in contexts:
        context.close()


def _open(page, url: str):
    response = page.goto(url)
    page.wait_for_load_state("networkidle")
    return response


def _assert_fits_the_screen(page):
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner, f"{page.url} is {width} px wide on a {inner} px screen"


def _assert_every_menu_link_on_screen(page, expected: list[str]):
    links = page.get_by_role("navigation", name="Main").get_by_role("link")
    expect(links).to_have_text(expected)
    for link in links.all():
        expect(link).to_be_visible()
        box = link.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (
            f"menu link {link.inner_text()!r} is off the screen: {box}"
        )


def test_the_agent_console_fits_a_phone_and_the_queue_scrolls_inside_itself(phone, demo):
    page = phone("agent")
    _open(page, "/desk/")
    screenshot(page, "phone-agent-console")
    _assert_fits_the_screen(page)
    _assert_every_menu_link_on_screen(
        page, ["Agent console", "Services", "Requests", "Improvements"]
    )
    queue = page.get_by_test_id("queue")
    assert queue.evaluate("t => getComputedStyle(t).overflowX") == "auto"
    # Its other columns are a swipe away, inside the table.
    assert queue.evaluate("t => t.scrollWidth > t.clientWidth")
    page.get_by_role("link", name="Improvements").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("h1")).to_be_visible()
    _assert_fits_the_screen(page)


def test_the_portal_and_my_requests_show_each_status_on_a_phone(phone, demo):
    page = phone("requester")
    _open(page, "/portal/")
    screenshot(page, "phone-portal")
    _assert_fits_the_screen(page)
    _assert_every_menu_link_on_screen(page, ["Portal", "Catalog", "My requests"])
    tickets = page.get_by_test_id("portal-list")
    status = tickets.get_by_role("columnheader", name="Status")
    expect(status).to_be_in_viewport()
    box = status.bounding_box()
    assert box["x"] + box["width"] <= PHONE["width"]
    expect(tickets.locator("tbody tr").first.locator(".badge")).to_be_in_viewport()

    _open(page, "/requests/")
    _assert_fits_the_screen(page)
    status = page.get_by_test_id("request-list").get_by_role("columnheader", name="Status")
    box = status.bounding_box()
    assert box["x"] + box["width"] <= PHONE["width"]


def test_a_project_and_the_portfolio_fit_a_phone(phone, demo):
    project = Project.objects.get(code="PAY-01")
    page = phone("pm")
    for url in (f"/projects/{project.pk}/", "/projects/"):
        _open(page, url)
        _assert_fits_the_screen(page)
        _assert_every_menu_link_on_screen(page, ["Approvals", "Projects", "Dashboards"])
    screenshot(page, "phone-portfolio")


def test_the_longest_menu_stays_one_line_on_a_desktop(page, live_server, demo):
    login(page, "admin")
    for width in (1366, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        _open(page, "/desk/")
        assert page.locator("header.topbar").bounding_box()["height"] == 52
        for link in page.get_by_role("navigation", name="Main").get_by_role("link").all():
            expect(link).to_be_in_viewport(ratio=1)
        assert page.get_by_test_id("queue").evaluate("t => getComputedStyle(t).display") == "table"


def test_a_requester_refused_a_page_gets_the_layout_and_a_way_back(phone, demo):
    page = phone("requester")
    response = _open(page, "/dashboards/")
    assert response.status == 403
    error = page.get_by_test_id("error-page")
    expect(error).to_contain_text("The dashboards are for managers and service owners.")
    expect(page.get_by_role("navigation", name="Main").get_by_role("link")).to_have_text(
        ["Portal", "Catalog", "My requests"]
    )
    _assert_fits_the_screen(page)
    screenshot(page, "phone-403")
    page.get_by_test_id("error-home").click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/portal/")

    response = _open(page, "/no-such-page/")
    assert response.status == 404
    expect(page.get_by_test_id("error-page")).to_contain_text("There is nothing here")
    expect(page.get_by_role("link", name="My requests")).to_be_visible()
    page.get_by_test_id("error-home").click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/portal/")
