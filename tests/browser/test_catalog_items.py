"""The demo service owner adds an item to the VPN's catalog from the catalog page, building
its form row by row (a second row added in place by htmx), previews it, is told which field
is wrong, saves, and finds the item in the catalog, in a real Chromium."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from core.models import AuditEvent, User
from servicedesk.models import CatalogItem, Service
from tests.browser.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def vpn(transactional_db):
    call_command("seed_demo")
    return Service.objects.get(name="VPN")


def test_the_owner_adds_a_catalog_item_and_finds_it_in_the_catalog(page, vpn):
    login(page, "owner")
    page.goto("/catalog/")
    page.get_by_test_id("catalog-item-new").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("h1")).to_have_text("New catalog item")

    page.select_option("#id_service", label="VPN")
    page.fill("#id_name", "Static VPN address")
    page.fill("#id_description", "A fixed address for a device that must be reached.")
    page.fill("#id_fulfilment_checklist", "Reserve the address\nUpdate the firewall")
    page.fill("#id_fields-0-label", "Device name")
    page.check("#id_fields-0-required")

    # "Add a field" swaps in a second row without reloading the page; the new label has focus.
    page.get_by_test_id("add-field").click()
    second = page.locator("#id_fields-1-label")
    expect(second).to_be_focused()
    assert page.url.endswith("/catalog/items/new/")
    second.fill("Port")
    page.select_option("#id_fields-1-type", "choice")

    # Saved without choices: the row says what is wrong, the rest is kept as typed.
    page.get_by_test_id("catalog-item-save").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("error-field-2")).to_contain_text(
        "field 'port': a choice field needs a list of distinct texts."
    )
    expect(page.locator("#id_name")).to_have_value("Static VPN address")
    assert not CatalogItem.objects.filter(name="Static VPN address").exists()
    screenshot(page, "catalog-item-refused")

    page.fill("#id_fields-1-choices", "443\n1194")
    page.get_by_test_id("update-preview").click()
    preview = page.get_by_test_id("definition-preview")
    expect(preview.locator("select[name=preview-port] option")).to_have_text(
        ["Choose…", "443", "1194"]
    )
    expect(preview).to_contain_text("Device name *")
    screenshot(page, "catalog-item-new")

    page.get_by_test_id("catalog-item-save").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".messages")).to_contain_text("“Static VPN address” added to the catalog.")
    expect(page.locator("h1")).to_have_text("Static VPN address")
    expect(page.get_by_test_id("catalog-item-edit")).to_be_visible()
    item = CatalogItem.objects.get(name="Static VPN address")
    assert [f["name"] for f in item.form_definition] == ["device_name", "port"]
    assert item.fulfilment_checklist == ["Reserve the address", "Update the firewall"]
    assert AuditEvent.objects.filter(action="catalog_item.created", object_id=str(item.pk)).exists()

    page.goto("/catalog/")
    tile = (
        page.get_by_test_id("catalog-service").filter(has_text="VPN").get_by_test_id("catalog-item")
    )
    expect(tile.filter(has_text="Static VPN address")).to_be_visible()
    assert page.js_errors == []


def test_the_owner_bounds_a_number_field_and_the_preview_follows(page, vpn):
    """The demo's Seats (min 1, whole numbers) in the builder: a max is added, the preview's
    input carries it, and a min above the max is refused beside the row."""
    item = CatalogItem.objects.get(name="Software licence")
    login(page, "owner")
    page.goto(f"/catalog/items/{item.pk}/edit/")
    row = page.get_by_test_id("field-row").nth(1)
    expect(row.locator("input[name$=-label]")).to_have_value("Seats")
    expect(row.locator("input[name$=-min]")).to_have_value("1")
    expect(row.locator("input[name$=-integer]")).to_be_checked()

    row.locator("input[name$=-max]").fill("10")
    page.get_by_test_id("update-preview").click()
    seats = page.get_by_test_id("definition-preview").locator("input[name=preview-seats]")
    expect(seats).to_have_attribute("max", "10")
    expect(seats).to_have_attribute("min", "1")
    expect(seats).to_have_attribute("step", "1")
    screenshot(page, "catalog-item-number-bounds")

    row = page.get_by_test_id("field-row").nth(1)
    row.locator("input[name$=-min]").fill("20")
    page.get_by_test_id("catalog-item-save").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("error-field-2")).to_contain_text(
        "field 'seats': min must not be more than max."
    )
    item.refresh_from_db()
    assert "max" not in item.form_definition[1]

    page.get_by_test_id("field-row").nth(1).locator("input[name$=-min]").fill("1")
    page.get_by_test_id("catalog-item-save").click()
    page.wait_for_load_state("networkidle")
    item.refresh_from_db()
    assert item.form_definition[1] == {
        "name": "seats",
        "label": "Seats",
        "type": "number",
        "required": True,
        "help_text": "",
        "min": 1,
        "max": 10,
        "integer": True,
    }
    assert page.js_errors == []


def test_the_owner_names_an_approver_by_typing_and_an_unchanged_save_keeps_them(page, vpn):
    """The approver is a box with matches offered as one types (the page lists nobody): the
    demo's VPN access gets Morgan Lead as its approver, someone unknown is refused beside the
    box, and the edit page shows the approver again and keeps them on a save."""
    item = CatalogItem.objects.get(name="VPN access")
    login(page, "owner")
    page.goto(f"/catalog/items/{item.pk}/edit/")
    box = page.locator("#id_approver")
    expect(box).to_have_value("")
    expect(page.locator("#id_approver-people option")).to_have_count(0)

    page.select_option("#id_approval", "named_user")
    box.press_sequentially("morg", delay=30)
    offered = page.locator("#id_approver-people option")
    expect(offered).to_have_count(1)
    expect(offered).to_have_attribute("value", "manager")
    expect(offered).to_have_text("Morgan Lead (manager)")
    box.fill("nobody-by-that-name")
    page.get_by_test_id("catalog-item-save").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("error-approver")).to_contain_text(
        "No active person by that username or email"
    )
    expect(page.locator("#id_approver")).to_have_value("nobody-by-that-name")
    item.refresh_from_db()
    assert (item.approval, item.approver, item.version) == ("none", None, 1)

    page.locator("#id_approver").fill("manager")
    page.get_by_test_id("catalog-item-save").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".messages")).to_contain_text("“VPN access” saved.")
    item.refresh_from_db()
    assert (item.approval, item.approver.username, item.version) == ("named_user", "manager", 2)
    audit = AuditEvent.objects.filter(action="catalog_item.updated", object_id=str(item.pk))
    assert set(audit.get().changes) == {"approval", "approver"}

    page.goto(f"/catalog/items/{item.pk}/edit/")
    expect(page.locator("#id_approver")).to_have_value("manager")
    screenshot(page, "catalog-item-approver")
    page.get_by_test_id("catalog-item-save").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".messages")).to_contain_text("Nothing was changed")
    item.refresh_from_db()
    assert (item.approver.username, item.version) == ("manager", 2)
    assert page.js_errors == []


def test_choosing_an_approval_without_a_named_user_hides_the_saved_approver(page, vpn):
    """VPN access is approved by Morgan Lead. Choosing "No approval" (or the requester's
    manager) hides the box and Morgan's name, which would read as if Morgan still approved;
    choosing a named user again shows them as saved. Saved with "No approval", the item keeps
    no approver, and its edit page names none."""
    item = CatalogItem.objects.get(name="VPN access")
    item.approval, item.approver = "named_user", User.objects.get(username="manager")
    item.save()
    login(page, "owner")
    page.goto(f"/catalog/items/{item.pk}/edit/")
    row, box = page.get_by_test_id("field-approver"), page.locator("#id_approver")
    expect(row).to_contain_text("Saved: Morgan Lead")
    expect(box).to_have_value("manager")

    page.select_option("#id_approval", "none")
    expect(row).to_be_hidden()
    expect(page.get_by_text("Morgan Lead")).to_be_hidden()
    screenshot(page, "catalog-item-no-approval")
    page.select_option("#id_approval", "manager")
    expect(row).to_be_hidden()
    page.select_option("#id_approval", "named_user")
    expect(row).to_be_visible()
    expect(row).to_contain_text("Saved: Morgan Lead")
    expect(box).to_be_enabled()

    page.select_option("#id_approval", "none")
    page.get_by_test_id("catalog-item-save").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".messages")).to_contain_text("“VPN access” saved.")
    item.refresh_from_db()
    assert (item.approval, item.approver, item.version) == ("none", None, 2)
    page.goto(f"/catalog/items/{item.pk}/edit/")
    expect(page.get_by_test_id("field-approver")).to_be_hidden()
    expect(page.locator("#id_approver")).to_have_value("")
    assert page.js_errors == []
