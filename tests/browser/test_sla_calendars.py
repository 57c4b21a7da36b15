"""The demo admin opens the London office calendar from the services list, adds Saturday
morning hours with "Add a row" (swapped in place by htmx), is told which row is wrong, saves,
and sees the new week on the calendar's page, in a real Chromium."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from core.models import AuditEvent
from servicedesk.models import BusinessCalendar
from tests.browser.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def office(transactional_db):
    call_command("seed_demo")
    return BusinessCalendar.objects.get(name="Office hours London")


def test_the_admin_adds_saturday_hours_to_the_office_calendar(page, office):
    login(page, "admin")
    page.goto("/services/")
    page.get_by_test_id("sla-overview-link").click()
    page.wait_for_load_state("networkidle")
    screenshot(page, "sla-overview")
    page.get_by_test_id("sla-calendars").get_by_role("link", name="Office hours London").click()
    page.wait_for_load_state("networkidle")
    page.get_by_test_id("calendar-edit").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("h1")).to_have_text("Edit Office hours London")
    rows = page.get_by_test_id("hours-row")
    expect(rows).to_have_count(6)  # Mon–Fri and an empty one

    # The empty row becomes Saturday; "Add a row" brings another, focused, without a reload.
    page.select_option("#id_hours-5-weekday", "5")
    page.fill("#id_hours-5-start", "10:00")
    page.fill("#id_hours-5-end", "08:00")
    page.get_by_test_id("add-hours-row").click()
    expect(rows).to_have_count(7)
    expect(page.locator("#id_hours-6-weekday")).to_be_focused()
    expect(page.locator("#id_hours-5-start")).to_have_value("10:00")  # kept as typed
    assert page.url.endswith(f"/sla/calendars/{office.pk}/edit/")

    # Saturday ends before it starts: that row says so, nothing is saved.
    page.get_by_test_id("calendar-save").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("error-hours-6-end")).to_contain_text(
        "The end (08:00) must be after the start (10:00)."
    )
    screenshot(page, "sla-calendar-refused")
    office.refresh_from_db()
    assert office.version == 1 and not office.intervals.filter(weekday=5).exists()

    page.fill("#id_hours-5-end", "14:00")
    page.get_by_test_id("calendar-save").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".messages")).to_contain_text("Calendar “Office hours London” saved.")
    week = page.get_by_test_id("calendar-week")
    expect(week.locator("tr", has_text="Saturday")).to_contain_text("10:00–14:00")
    expect(week.locator("tr", has_text="Sunday")).to_contain_text("no working hours")
    screenshot(page, "sla-calendar")

    office.refresh_from_db()
    assert office.version == 2
    assert office.intervals.filter(weekday=5).values_list("start_minute", "end_minute").get() == (
        600,
        840,
    )
    assert AuditEvent.objects.filter(action="calendar.saved", object_id=str(office.pk)).count() == 1
    assert page.js_errors == []


def test_the_admin_is_told_beside_the_row_and_the_name_what_contradicts(page, office):
    """A response target later than the resolution target, and a calendar named like the
    office one in other letter case, are refused where they were typed; nothing is saved."""
    from servicedesk.models import SLAPolicy

    standard = SLAPolicy.objects.get(name="Standard")
    login(page, "admin")
    page.goto(f"/sla/policies/{standard.pk}/edit/")
    page.fill("#id_targets-1-response_hours", "10")  # P2: resolved within 8 h
    page.get_by_test_id("sla-policy-save").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("error-p2-response")).to_contain_text(
        "P2 High: the response target (10 h) is later than the resolution target (8 h)"
    )
    expect(page.get_by_test_id("error-p1-response")).to_have_count(0)
    expect(page.locator("#id_targets-1-response_hours")).to_have_value("10")  # as typed
    screenshot(page, "sla-policy-response-after-resolution")
    standard.refresh_from_db()
    assert standard.version == 1
    assert standard.targets.get(priority=2).response_minutes == 60

    page.goto("/sla/calendars/new/")
    page.fill("#id_name", "office HOURS london ")
    page.get_by_test_id("calendar-save").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("error-name")).to_contain_text(
        "A calendar with this name already exists (names are compared ignoring letter case)."
    )
    screenshot(page, "sla-calendar-name-taken")
    assert BusinessCalendar.objects.filter(name__iexact="office hours london").count() == 1
    assert page.js_errors == []
