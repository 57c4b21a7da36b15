"""The demo service owner changes the VPN on its edit page and retires it from its page, in a
real Chromium: the retire button asks first (saying what retiring does), and only a
confirmed click retires it."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from core.models import AuditEvent
from servicedesk.models import BusinessCalendar, Service
from tests.browser.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def vpn(transactional_db):
    call_command("seed_demo")
    return Service.objects.get(name="VPN")


def test_the_owner_edits_the_vpn_and_retires_it_from_its_page(page, vpn):
    hours = BusinessCalendar.objects.exclude(is_builtin=True).order_by("name").first()
    login(page, "owner")
    page.goto(f"/services/{vpn.pk}/")
    expect(page.get_by_test_id("service-action-go_live")).to_have_count(0)
    screenshot(page, "service-page-owner")

    page.get_by_test_id("service-edit").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("#id_version")).to_have_value(str(vpn.version))
    # A name left empty: the form again (400), the field says why, nothing written.
    page.fill("#id_name", "")
    page.fill("#id_description", "Remote access for staff, contractors and partners.")
    page.locator("#id_name").evaluate("el => el.removeAttribute('required')")
    page.get_by_test_id("service-save").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("error-name")).to_have_text("This field is required.")
    expect(page.locator("#id_description")).to_have_value(
        "Remote access for staff, contractors and partners."
    )
    screenshot(page, "service-edit-refused")

    page.fill("#id_name", "VPN")
    page.select_option("#id_criticality", "2")
    page.select_option("#id_service_hours", str(hours.pk))
    page.get_by_test_id("service-save").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".messages")).to_contain_text("“VPN” saved.")
    expect(page.get_by_test_id("service-hours")).to_contain_text(hours.name)
    vpn.refresh_from_db()
    assert vpn.criticality == 2 and vpn.service_hours == hours
    assert vpn.description == "Remote access for staff, contractors and partners."

    # Retire asks first: dismissed (the page fixture dismisses dialogs), nothing happens.
    retire = page.get_by_test_id("service-action-retire")
    retire.click()
    page.wait_for_timeout(300)
    assert len(page.js_errors) == 1 and page.js_errors[0].startswith("dialog: Retire VPN?")
    assert "its catalog items leave the catalog" in page.js_errors[0]
    page.js_errors.clear()
    vpn.refresh_from_db()
    assert vpn.status == "live"

    # Confirmed, it goes.
    page.evaluate("window.confirm = () => true")
    retire.click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".messages")).to_contain_text("“VPN” is now retired.")
    expect(page.get_by_test_id("service-status")).to_have_text("Retired")
    expect(page.get_by_test_id("service-action-retire")).to_have_count(0)
    screenshot(page, "service-retired")
    vpn.refresh_from_db()
    assert vpn.status == "retired"
    trail = AuditEvent.objects.filter(object_id=str(vpn.pk), action__startswith="service.")
    assert list(trail.order_by("pk").values_list("action", flat=True))[-2:] == [
        "service.updated",
        "service.retire",
    ]
    assert page.js_errors == []
