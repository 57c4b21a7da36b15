"""A manager opens the dashboards, sees the KPI tiles and trends, and drills down to records."""

import pytest
from django.core.management import call_command

from tests.browser.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo")  # computes the demo's KPIs (kpis/demo.py)


def test_manager_sees_the_tiles_and_drills_down_from_the_backlog_to_its_incidents(page, demo):
    login(page, "manager")
    page.click("nav >> text=Dashboards")
    page.wait_for_load_state("networkidle")
    tiles = page.get_by_test_id("kpi-tiles")
    assert tiles.locator(".tile").count() >= 10
    assert tiles.locator("[data-kpi=mttr] .value").inner_text() != ""
    # Chart.js drew the trends from the json_script data (no inline script, CSP intact).
    page.wait_for_function("document.querySelectorAll('canvas[data-trend]').length > 0")
    assert page.evaluate("Object.keys(window.Chart.instances).length") >= 3
    screenshot(page, "kpi-dashboard")

    backlog = page.locator("[data-kpi=backlog] .value").inner_text()
    page.get_by_test_id("drill-backlog").click()
    page.wait_for_load_state("networkidle")
    heading = page.get_by_test_id("records-heading").inner_text()
    assert heading.startswith(backlog) and "open at the end of the period" in heading
    rows = page.get_by_test_id("records").locator("tbody tr")
    assert rows.count() == min(int(backlog), 50)
    screenshot(page, "kpi-drill-down")
    first = rows.first.locator("td a").inner_text()
    rows.first.locator("td a").click()
    page.wait_for_load_state("networkidle")
    assert first in page.locator("h1").inner_text()

    page.goto("/dashboards/portfolio/?period=month")
    page.wait_for_function("window.Chart && Object.keys(window.Chart.instances).length >= 3")
    assert page.get_by_test_id("project-table").locator("tbody tr").count() >= 3
    screenshot(page, "kpi-portfolio")
    assert page.js_errors == []
