"""Running seed_demo again brings the demo's catalog items to what the code defines (a release
that changes an item's fields, form or approval reaches an existing demo), through the
catalog's own update (a new version, an audit row), without duplicating an item, touching
one an admin made, or writing anything when nothing changed."""

import copy

import pytest
from django.core.management import call_command

from core.models import AuditEvent
from servicedesk import demo_requests
from servicedesk.catalog_forms import definition_clean
from servicedesk.models import CatalogItem, Service, ServiceRequest

pytestmark = pytest.mark.django_db


def _item_updates() -> int:
    return AuditEvent.objects.filter(action="catalog_item.updated").count()


@pytest.fixture
def demo(db):
    call_command("seed_demo", verbosity=0)
    return CatalogItem.objects.get(name="New laptop")


def test_a_rerun_brings_a_changed_definition_to_the_existing_demo_item(demo, monkeypatch):
    items = copy.deepcopy(demo_requests.ITEMS)
    laptop = next(spec for spec in items if spec["name"] == "New laptop")
    laptop["description"] = "A standard laptop, now with a docking station."
    laptop["approval"] = "service_owner"
    laptop["delivery_days"] = 7
    laptop["form"].append({"name": "dock", "label": "Docking station", "type": "boolean"})
    laptop["checklist"] = ["Order from stock", "Image and enrol", "Hand over"]
    monkeypatch.setattr(demo_requests, "ITEMS", items)
    count, requests = CatalogItem.objects.count(), ServiceRequest.objects.count()

    call_command("seed_demo", verbosity=0)

    item = CatalogItem.objects.get(pk=demo.pk)
    assert item.description == "A standard laptop, now with a docking station."
    assert (item.approval, item.delivery_days) == ("service_owner", 7)
    assert item.form_definition == definition_clean(laptop["form"])
    assert item.fulfilment_checklist == ["Order from stock", "Image and enrol", "Hand over"]
    assert item.version == demo.version + 1
    assert CatalogItem.objects.count() == count
    assert ServiceRequest.objects.count() == requests  # requests already made are kept
    event = AuditEvent.objects.filter(action="catalog_item.updated").get()
    assert event.object_id == str(demo.pk)
    assert {"description", "approval", "delivery_days"} <= set(event.changes)


def test_a_rerun_puts_back_a_demo_item_edited_in_the_database(demo):
    CatalogItem.objects.filter(pk=demo.pk).update(
        description="Edited", approval="none", form_definition=[], fulfilment_team=None
    )
    call_command("seed_demo", verbosity=0)
    item = CatalogItem.objects.get(pk=demo.pk)
    assert item.description.startswith("A standard laptop with the corporate image")
    assert item.approval == "manager"
    assert [field["name"] for field in item.form_definition] == [
        "model",
        "justification",
        "needed_by",
    ]
    assert item.fulfilment_team.name == "Service Desk"


def test_a_rerun_leaves_items_an_admin_made_and_writes_nothing_when_nothing_changed(demo):
    own = CatalogItem.objects.create(
        service=Service.objects.get(name="Laptops"),
        name="Docking station",
        description="Ours.",
        approval="none",
        form_definition=[],
    )
    count, updates = CatalogItem.objects.count(), _item_updates()
    versions = dict(CatalogItem.objects.values_list("pk", "version"))

    call_command("seed_demo", verbosity=0)

    assert CatalogItem.objects.count() == count
    assert _item_updates() == updates
    assert dict(CatalogItem.objects.values_list("pk", "version")) == versions
    own.refresh_from_db()
    assert (own.description, own.approval, own.form_definition) == ("Ours.", "none", [])
