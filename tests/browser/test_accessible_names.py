"""Every control a screen reader lands on says what it is: the project team's "Add" form, the
SLA calendar's rows of hours and holidays, and the request checklist's ☐/☑ toggles. In a real
Chromium, through the accessibility tree (get_by_label, accessible names)."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from projects.models import Project
from servicedesk.models import ServiceRequest
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAMED = re.compile(r"\w")


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo")


def _assert_every_control_named(form):
    controls = form.locator("input:not([type=hidden]), select, textarea, button")
    assert controls.count() > 0
    for control in controls.all():
        expect(control).to_have_accessible_name(NAMED)


def test_the_project_team_add_form_names_its_person_and_role(page, demo):
    project = Project.objects.get(code="PAY-01")
    login(page, "pm")
    page.goto(f"/projects/{project.pk}/")
    expect(page.get_by_label("New team member")).to_have_id("id_user")
    expect(page.get_by_label("Role of the new member")).to_have_id("id_role")
    _assert_every_control_named(page.locator("form", has=page.locator("#id_user")))


def test_the_calendar_form_names_each_row_of_hours_and_holidays(page, demo):
    login(page, "admin")
    page.goto("/sla/calendars/new/")
    expect(page.get_by_label("Day, row 1", exact=True)).to_have_id("id_hours-0-weekday")
    expect(page.get_by_label("From, row 1", exact=True)).to_have_id("id_hours-0-start")
    expect(page.get_by_label("To, row 1", exact=True)).to_have_id("id_hours-0-end")
    expect(page.get_by_label("Holiday date, row 1", exact=True)).to_have_id("id_holidays-0-date")
    expect(page.get_by_label("Holiday name, row 1", exact=True)).to_have_id("id_holidays-0-name")
    _assert_every_control_named(page.get_by_test_id("calendar-form"))

    # A row added with "Add a row" (swapped in by htmx) is named too.
    rows = page.get_by_test_id("hours-row")
    count = rows.count()
    page.get_by_test_id("add-hours-row").click()
    expect(rows).to_have_count(count + 1)
    expect(page.locator(f"#id_hours-{count}-weekday")).to_have_accessible_name(
        f"Day, row {count + 1}"
    )


def test_the_checklist_toggles_say_which_task_they_tick(page, demo):
    req = (
        ServiceRequest.objects.filter(status="in_fulfilment", tasks__done=False)
        .order_by("number")
        .first()
    )
    task = req.tasks.filter(done=False).order_by("position", "pk").first()
    login(page, "agent")
    page.goto(f"/requests/{req.number}/")
    toggles = page.get_by_test_id("tasks").get_by_role("button")
    for toggle in toggles.all():
        expect(toggle).to_have_accessible_name(re.compile(r"^Mark “.+” as (not )?done$"))
    page.get_by_role("button", name=f"Mark “{task.title}” as done").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_role("button", name=f"Mark “{task.title}” as not done")).to_be_visible()
    task.refresh_from_db()
    assert task.done
