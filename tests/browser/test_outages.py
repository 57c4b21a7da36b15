"""The demo service owner records an outage on the VPN's page, is told why a bad one is
refused, ends the ongoing one with "End now" and corrects it, in a real Chromium."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from core.models import AuditEvent
from servicedesk.models import Outage, Service
from tests.browser.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def vpn(transactional_db):
    call_command("seed_demo")
    return Service.objects.get(name="VPN")


def _local(moment) -> str:
    """What a datetime-local input holds, in the site's time zone."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_the_owner_records_an_outage_and_ends_it_from_the_service_page(page, vpn):
    started = timezone.now() - timedelta(minutes=20)
    incident = vpn.incidents.order_by("-opened_at").first()
    login(page, "owner")
    page.goto(f"/services/{vpn.pk}/")
    form = page.get_by_test_id("outage-record-form")
    expect(form).to_be_visible()
    screenshot(page, "service-outage-form")

    # An end before the start: the page again (400), the field says why, nothing written.
    page.select_option("#id_kind", "unplanned")
    page.fill("#id_started_at", _local(started))
    page.fill("#id_ended_at", _local(started - timedelta(hours=1)))
    page.fill("#id_incident", incident.number)
    page.fill("#id_description", "VPN gateway B drops tunnels")
    page.get_by_test_id("outage-record").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("error-ended_at")).to_have_text(
        "An outage must end after it starts."
    )
    expect(page.locator("#id_description")).to_have_value("VPN gateway B drops tunnels")
    screenshot(page, "service-outage-form-refused")
    assert not vpn.outages.filter(description__startswith="VPN gateway B").exists()

    # Ongoing: no end.
    page.fill("#id_ended_at", "")
    page.get_by_test_id("outage-record").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".messages")).to_contain_text("Outage recorded.")
    row = page.get_by_test_id("outage-timeline").locator("tr", has_text="VPN gateway B")
    expect(row).to_contain_text("ongoing")
    expect(row).to_contain_text(incident.number)
    outage = Outage.objects.get(service=vpn, description="VPN gateway B drops tunnels")
    assert outage.ongoing and outage.incident == incident
    assert outage.started_at == started.replace(second=0, microsecond=0)
    screenshot(page, "service-outage-ongoing")

    row.get_by_role("button", name="End now").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".messages")).to_contain_text("Outage ended.")
    row = page.get_by_test_id("outage-timeline").locator("tr", has_text="VPN gateway B")
    expect(row).not_to_contain_text("ongoing")
    expect(row.get_by_role("button", name="End now")).to_have_count(0)
    outage.refresh_from_db()
    assert not outage.ongoing and outage.version == 2
    actions = AuditEvent.objects.filter(object_id=str(outage.pk), action__startswith="outage.")
    assert sorted(actions.values_list("action", flat=True)) == [
        "outage.recorded",
        "outage.updated",
    ]

    # A correction on the edit page.
    row.get_by_role("link", name="Edit").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("#id_incident")).to_have_value(incident.number)
    page.fill("#id_description", "VPN gateway B dropped tunnels (memory leak)")
    screenshot(page, "service-outage-edit")
    page.get_by_test_id("outage-save").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".messages")).to_contain_text("Outage saved.")
    expect(page.get_by_test_id("outage-timeline")).to_contain_text("(memory leak)")
    outage.refresh_from_db()
    assert outage.version == 3 and outage.description.endswith("(memory leak)")
    assert page.js_errors == []
