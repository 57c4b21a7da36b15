"""A project manager plans a project through its gates in a real browser; the sponsor signs."""

import pytest
from playwright.sync_api import expect

from core.roles import Role
from tests.browser.conftest import login, screenshot
from tests.core.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _unmet(page) -> list[str]:
    """The gate criteria the page marks as not met, in words."""
    items = page.locator("[data-testid=gate] li.unmet").all_inner_texts()
    return [" ".join(text.replace("✘", "").split()) for text in items]


def _logout(page):
    page.click("text=Log out")
    page.wait_for_load_state("networkidle")


def test_pm_takes_a_project_from_initiation_to_execution_and_sees_gantt_and_evm(page):
    UserFactory(username="pm", role=Role.PROJECT_MANAGER, first_name="Priya", last_name="PM")
    UserFactory(username="sponsor", role=Role.MANAGER, first_name="Morgan", last_name="Sponsor")

    # The PM opens the project with a charter but no success criteria and no sponsor yet.
    login(page, "pm")
    page.goto("/projects/")
    page.click("text=New project")
    page.fill("#id_code", "WIFI")
    page.fill("#id_name", "Office Wi-Fi refresh")
    page.fill("#id_budget", "20000")
    page.fill("#id_objectives", "Fast, reliable Wi-Fi on every floor.")
    page.fill("#id_scope", "Survey, access points, cut-over.")
    page.click("form.project-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert _unmet(page) == ["The charter states the success criteria", "A sponsor is named"]
    assert page.get_by_test_id("move-plan").count() == 0  # the sponsor signs, not the PM

    page.click("text=Edit project")
    page.fill("#id_success_criteria", "Coverage ≥ 95 % of desks; no P1 incidents in hypercare.")
    page.select_option("#id_sponsor", label="Morgan Sponsor")
    page.click("form.project-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert _unmet(page) == []
    project_url = page.url
    screenshot(page, "project-initiation-gate")
    _logout(page)

    # The sponsor approves the charter.
    login(page, "sponsor")
    page.goto(project_url)
    page.get_by_test_id("move-plan").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("phase").inner_text() == "Planning"
    _logout(page)

    # The PM plans: a summary with two dated, costed tasks, a link, a milestone, a baseline.
    login(page, "pm")
    page.goto(project_url + "plan/")
    for name, start, finish, cost, parent in [
        ("Roll-out", "", "", "", ""),
        ("Site survey", "2024-06-03", "2024-06-07", "4000", "Roll-out"),
        ("Install access points", "2024-06-10", "2024-06-21", "12000", "Roll-out"),
    ]:
        page.fill("#id_name", name)
        if start:
            page.fill("#id_planned_start", start)
            page.fill("#id_planned_finish", finish)
            page.fill("#id_planned_cost", cost)
        if parent:
            page.select_option("form[action$='plan/tasks/'] #id_parent", label=parent)
        page.click("text=Add task")
        page.wait_for_load_state("networkidle")
    page.select_option("#id_predecessor", label="Site survey")
    page.select_option("#id_successor", label="Install access points")
    page.click("button:has-text('Link')")
    page.wait_for_load_state("networkidle")
    wbs = page.get_by_test_id("wbs").inner_text()
    assert "16000.00" in wbs  # the summary rolls up 4000 + 12000
    assert "after 1.1" in wbs

    # Progress inline (htmx): the survey is half done.
    survey_progress = page.get_by_label("Percent complete of Site survey")
    survey_progress.fill("50")
    survey_progress.dispatch_event("change")
    expect(page.locator("tr", has_text="Site survey")).to_contain_text("50%")

    page.goto(project_url + "milestones/")
    page.fill("#id_name", "Wi-Fi live")
    page.fill("#id_due_date", "2024-06-21")
    page.click("text=Add milestone")
    page.wait_for_load_state("networkidle")
    page.goto(project_url)
    assert _unmet(page) == ["A baseline is captured"]
    page.click("text=Capture baseline")
    page.wait_for_load_state("networkidle")
    assert _unmet(page) == []
    _logout(page)

    login(page, "sponsor")
    page.goto(project_url)
    page.get_by_test_id("move-execute").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("phase").inner_text() == "Execution"
    _logout(page)

    # The PM sees the EVM tiles and the Gantt with its dependency arrow and baseline bars.
    login(page, "pm")
    page.goto(project_url)
    tiles = page.get_by_test_id("evm-tiles").inner_text()
    assert "BAC 16000.00" in tiles
    assert "2000.00" in tiles  # EV = 4000 × 50 %
    assert page.locator("#s-curve").is_visible()
    screenshot(page, "project-overview")
    page.click("nav.tabs >> text=Gantt")
    page.wait_for_selector("#gantt[data-ready=true]")
    assert page.locator("#gantt .bar-wrapper").count() == 4  # 3 tasks + 1 milestone
    assert page.locator("#gantt .arrow").count() >= 1
    assert page.locator("#gantt .baseline-bar").count() == 3
    screenshot(page, "project-gantt")
    assert page.js_errors == []
