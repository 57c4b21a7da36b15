"""A service owner (or an admin) adds and changes catalog items in the browser, not only over
the API: the same people may (request_actions.catalog_item_may_edit), the same actions write
(validated, audited), bad input is a 400 with the reasons beside the fields and nothing
written, a change based on an old version is a 412 with the form as typed, and the pages'
statements do not grow with the items, fields and history they show.

The requesters' form is posted as the builder's rows (a Django formset, prefix `fields`).
"""

import re

import pytest
from django.test import Client
from django.utils.html import escape

from core.models import AuditEvent
from core.people import person_label
from core.roles import Role
from servicedesk import request_actions as actions
from servicedesk.models import CatalogItem, Service
from tests.conftest import browser_for
from tests.core.factories import UserFactory
from tests.servicedesk.factories import ServiceFactory
from tests.servicedesk.request_factories import CatalogItemFactory
from tests.test_statement_budgets import DETAIL, LIST, _counted_get

pytestmark = pytest.mark.django_db
WRITERS = ("service_owner", "admin")


@pytest.fixture
def laptops(people):
    return ServiceFactory(name="Laptops", owner=people["service_owner"])


@pytest.fixture
def item(laptops):
    return CatalogItemFactory(service=laptops, name="New laptop")


@pytest.fixture
def other_owner(db):
    """The owner of another service: may change that one's catalog, not this one's."""
    owner = UserFactory(username="owner2", role=Role.SERVICE_OWNER)
    ServiceFactory(name="Printing", owner=owner)
    return owner


def rows(*fields: dict, initial: int = 0) -> dict:
    """The builder's POST: one row per field (label, name, type, required, help_text,
    choices as lines, min, max, integer, ORDER), plus its management form."""
    data = {
        "fields-TOTAL_FORMS": str(len(fields)),
        "fields-INITIAL_FORMS": str(initial),
        "fields-MIN_NUM_FORMS": "0",
        "fields-MAX_NUM_FORMS": "40",
    }
    for index, field in enumerate(fields):
        for key, value in field.items():
            if key in ("required", "integer"):
                if value:
                    data[f"fields-{index}-{key}"] = "on"
            elif value is None:
                continue
            elif key == "choices":
                data[f"fields-{index}-choices"] = "\n".join(value)
            else:
                data[f"fields-{index}-{key}"] = value
    return data


def item_post(service, *builder: dict, **fields) -> dict:
    """The new-item form: a docking station asking two questions, or the `builder` rows."""
    data = {
        "service": service.pk,
        "name": "Docking station",
        "description": "A USB-C dock for your desk.",
        "active": "on",
        "approval": "none",
        "delivery_days": "4",
        "fulfilment_checklist": "Order the dock\n\n  Hand it over  \n",
    }
    data |= rows(
        *builder
        or (
            {"label": "Desk number", "type": "text", "required": True},
            {"label": "Monitors", "type": "choice", "choices": ["One", "Two"]},
        )
    )
    return data | fields


def edit_post(item: CatalogItem, **fields) -> dict:
    """The edit form as the page shows it (nothing changed), with `fields` changed."""
    data = {
        "version": item.version,
        "service": item.service_id,
        "name": item.name,
        "description": item.description,
        "approval": item.approval,
        "approver": item.approver.username if item.approver_id else "",
        "fulfilment_team": item.fulfilment_team_id or "",
        "delivery_days": item.delivery_days,
        "fulfilment_checklist": "\n".join(item.fulfilment_checklist),
        **({"active": "on"} if item.active else {}),
    }
    shown = [
        {k: v for k, v in f.items() if k in ("label", "name", "type", "required", "choices")}
        | {k: f[k] for k in ("min", "max", "integer") if k in f}
        for f in item.form_definition
    ]
    data |= rows(*shown, initial=len(shown))
    return data | fields


def errors_of(html: str, testid: str) -> str:
    found = re.search(rf'data-testid="{testid}">(.*?)</ul>', html, re.S)
    return found.group(1) if found else ""


def written() -> tuple[int, int]:
    return (
        CatalogItem.objects.count(),
        AuditEvent.objects.filter(action__startswith="catalog_item.").count(),
    )


# --- adding an item ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", WRITERS)
def test_owner_or_admin_adds_an_item_that_requesters_then_order(people, laptops, role):
    """Rows become the form definition (names made from the labels), the checklist one step
    per line; the item page follows with a message; one audit row names who added it."""
    writer = browser_for(people[role])
    assert writer.get("/catalog/items/new/").status_code == 200

    response = writer.post("/catalog/items/new/", item_post(laptops))

    added = CatalogItem.objects.get(name="Docking station")
    assert response.status_code == 302 and response["Location"] == f"/catalog/items/{added.pk}/"
    assert added.service == laptops and added.delivery_days == 4 and added.active
    assert added.fulfilment_checklist == ["Order the dock", "Hand it over"]
    assert added.form_definition == [
        {"name": "desk_number", "label": "Desk number", "type": "text", "required": True}
        | {"help_text": ""},
        {"name": "monitors", "label": "Monitors", "type": "choice", "required": False}
        | {"help_text": "", "choices": ["One", "Two"]},
    ]
    audit = AuditEvent.objects.get(action="catalog_item.created", object_id=str(added.pk))
    assert audit.actor == people[role]
    page = writer.get(response["Location"]).content.decode()
    assert "added to the catalog" in page

    requester = browser_for(people["requester"])
    assert "Docking station" in requester.get("/catalog/").content.decode()
    form = requester.get(f"/catalog/items/{added.pk}/").content.decode()
    assert '<select name="monitors"' in form and 'name="desk_number"' in form


def test_rows_follow_the_position_column_and_empty_or_removed_rows_are_no_fields(people, laptops):
    data = item_post(
        laptops,
        {"label": "Second", "type": "text", "ORDER": "2"},
        {"label": "", "type": "text"},
        {"label": "First", "name": "first_one", "type": "boolean", "ORDER": "1"},
        {"label": "Dropped", "type": "text", "DELETE": "on"},
    )
    response = browser_for(people["service_owner"]).post("/catalog/items/new/", data)
    assert response.status_code == 302
    definition = CatalogItem.objects.get(name="Docking station").form_definition
    assert [(f["name"], f["type"]) for f in definition] == [
        ("first_one", "boolean"),
        ("second", "text"),
    ]


def test_an_item_not_in_the_catalog_is_found_again_in_the_owners_list(people, laptops):
    """An inactive item has no requesters' page (404): saving it leads to the owner's list,
    which says why requesters do not see it."""
    owner = browser_for(people["service_owner"])
    data = item_post(laptops)
    del data["active"]
    response = owner.post("/catalog/items/new/", data)
    added = CatalogItem.objects.get(name="Docking station")
    assert response.status_code == 302
    assert response["Location"] == f"/catalog/manage/#item-{added.pk}"
    listing = owner.get("/catalog/manage/").content.decode()
    assert "while it is not active" in listing and f'id="item-{added.pk}"' in listing
    assert f"/catalog/items/{added.pk}/edit/" in listing
    assert browser_for(people["requester"]).get(f"/catalog/items/{added.pk}/").status_code == 404


# --- refused input ----------------------------------------------------------------------------


def test_a_choice_field_without_choices_is_refused_naming_the_field(people, laptops):
    before = written()
    data = item_post(
        laptops,
        {"label": "Desk number", "type": "text"},
        {"label": "Monitors", "type": "choice", "choices": []},
    )
    response = browser_for(people["service_owner"]).post("/catalog/items/new/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "field &#x27;monitors&#x27;: a choice field needs a list of distinct texts." in (
        errors_of(html, "error-field-2")
    )
    assert 'value="Docking station"' in html  # the rest as typed
    assert "Nothing was saved: the fields marked in red below say why." in html
    assert "Fix the rows marked in red" in html  # no preview of a broken form
    assert written() == before


def test_a_name_used_twice_is_refused_above_the_rows(people, laptops):
    before = written()
    data = item_post(
        laptops,
        {"label": "Desk", "name": "desk", "type": "text"},
        {"label": "Desk again", "name": "desk", "type": "number"},
    )
    response = browser_for(people["service_owner"]).post("/catalog/items/new/", data)
    assert response.status_code == 400
    assert "field &#x27;desk&#x27;: the name is used twice." in errors_of(
        response.content.decode(), "error-form_definition"
    )
    assert written() == before


def test_a_bad_field_name_says_which_row_it_is(people, laptops):
    data = item_post(
        laptops,
        {"label": "Desk", "type": "text"},
        {"label": "Size", "name": "Screen Size", "type": "text"},
    )
    response = browser_for(people["service_owner"]).post("/catalog/items/new/", data)
    assert response.status_code == 400
    assert "field 2: name must be lower-case letters, digits and _." in errors_of(
        response.content.decode(), "error-field-2"
    )
    assert not CatalogItem.objects.filter(name="Docking station").exists()


def test_the_actions_refusals_land_beside_the_items_fields(people, laptops):
    """Approval by a named user without one (the model's rule), a name the service already
    has (its constraint), an empty checklist line is no step but 31 steps are too many."""
    CatalogItemFactory(service=laptops, name="Docking station")
    owner = browser_for(people["service_owner"])
    before = written()

    response = owner.post(
        "/catalog/items/new/",
        item_post(laptops, name="Dock", approval="named_user", approver=""),
    )
    assert response.status_code == 400
    assert "Name the user who approves." in errors_of(response.content.decode(), "error-approver")

    response = owner.post("/catalog/items/new/", item_post(laptops))
    assert response.status_code == 400
    assert "already exists" in errors_of(response.content.decode(), "form-errors")

    steps = "\n".join(f"Step {n}" for n in range(31))
    response = owner.post(
        "/catalog/items/new/", item_post(laptops, name="Dock", fulfilment_checklist=steps)
    )
    assert response.status_code == 400
    assert "Give up to 30 task titles" in errors_of(
        response.content.decode(), "error-fulfilment_checklist"
    )
    assert written() == before


SEATS_ROW = {"label": "Seats", "type": "number", "required": True, "min": "1", "integer": True}


def test_a_number_fields_min_max_and_whole_numbers_are_built_saved_and_shown(people, laptops):
    owner = browser_for(people["service_owner"])
    data = item_post(laptops, SEATS_ROW, {"label": "Litres", "type": "number", "max": "2.5"})
    preview = owner.post("/catalog/items/new/", dict(data, _preview="1")).content.decode()
    shown = preview.split('data-testid="definition-preview"')[1]
    assert re.search(r'<input[^>]*name="preview-seats"[^>]*min="1"[^>]*step="1"', shown) or (
        re.search(r'<input[^>]*name="preview-seats"[^>]*step="1"[^>]*min="1"', shown)
    )
    response = owner.post("/catalog/items/new/", data)
    assert response.status_code == 302
    added = CatalogItem.objects.get(name="Docking station")
    assert added.form_definition == [
        {"name": "seats", "label": "Seats", "type": "number", "required": True}
        | {"help_text": "", "min": 1, "integer": True},
        {"name": "litres", "label": "Litres", "type": "number", "required": False}
        | {"help_text": "", "max": 2.5},
    ]
    form = browser_for(people["requester"]).get(f"/catalog/items/{added.pk}/").content.decode()
    seats = re.search(r'<input[^>]*name="seats"[^>]*>', form).group(0)
    assert 'min="1"' in seats and 'step="1"' in seats
    # The edit page shows the settings in the rows, and saving them unchanged writes nothing.
    edit = owner.get(f"/catalog/items/{added.pk}/edit/").content.decode()
    assert re.search(r'name="fields-0-min" value="1"', edit)
    assert re.search(r'name="fields-1-max" value="2.5"', edit)
    assert re.search(r'<input type="checkbox" name="fields-0-integer"[^>]*checked', edit)
    assert owner.post(f"/catalog/items/{added.pk}/edit/", edit_post(added)).status_code == 302
    added.refresh_from_db()
    assert added.version == 1


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            SEATS_ROW | {"min": "5", "max": "2"},
            "field &#x27;seats&#x27;: min must not be more than max.",
        ),
        (
            SEATS_ROW | {"min": "0.5"},
            "&#x27;seats&#x27;: a whole-number field&#x27;s min must be whole.",
        ),
        (
            {"label": "Note", "type": "text", "min": "1"},
            "&#x27;note&#x27;: only number fields have min, max",
        ),
        ({"label": "Agree", "type": "boolean", "integer": True}, "only number fields have"),
    ],
)
def test_bad_number_settings_are_refused_beside_the_row(people, laptops, row, message):
    before = written()
    response = browser_for(people["service_owner"]).post(
        "/catalog/items/new/", item_post(laptops, row)
    )
    assert response.status_code == 400
    assert message in errors_of(response.content.decode(), "error-field-1")
    assert written() == before


def test_a_min_that_is_no_number_is_refused_beside_its_box(people, laptops):
    before = written()
    response = browser_for(people["service_owner"]).post(
        "/catalog/items/new/", item_post(laptops, SEATS_ROW | {"min": "one"})
    )
    assert response.status_code == 400
    assert "Min: Enter a number." in errors_of(response.content.decode(), "error-field-1-min")
    assert written() == before


def test_an_empty_post_is_a_400_that_writes_nothing(people, laptops, item):
    owner = browser_for(people["service_owner"])
    before = written()
    assert owner.post("/catalog/items/new/", {}).status_code == 400
    assert owner.post(f"/catalog/items/{item.pk}/edit/", {}).status_code == 400
    assert written() == before


# --- changing an item -------------------------------------------------------------------------


@pytest.mark.parametrize("role", WRITERS)
def test_owner_or_admin_changes_an_item_and_the_history_says_what(people, item, role):
    writer = browser_for(people[role])
    page = writer.get(f"/catalog/items/{item.pk}/edit/").content.decode()
    assert 'name="version" value="1"' in page
    assert 'name="preview-model"' in page  # the saved form, as requesters see it

    data = edit_post(item, delivery_days="2")
    data |= {"fields-1-label": "Why do you need it?", "fields-2-DELETE": "on"}
    response = writer.post(f"/catalog/items/{item.pk}/edit/", data)

    assert response.status_code == 302 and response["Location"] == f"/catalog/items/{item.pk}/"
    item.refresh_from_db()
    assert item.version == 2 and item.delivery_days == 2
    assert [f["label"] for f in item.form_definition] == ["Model", "Why do you need it?"]
    audit = AuditEvent.objects.get(action="catalog_item.updated", object_id=str(item.pk))
    assert audit.actor == people[role]
    assert set(audit.changes) == {"delivery_days", "form_definition"}
    assert audit.changes["delivery_days"] == [3, 2]
    history = writer.get(f"/catalog/items/{item.pk}/edit/").content.decode()
    assert "changed delivery_days, form_definition" in history


def test_an_owner_moves_an_item_only_between_services_they_own(people, item, other_owner):
    """The service list holds only services the user may change; another one is refused by
    the form (400) and nothing moves."""
    mine = ServiceFactory(name="Desktops", owner=people["service_owner"])
    printing = Service.objects.get(owner=other_owner)
    owner = browser_for(people["service_owner"])
    page = owner.get(f"/catalog/items/{item.pk}/edit/").content.decode()
    assert ">Desktops<" in page and ">Printing<" not in page

    refused = owner.post(f"/catalog/items/{item.pk}/edit/", edit_post(item, service=printing.pk))
    assert refused.status_code == 400
    assert "Select a valid choice" in errors_of(refused.content.decode(), "error-service")
    item.refresh_from_db()
    assert item.service.name == "Laptops" and item.version == 1

    moved = owner.post(f"/catalog/items/{item.pk}/edit/", edit_post(item, service=mine.pk))
    assert moved.status_code == 302
    item.refresh_from_db()
    assert item.service == mine and item.version == 2


def test_a_change_based_on_an_old_version_is_a_412_with_the_form_as_typed(people, item):
    """Someone saves the item in between: nothing of the stale form is written, the form
    comes back as typed, based on the current version, so a second save goes through."""
    owner = browser_for(people["service_owner"])
    stale = edit_post(item, name="Laptop (standard)")
    actions.catalog_item_update(
        item=item, actor=people["admin"], expected_version=1, changes={"delivery_days": 9}
    )

    response = owner.post(f"/catalog/items/{item.pk}/edit/", stale)

    assert response.status_code == 412
    html = response.content.decode()
    assert "Someone else saved this item after you opened it (it is now version 2)" in html
    assert 'value="Laptop (standard)"' in html and 'name="version" value="2"' in html
    item.refresh_from_db()
    assert (item.name, item.delivery_days, item.version) == ("New laptop", 9, 2)
    assert AuditEvent.objects.filter(action="catalog_item.updated").count() == 1

    again = dict(stale, version="2")
    assert owner.post(f"/catalog/items/{item.pk}/edit/", again).status_code == 302
    item.refresh_from_db()
    assert (item.name, item.version) == ("Laptop (standard)", 3)


def test_a_change_without_its_version_is_a_400_never_saved_over_the_current(people, item):
    owner = browser_for(people["service_owner"])
    data = edit_post(item, name="Laptop (standard)")
    del data["version"]
    response = owner.post(f"/catalog/items/{item.pk}/edit/", data)
    assert response.status_code == 400
    assert "did not say which version" in errors_of(response.content.decode(), "error-version")
    item.refresh_from_db()
    assert (item.name, item.version) == ("New laptop", 1)
    assert not AuditEvent.objects.filter(action="catalog_item.updated").exists()


def test_a_save_that_changes_nothing_writes_nothing(people, item):
    response = browser_for(people["service_owner"]).post(
        f"/catalog/items/{item.pk}/edit/", edit_post(item)
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.version == 1
    assert not AuditEvent.objects.filter(action="catalog_item.updated").exists()


def test_add_a_field_and_update_preview_show_the_rows_and_save_nothing(people, item):
    owner = browser_for(people["service_owner"])
    data = edit_post(item)
    data["fields-0-label"] = "Screen size"

    more = owner.post(f"/catalog/items/{item.pk}/edit/", dict(data, _more="1"))
    assert more.status_code == 200
    html = more.content.decode()
    assert html.count('data-testid="field-row"') == 4
    assert 'name="fields-3-label"' in html and "autofocus" in html

    preview = owner.post(f"/catalog/items/{item.pk}/edit/", dict(data, _preview="1"))
    assert preview.status_code == 200
    shown = preview.content.decode().split('data-testid="definition-preview"')[1]
    assert "Screen size" in shown and "not saved yet" in shown
    item.refresh_from_db()
    assert item.version == 1 and item.form_definition[0]["label"] == "Model"


# --- the approver -----------------------------------------------------------------------------

# The form's words for someone the approver rule (request_queries.catalog_approvers) refuses.
NO_APPROVER = "No active person by that username or email"


def _box(html: str, name: str) -> str:
    """The <input> of a person box (typed, matches from /people/), by its name."""
    found = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    return found.group(0) if found else ""


def test_the_editor_lists_no_one_however_many_people_there_are(
    people, laptops, django_assert_max_num_queries
):
    """The approver was a select of every active person (20,000 options at bench scale): the
    new and edit pages are now the same size and statements for 10 people or 70, the approver
    a box to type in whose matches come from /people/ as one types; the edit page shows the
    saved approver's username in the box and their name under it."""
    approver = people["requester_other"]  # of an organisation: named with it
    named = CatalogItemFactory(
        service=laptops, name="Monitor", approval="named_user", approver=approver
    )
    owner = browser_for(people["service_owner"])
    urls = ("/catalog/items/new/", f"/catalog/items/{named.pk}/edit/")

    def pages() -> list[tuple[int, str]]:
        shown = []
        for url in urls:
            count, response = _counted_get(owner, url, DETAIL, django_assert_max_num_queries)
            shown.append((count, response.content.decode()))
        return shown

    few = pages()
    UserFactory.create_batch(60)
    many = pages()
    for (count_before, before), (count_after, after) in zip(few, many, strict=True):
        assert count_before == count_after
        assert before.count("<option") == after.count("<option")
        assert abs(len(after) - len(before)) < 100  # only the CSRF token differs
        box = _box(after, "approver")
        assert 'list="id_approver-people"' in box and 'hx-get="/people/"' in box
        assert '<datalist id="id_approver-people"></datalist>' in after
    edit = many[1][1]
    assert 'value="req_other"' in _box(edit, "approver")
    assert f"Saved: {escape(person_label(approver))}." in edit and "Initech" in edit


@pytest.mark.parametrize("role", WRITERS)
def test_an_approver_is_typed_by_username_or_email_and_the_change_is_audited(people, item, role):
    """Anyone active may approve (a requester's manager may be a requester): one of another
    organisation's requesters is taken by username, an agent by email in any case."""
    writer = browser_for(people[role])
    chosen = people["requester_other"]
    data = edit_post(item, approval="named_user", approver=chosen.username)
    response = writer.post(f"/catalog/items/{item.pk}/edit/", data)
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.approval, item.approver, item.version) == ("named_user", chosen, 2)
    audit = AuditEvent.objects.get(action="catalog_item.updated", object_id=str(item.pk))
    assert audit.actor == people[role]
    assert audit.changes == {"approval": ["none", "named_user"], "approver": [None, chosen.pk]}

    agent = people["agent"]
    data = edit_post(item, approver=agent.email.upper())
    assert writer.post(f"/catalog/items/{item.pk}/edit/", data).status_code == 302
    item.refresh_from_db()
    assert item.approver == agent and item.version == 3
    latest = AuditEvent.objects.filter(action="catalog_item.updated").latest("id")
    assert latest.changes == {"approver": [chosen.pk, agent.pk]}


def test_a_new_item_takes_its_approver_typed(people, laptops):
    owner = browser_for(people["service_owner"])
    data = item_post(laptops, approval="named_user", approver="manager")
    assert owner.post("/catalog/items/new/", data).status_code == 302
    added = CatalogItem.objects.get(name="Docking station")
    assert added.approver == people["manager"]
    assert AuditEvent.objects.filter(action="catalog_item.created", object_id=str(added.pk))


@pytest.mark.parametrize("typed", ["gone", "gone@example.com", "nobody", "{manager}"])
def test_an_approver_outside_the_rule_is_refused_beside_the_box_and_nothing_is_written(
    people, laptops, item, typed
):
    """Someone inactive, someone unknown, or the id the old select posted: 400 with the
    reason beside the approver and the box as typed; neither a new item nor a change is
    written."""
    UserFactory(username="gone", email="gone@example.com", is_active=False)
    typed = typed.format(manager=people["manager"].pk)
    owner = browser_for(people["service_owner"])
    before = written()
    attempts = {
        "/catalog/items/new/": item_post(laptops, approval="named_user", approver=typed),
        f"/catalog/items/{item.pk}/edit/": edit_post(item, approval="named_user", approver=typed),
    }
    for url, data in attempts.items():
        response = owner.post(url, data)
        html = response.content.decode()
        assert response.status_code == 400, url
        assert NO_APPROVER in errors_of(html, "error-approver")
        assert f'value="{typed}"' in _box(html, "approver")
    item.refresh_from_db()
    assert (item.approval, item.approver, item.version) == ("none", None, 1)
    assert written() == before


# The approver's row (the box and the saved name): shown for approval by a named user only.
ROW_SHOWN = '<div data-shown-for="approval=named_user">'
ROW_HIDDEN = '<div data-shown-for="approval=named_user" hidden>'


@pytest.mark.parametrize("approval", ["none", "manager", "service_owner"])
def test_switching_to_an_approval_without_a_named_user_stores_no_approver(
    people, laptops, approval
):
    """The box still posts the saved approver's username (as it did while hidden, or without
    script): a kind of approval that names no one keeps no one, and the history says so. The
    page then shows neither the box nor the name (it stays for approval by a named user)."""
    approver = people["manager"]
    item = CatalogItemFactory(
        service=laptops, name="Monitor", approval="named_user", approver=approver
    )
    owner = browser_for(people["service_owner"])
    response = owner.post(f"/catalog/items/{item.pk}/edit/", edit_post(item, approval=approval))
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.approval, item.approver, item.version) == (approval, None, 2)
    audit = AuditEvent.objects.get(action="catalog_item.updated", object_id=str(item.pk))
    assert audit.changes == {"approval": ["named_user", approval], "approver": [approver.pk, None]}
    page = owner.get(f"/catalog/items/{item.pk}/edit/").content.decode()
    assert ROW_HIDDEN in page
    assert "Saved:" not in page and approver.last_name not in page


def test_a_new_item_without_a_named_approver_keeps_none_typed(people, laptops):
    owner = browser_for(people["service_owner"])
    data = item_post(laptops, approval="service_owner", approver="manager")
    assert owner.post("/catalog/items/new/", data).status_code == 302
    added = CatalogItem.objects.get(name="Docking station")
    assert (added.approval, added.approver) == ("service_owner", None)
    # Nor is a name typed there checked: the box is not used.
    data = item_post(laptops, name="Headset", approval="none", approver="nobody-by-that-name")
    assert owner.post("/catalog/items/new/", data).status_code == 302
    assert CatalogItem.objects.get(name="Headset").approver is None


def test_the_approver_box_is_shown_only_for_approval_by_a_named_user(people, laptops, item):
    owner = browser_for(people["service_owner"])
    page = owner.get(f"/catalog/items/{item.pk}/edit/").content.decode()  # no approval
    assert ROW_HIDDEN in page
    named = CatalogItemFactory(
        service=laptops, name="Monitor", approval="named_user", approver=people["manager"]
    )
    page = owner.get(f"/catalog/items/{named.pk}/edit/").content.decode()
    assert ROW_SHOWN in page and "Saved: " in page
    # A refused save for a named user shows the box (and why) whatever the page had shown.
    refused = owner.post(
        f"/catalog/items/{item.pk}/edit/", edit_post(item, approval="named_user", approver="")
    )
    assert refused.status_code == 400
    html = refused.content.decode()
    assert ROW_SHOWN in html and "Name the user who approves." in html


def test_an_unchanged_edit_keeps_the_approver_even_one_no_longer_active(people, laptops):
    """The edit page shows the current approver; saving other fields keeps them, as the
    service form keeps a service's owner (an approver who has since left stays until someone
    is named instead: the request page then says none is set)."""
    approver = people["manager"]
    item = CatalogItemFactory(
        service=laptops, name="Monitor", approval="named_user", approver=approver
    )
    owner = browser_for(people["service_owner"])
    page = owner.get(f"/catalog/items/{item.pk}/edit/").content.decode()
    assert 'value="manager"' in _box(page, "approver")
    assert f"Saved: {escape(person_label(approver))}. To change" in page
    unchanged = edit_post(item)
    assert unchanged["approver"] == "manager"
    assert owner.post(f"/catalog/items/{item.pk}/edit/", unchanged).status_code == 302
    item.refresh_from_db()
    assert item.version == 1  # nothing changed, nothing written

    approver.is_active = False
    approver.save()
    response = owner.post(f"/catalog/items/{item.pk}/edit/", edit_post(item, delivery_days="2"))
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.approver, item.delivery_days, item.version) == (approver, 2, 2)
    audit = AuditEvent.objects.get(action="catalog_item.updated", object_id=str(item.pk))
    assert audit.changes == {"delivery_days": [3, 2]}
    page = owner.get(f"/catalog/items/{item.pk}/edit/").content.decode()
    assert 'value="manager"' in _box(page, "approver") and "(manager), no longer active." in page


def test_the_approver_box_offers_everyone_active_the_rule_admits(people, laptops):
    """The editors (service owners, admins) are staff: /people/ offers them everyone active,
    which is whom the approver rule takes: requesters of any organisation and staff alike,
    nobody inactive."""
    UserFactory(username="req_gone", is_active=False)
    for role in WRITERS:
        editor = browser_for(people[role])
        offered = set()
        for typed in ("req", "agent"):
            answer = editor.get("/people/", {"approver": typed}).content.decode()
            offered |= set(re.findall(r'<option value="([^"]+)"', answer))
        requesters = {"req", "req_acme2", "req_g1", "req_g2", "req_other"}
        assert requesters | {"agent", "agent2"} <= offered
        assert "req_gone" not in offered


# --- who may ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["agent", "requester", "manager", "project_manager"])
def test_others_are_refused_the_pages_and_the_writes(people, item, role):
    user = browser_for(people[role])
    before = written()
    assert user.get("/catalog/manage/").status_code == 403
    assert user.get("/catalog/items/new/").status_code == 403
    assert user.post("/catalog/items/new/", item_post(item.service)).status_code == 403
    assert user.get(f"/catalog/items/{item.pk}/edit/").status_code == 403
    assert user.post(f"/catalog/items/{item.pk}/edit/", edit_post(item)).status_code == 403
    assert written() == before


def test_a_requester_gets_404_for_an_item_the_catalog_hides(people, laptops):
    hidden = CatalogItemFactory(service=laptops, name="Old laptop", active=False)
    response = browser_for(people["requester"]).get(f"/catalog/items/{hidden.pk}/edit/")
    assert response.status_code == 404


def test_another_services_owner_may_not_change_this_item(people, item, other_owner):
    client = browser_for(other_owner)
    before = written()
    assert client.get(f"/catalog/items/{item.pk}/edit/").status_code == 403
    assert client.post(f"/catalog/items/{item.pk}/edit/", edit_post(item)).status_code == 403
    # Their own list and the new-item page offer only their service.
    listing = client.get("/catalog/manage/").content.decode()
    assert "Printing" in listing and "Laptops" not in listing
    refused = client.post("/catalog/items/new/", item_post(item.service))
    assert refused.status_code == 400 and "Select a valid choice" in errors_of(
        refused.content.decode(), "error-service"
    )
    assert written() == before


def test_new_item_and_edit_item_links_are_shown_only_to_those_who_may(people, item, other_owner):
    def links(user) -> tuple[bool, bool]:
        client = browser_for(user)
        catalog = client.get("/catalog/").content.decode()
        page = client.get(f"/catalog/items/{item.pk}/").content.decode()
        return (
            'data-testid="catalog-item-new"' in catalog,
            'data-testid="catalog-item-edit"' in page,
        )

    assert links(people["service_owner"]) == (True, True)
    assert links(people["admin"]) == (True, True)
    assert links(other_owner) == (True, False)  # their own service's items only
    for role in ("agent", "requester", "manager"):
        assert links(people[role]) == (False, False), role


def test_anonymous_users_are_sent_to_log_in(item):
    client = Client()
    for url in ("/catalog/manage/", "/catalog/items/new/", f"/catalog/items/{item.pk}/edit/"):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


# --- statements -------------------------------------------------------------------------------


def test_the_pages_statements_do_not_grow_with_items_fields_and_history(
    people, laptops, django_assert_max_num_queries
):
    """3 items, then 9 (each with the laptop form and a change in its history): the same
    statements for the list, the new-item page and an edit page (see test_statement_budgets)."""
    owner = browser_for(people["service_owner"])
    first = CatalogItemFactory(service=laptops, name="Item 0")
    counts = []
    for batch in (2, 6):
        for n in range(batch):
            made = CatalogItemFactory(service=laptops, name=f"Item {len(counts)}-{n}")
            actions.catalog_item_update(
                item=made, actor=people["admin"], expected_version=1, changes={"active": False}
            )
        note = {"name": f"note_{len(counts)}", "label": "Note", "type": "text"}
        first = actions.catalog_item_update(
            item=first,
            actor=people["service_owner"],
            expected_version=first.version,
            changes={
                "delivery_days": first.delivery_days + 1,
                "form_definition": [*first.form_definition, note],
            },
        )
        found = []
        # A form page reads the item, one list per select (services, teams; the approver is a
        # box to type in, the item's approver joined) and the item's recent history: the
        # budget of a detail.
        budgets = {
            "/catalog/manage/": LIST,
            "/catalog/items/new/": DETAIL,
            f"/catalog/items/{first.pk}/edit/": DETAIL,
        }
        for url, budget in budgets.items():
            count, _ = _counted_get(owner, url, budget, django_assert_max_num_queries)
            found.append(count)
        listing = owner.get("/catalog/manage/").content.decode()
        assert listing.count('data-testid="catalog-manage-item"') == CatalogItem.objects.count()
        counts.append(found)
    assert counts[0] == counts[1], counts


def test_odd_numbers_in_the_address_or_the_rows_count_are_a_form_again_not_an_error(
    people, laptops
):
    """Digits int() cannot read ("²") preselect nothing and add no row: a page, never a 500."""
    owner = browser_for(people["service_owner"])
    assert owner.get("/catalog/items/new/?service=²").status_code == 200
    data = item_post(laptops, _more="1", **{"fields-TOTAL_FORMS": "²"})
    response = owner.post("/catalog/items/new/", data)
    assert response.status_code == 400
    assert not CatalogItem.objects.filter(name="Docking station").exists()
