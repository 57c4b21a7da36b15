"""The service owner accepts a project's handoff in a real browser: from the inbox to a live
service that says which project delivered it; the PM starts a handoff; the outcome card."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from projects.models import Handoff, Project
from servicedesk.models import Service
from tests.browser.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(transactional_db):
    # HR-06 is mid-handoff (submitted to the owner of HR portal); SSO-09 is handed over.
    call_command("seed_demo")


def _logout(page):
    page.click("text=Log out")
    page.wait_for_load_state("networkidle")


def test_the_owner_accepts_the_handoff_from_the_inbox(page, demo):
    hr = Project.objects.get(code="HR-06")
    login(page, "owner")
    page.goto("/projects/")
    page.get_by_test_id("handoff-inbox-link").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("handoff-inbox")).to_contain_text("HR portal")
    screenshot(page, "handoff-inbox")

    page.get_by_test_id("review-HR-06").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("handoff-status")).to_have_text("Submitted")
    expect(page.get_by_test_id("handoff-checklist")).to_contain_text("Monitoring in place")
    assert page.get_by_test_id("handoff-editor").count() == 0  # the owner decides, not edits
    page.fill("#decision-note", "Runbook reviewed with the Applications team.")
    screenshot(page, "handoff-decision")
    page.get_by_test_id("handoff-accept").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("handoff-status")).to_have_text("Accepted")
    expect(page.get_by_test_id("decision-note")).to_contain_text("Runbook reviewed")
    assert Handoff.objects.get(project=hr).status == "accepted"

    page.goto(f"/services/{hr.service_id}/")
    expect(page.get_by_test_id("delivered-by")).to_contain_text("HR-06")
    expect(page.get_by_test_id("hypercare-state")).to_contain_text("Hypercare")
    assert Service.objects.get(pk=hr.service_id).status == "live"
    page.goto("/projects/handoffs/inbox/")
    expect(page.get_by_test_id("handoff-inbox-empty")).to_be_visible()
    assert page.js_errors == []


def test_the_pm_starts_a_handoff_and_ticks_the_checklist(page, demo):
    pay = Project.objects.get(code="PAY-01")
    login(page, "pm")
    page.goto(f"/projects/{pay.pk}/handoff/")
    page.get_by_test_id("handoff-start").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("handoff-status")).to_have_text("Draft")
    # Only the chosen target's fields show.
    expect(page.locator("[data-target-section=new]")).to_be_hidden()
    page.check("input[name=target][value=new]")
    expect(page.locator("[data-target-section=new]")).to_be_visible()
    page.check("input[name=target][value=existing]")
    page.select_option("#id_support_team", label="Applications")
    page.fill("#id_go_live_on", "2027-01-11")
    page.fill("#id_documents", "Payroll runbook | https://wiki.example.com/payroll")
    page.get_by_test_id("handoff-save").click()
    page.wait_for_load_state("networkidle")
    # Ticking a box saves it in place (htmx), recording who did it.
    page.get_by_label("Support team trained done").check()
    expect(page.get_by_test_id("handoff-checklist")).to_contain_text("done by")
    screenshot(page, "handoff-editor")
    page.get_by_test_id("handoff-submit").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".messages, .message, [role=alert]").first).to_contain_text(
        "checklist", ignore_case=True
    )
    assert Handoff.objects.get(project=pay).status == "draft"
    assert page.js_errors == []


def test_the_handed_over_project_shows_its_outcome(page, demo):
    sso = Project.objects.get(code="SSO-09")
    login(page, "manager")
    page.goto(f"/projects/{sso.pk}/")
    card = page.get_by_test_id("outcome-card")
    expect(card).to_be_visible()
    expect(page.get_by_test_id("outcome-hypercare-status")).to_have_text("complete")
    expect(page.get_by_test_id("outcome-after-status")).to_have_text("running")
    expect(page.get_by_test_id("outcome-hypercare-incidents")).to_contain_text("6")
    screenshot(page, "project-outcome")
    assert page.js_errors == []


def test_the_owner_sees_what_accepting_changes_and_the_hours_change_only_when_asked(page, demo):
    """HR-06 changes HR portal (office hours London) and names no hours: the review says the
    hours stay, and a first acceptance would keep them. The owner asks for 24x7 instead; the
    PM chooses the 24x7 calendar; the review now says Office hours London → 24x7, and
    accepting makes the service round the clock, with an audit row naming the change."""
    from core.audit import history_for

    hr = Project.objects.get(code="HR-06")
    portal = Service.objects.get(pk=hr.service_id)
    office = portal.service_hours
    assert office is not None and office.name == "Office hours London"

    login(page, "owner")
    page.goto("/projects/handoffs/inbox/")
    expect(page.get_by_test_id("inbox-changes-HR-06")).to_contain_text("no field of the service")
    page.get_by_test_id("review-HR-06").click()
    page.wait_for_load_state("networkidle")
    hours = page.get_by_test_id("change-service_hours")
    expect(hours).to_contain_text("Office hours London")
    expect(hours).to_contain_text("unchanged")
    page.fill("#decision-note", "Make it 24x7: payroll questions come in at night.")
    page.get_by_test_id("handoff-reject").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("handoff-status")).to_have_text("Rejected")
    _logout(page)

    login(page, "pm")
    page.goto(f"/projects/{hr.pk}/handoff/")
    page.get_by_test_id("handoff-redraft").click()
    page.wait_for_load_state("networkidle")
    page.select_option("#id_service_hours", label="24x7")
    page.get_by_test_id("handoff-save").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("change-service_hours")).to_contain_text("24x7")
    page.get_by_test_id("handoff-submit").click()
    page.wait_for_load_state("networkidle")
    _logout(page)

    login(page, "owner")
    page.goto("/projects/handoffs/inbox/")
    expect(page.get_by_test_id("inbox-changes-HR-06")).to_contain_text(
        "Service hours: Office hours London → 24x7"
    )
    page.get_by_test_id("review-HR-06").click()
    page.wait_for_load_state("networkidle")
    hours = page.get_by_test_id("change-service_hours")
    expect(hours.locator("td").first).to_have_text("Office hours London")
    expect(hours.locator("td").last).to_have_text("24x7")
    expect(page.get_by_test_id("change-sla_policy")).to_contain_text("unchanged")
    screenshot(page, "handoff-changes")
    page.get_by_test_id("handoff-accept").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("handoff-status")).to_have_text("Accepted")
    expect(page.get_by_test_id("term-service_hours")).to_have_text("24x7")

    portal.refresh_from_db()
    assert portal.service_hours is None
    row = [e for e in history_for(portal) if e.action == "service.updated"][-1]
    assert row.changes == {"service_hours": [office.pk, None]}
    assert page.js_errors == []
