"""A project manager types what the project cannot hold, in a real browser: the page says why
in words (beside the field on the project form), and nothing is saved."""

import datetime

import pytest

from core.roles import Role
from projects.models import Project, TimeEntry
from projects.task_actions import dependency_add
from tests.browser.conftest import login, screenshot
from tests.core.factories import UserFactory
from tests.projects.factories import ProjectFactory, TaskFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _field_error(page, field: str) -> str:
    """The error list shown in the same box as `field`."""
    return page.locator(f"div:has(> #id_{field}) .errorlist").inner_text()


def test_the_new_project_form_says_beside_each_field_what_is_wrong(page):
    pm = UserFactory(username="pm", role=Role.PROJECT_MANAGER)
    ProjectFactory(code="PAY-01", manager=pm)
    login(page, "pm")
    page.goto("/projects/new/")
    page.fill("#id_code", "pay-01")
    page.fill("#id_name", "Payroll again")
    page.fill("#id_currency", "12!")
    page.fill("#id_planned_start", "2026-12-01")
    page.fill("#id_planned_finish", "2026-11-01")
    page.click("form.project-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    # Each check stops at the first refusal: the code is checked first.
    assert "The code PAY-01 is taken" in _field_error(page, "code")
    page.fill("#id_code", "PAY-02")
    page.click("form.project-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "“12!” is not an ISO 4217 currency code" in _field_error(page, "currency")
    page.fill("#id_currency", "usd")
    page.click("form.project-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    error = _field_error(page, "planned_finish")
    assert error == "The planned finish is before the planned start."
    assert "Constraint" not in page.content()
    screenshot(page, "project-form-refused")
    assert Project.objects.count() == 1
    page.fill("#id_planned_finish", "2027-03-01")
    page.click("form.project-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert Project.objects.get(code="PAY-02").currency == "USD"
    assert page.js_errors == []


def test_the_time_tab_says_how_many_hours_are_left_and_the_plan_a_link_exists(page):
    pm = UserFactory(username="pm", role=Role.PROJECT_MANAGER)
    project = ProjectFactory(code="PAY-01", manager=pm)
    discovery = TaskFactory(project=project, name="Discovery")
    workshops = TaskFactory(project=project, name="Requirements workshops")
    dependency_add(predecessor=discovery, successor=workshops, actor=pm)
    today = datetime.date.today().isoformat()
    login(page, "pm")
    page.goto(f"/projects/{project.pk}/time/")
    for _ in range(2):
        page.select_option("#id_task", label="Discovery")
        page.fill("#id_date", today)
        page.fill("#id_hours", "23.9")
        page.fill("#id_hourly_rate", "75")
        page.click("form[action$='time/add/'] button[type=submit]")
        page.wait_for_load_state("networkidle")
    assert f"You have 0.1 of 24 hours left on {today}: 23.9 are logged that day." in (
        page.locator("ul.messages").inner_text()
    )
    assert TimeEntry.objects.count() == 1

    page.goto(f"/projects/{project.pk}/plan/")
    page.select_option("#id_predecessor", label="Discovery")
    page.select_option("#id_successor", label="Requirements workshops")
    page.click("button:has-text('Link')")
    page.wait_for_load_state("networkidle")
    assert "This link already exists." in page.content()
    assert page.js_errors == []
