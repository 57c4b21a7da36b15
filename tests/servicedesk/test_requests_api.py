"""/api/v1/catalog-items/ and /api/v1/requests/: visibility, validation, approvals, moves."""

from datetime import UTC, datetime

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from core.models import AuditEvent
from servicedesk import request_actions as actions
from servicedesk.catalog_forms import definition_clean
from servicedesk.models import CatalogItem, ServiceRequest
from tests.conftest import assert_status, browser_for, client_for
from tests.core.factories import UserFactory
from tests.servicedesk.factories import ServiceFactory, office_calendar, sla_policy
from tests.servicedesk.request_factories import LAPTOP_FORM, CatalogItemFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/requests/"
ITEMS = "/api/v1/catalog-items/"
ANSWERS = {"model": "13-inch", "justification": "New starter"}


@pytest.fixture
def desk(people):
    people["requester"].manager = people["manager"]
    people["requester"].save()
    service = ServiceFactory(name="Laptops", owner=people["service_owner"])
    return {
        "service": service,
        "laptop": CatalogItemFactory(
            service=service, name="New laptop", approval="manager", fulfilment_team=people["team"]
        ),
        "vpn": CatalogItemFactory(service=service, name="VPN access", form_definition=[]),
    }


@pytest.fixture
def awaiting(people, desk):
    """An Acme request (non-shared org) waiting for the requester's manager."""
    return actions.request_submit(
        actor=people["requester"], catalog_item=desk["laptop"], answers=ANSWERS
    )


# --- visibility ------------------------------------------------------------------------------

VISIBILITY = [
    ("requester", 200),
    ("requester_same_org", 404),  # Acme is not shared
    ("requester_other", 404),
    ("requester_shared", 404),
    ("manager", 200),  # the approver (and staff)
    ("agent", 200),
    ("service_owner", 200),
    ("admin", 200),
    ("anonymous", 401),
]


@pytest.mark.parametrize(("who", "expected"), VISIBILITY)
@pytest.mark.parametrize(
    "suffix", ["", "comments/", "attachments/", "history/", "approvals/", "tasks/"]
)
def test_request_endpoints_answer_per_visibility(people, awaiting, who, expected, suffix):
    assert_status(people[who], "get", f"{URL}{awaiting.pk}/{suffix}", expected)


def test_a_requester_role_approver_sees_only_what_awaits_them(people, desk):
    boss = people["requester_same_org"]
    people["requester_other"].manager = boss
    people["requester_other"].save()
    theirs = actions.request_submit(
        actor=people["requester_other"], catalog_item=desk["laptop"], answers=ANSWERS
    )
    actions.request_submit(actor=people["requester"], catalog_item=desk["laptop"], answers=ANSWERS)
    rows = assert_status(boss, "get", URL, 200).json()["results"]
    assert [r["number"] for r in rows] == [theirs.number]


def test_members_of_a_shared_organisation_see_each_others_requests(people, desk):
    shared = actions.request_submit(actor=people["requester_shared"], catalog_item=desk["vpn"])
    assert_status(people["requester_shared2"], "get", f"{URL}{shared.pk}/", 200)
    assert_status(people["requester"], "get", f"{URL}{shared.pk}/", 404)


def test_requesters_never_receive_internal_notes(people, awaiting):
    actions.request_comment_add(request=awaiting, actor=people["agent"], body="public")
    actions.request_comment_add(
        request=awaiting, actor=people["agent"], body="secret", internal=True
    )
    bodies = [
        c["body"]
        for c in assert_status(
            people["requester"], "get", f"{URL}{awaiting.pk}/comments/", 200
        ).json()
    ]
    assert bodies == ["public"]


# --- submitting -------------------------------------------------------------------------------


def test_a_requester_submits_with_valid_answers(people, desk):
    body = assert_status(
        people["requester"],
        "post",
        URL,
        201,
        {"catalog_item": desk["laptop"].pk, "answers": {**ANSWERS, "needed_by": "2026-03-01"}},
    ).json()
    assert body["number"].startswith("REQ") and body["status"] == "awaiting_approval"
    assert body["approver"]["username"] == "manager"
    assert body["answers"]["needed_by"] == "2026-03-01"
    assert [t["title"] for t in body["tasks"]] == ["Order", "Hand over"]


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({"justification": "x"}, "answers.model"),
        ({"model": "17-inch", "justification": "x"}, "answers.model"),
        ({**ANSWERS, "needed_by": "tomorrow"}, "answers.needed_by"),
        ({**ANSWERS, "colour": "red"}, "answers.colour"),
    ],
)
def test_bad_answers_are_400_naming_the_field(people, desk, answers, field):
    body = assert_status(
        people["requester"],
        "post",
        URL,
        400,
        {"catalog_item": desk["laptop"].pk, "answers": answers},
    ).json()
    assert list(body["fields"]) == [field]


LICENCE_FORM = [
    {"name": "seats", "label": "Seats", "type": "number", "required": True}
    | {"min": 1, "integer": True},
    {"name": "for_whom", "label": "For whom", "type": "user"},
]
NOT_YOURS = "Choose yourself or an active person of your organisation."


@pytest.fixture
def licence(desk):
    return CatalogItemFactory(
        service=desk["service"],
        name="Software licence",
        form_definition=definition_clean(LICENCE_FORM),
    )


@pytest.mark.parametrize(
    ("actor", "for_whom", "expected"),
    [
        ("requester", "requester", 201),
        ("requester", "requester_same_org", 201),
        ("requester", "requester_shared", 400),  # Globex: another organisation
        ("requester", "requester_other", 400),
        ("requester", "agent", 400),  # staff are not listed for requesters
        ("requester_shared", "requester_shared2", 201),
        ("requester_shared", "requester", 400),
        ("agent", "requester_shared", 201),
        ("service_owner", "requester_other", 201),
        ("admin", "agent", 201),
    ],
)
def test_a_requester_orders_only_for_their_organisation_staff_for_anyone(
    people, licence, actor, for_whom, expected
):
    data = {"catalog_item": licence.pk, "answers": {"seats": 2, "for_whom": people[for_whom].pk}}
    body = assert_status(people[actor], "post", URL, expected, data).json()
    if expected == 400:
        assert body["fields"] == {"answers.for_whom": [NOT_YOURS]}
        assert not ServiceRequest.objects.exists()
    else:
        assert body["answers"]["for_whom"] == people[for_whom].pk


def test_an_order_for_oneself_names_the_requester_for_whom_over_the_api(people, licence):
    """As the request page does: For whom left empty is the requester, also for an agent
    ordering on someone's behalf; an order for someone else names them. `answers` stay as
    submitted (an integration tells "nobody named" from "the requester named")."""
    own = {"catalog_item": licence.pk, "answers": {"seats": 2}}
    body = assert_status(people["requester"], "post", URL, 201, own).json()
    assert body["answers"] == {"seats": 2}
    assert body["for_whom"] == people["requester"].pk
    listed = assert_status(people["requester"], "get", URL, 200).json()["results"]
    assert listed[0]["for_whom"] == people["requester"].pk
    shown = assert_status(people["agent"], "get", f"{URL}{body['id']}/", 200).json()
    assert shown["for_whom"] == people["requester"].pk
    behalf = {**own, "requester": people["requester_other"].pk}
    body = assert_status(people["agent"], "post", URL, 201, behalf).json()
    assert body["for_whom"] == people["requester_other"].pk
    named = people["requester_shared"]
    other = {"catalog_item": licence.pk, "answers": {"seats": 1, "for_whom": named.pk}}
    body = assert_status(people["agent"], "post", URL, 201, other).json()
    assert (body["answers"]["for_whom"], body["for_whom"]) == (named.pk, named.pk)


def test_another_person_field_left_empty_is_no_answer(people, desk):
    """Only For whom means the one ordering when left empty: a deputy left empty is none."""
    item = CatalogItemFactory(
        service=desk["service"],
        form_definition=definition_clean(
            [
                {"name": "reason", "label": "Reason", "type": "text", "required": True},
                {"name": "deputy", "label": "Deputy while away", "type": "user"},
            ]
        ),
    )
    data = {"catalog_item": item.pk, "answers": {"reason": "holiday"}}
    body = assert_status(people["requester"], "post", URL, 201, data).json()
    assert body["answers"] == {"reason": "holiday"}
    assert body["for_whom"] is None
    page = browser_for(people["requester"]).get(f"/requests/{body['number']}/")
    assert page.status_code == 200
    assert b"Deputy while away" not in page.content


def test_an_agent_ordering_on_behalf_of_an_inactive_person_is_400_writing_nothing(people, licence):
    """Requests follow incidents: no new ticket for someone who has left."""
    people["requester_other"].is_active = False
    people["requester_other"].save(update_fields=["is_active"])
    data = {"catalog_item": licence.pk, "answers": {"seats": 2},
            "requester": people["requester_other"].pk}  # fmt: skip
    body = assert_status(people["agent"], "post", URL, 400, data).json()
    assert body["fields"] == {"requester": ["Choose an active user."]}
    assert not ServiceRequest.objects.exists() and not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    ("for_whom", "message"),
    [
        ("inactive", "No such active user."),
        (987654, "No such active user."),
        ("username", "Answer with a user id."),  # the page takes usernames, the API ids
    ],
)
def test_staff_ordering_for_someone_outside_the_rule_over_the_api_is_400_writing_nothing(
    people, licence, for_whom, message
):
    """The API applies the page's rule (request_queries.people_to_order_for) to the id."""
    gone = UserFactory(username="gone", is_active=False)
    named = {"inactive": gone.pk, "username": people["requester"].username}.get(for_whom, for_whom)
    before = AuditEvent.objects.count()
    data = {"catalog_item": licence.pk, "answers": {"seats": 2, "for_whom": named}}
    body = assert_status(people["agent"], "post", URL, 400, data).json()
    assert body["fields"] == {"answers.for_whom": [message]}
    assert not ServiceRequest.objects.exists() and AuditEvent.objects.count() == before


@pytest.mark.parametrize(
    ("seats", "message"),
    [(-5, "At least 1."), (0, "At least 1."), (1.5, "Answer with a whole number.")],
)
def test_a_number_outside_its_fields_bounds_is_400_naming_it_and_writes_nothing(
    people, licence, seats, message
):
    data = {"catalog_item": licence.pk, "answers": {"seats": seats}}
    body = assert_status(people["requester"], "post", URL, 400, data).json()
    assert body["fields"] == {"answers.seats": [message]}
    assert not ServiceRequest.objects.exists()
    data["answers"]["seats"] = 3
    body = assert_status(people["requester"], "post", URL, 201, data).json()
    assert body["answers"] == {"seats": 3}
    assert body["for_whom"] == people["requester"].pk  # for oneself


def test_items_of_a_planned_service_cannot_be_ordered(people):
    planned = ServiceFactory(name="Payroll v2", status="planned")
    item = CatalogItemFactory(service=planned, form_definition=[])
    assert_status(people["requester"], "post", URL, 404, {"catalog_item": item.pk})
    assert_status(people["agent"], "post", URL, 400, {"catalog_item": item.pk})


def test_only_agents_order_for_someone_else(people, desk):
    data = {"catalog_item": desk["vpn"].pk, "requester": people["requester_other"].pk}
    assert_status(people["requester"], "post", URL, 403, data)
    body = assert_status(people["agent"], "post", URL, 201, data).json()
    assert body["requester"]["username"] == "req_other" and body["status"] == "in_fulfilment"


# --- approvals -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("manager", 201),
        ("requester", 403),
        ("agent", 403),
        ("admin", 403),
        ("service_owner", 403),
        ("requester_other", 404),
    ],
)
def test_only_the_designated_approver_approves(people, awaiting, who, expected):
    assert_status(
        people[who], "post", f"{URL}{awaiting.pk}/approvals/", expected, {"decision": "approved"}
    )


def test_approval_is_recorded_and_the_requester_is_told(
    people, awaiting, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        body = assert_status(
            people["manager"],
            "post",
            f"{URL}{awaiting.pk}/approvals/",
            201,
            {"decision": "approved", "comment": "Fine"},
        ).json()
    assert body["status"] == "approved"
    assert body["approvals"][0]["approver"]["username"] == "manager"
    assert body["approvals"][0]["comment"] == "Fine" and body["approvals"][0]["decided_at"]
    assert [m.to for m in mailoutbox][-1] == [people["requester"].email]


def test_reject_without_a_comment_is_400_and_with_one_rejects(people, awaiting):
    url = f"{URL}{awaiting.pk}/approvals/"
    assert_status(people["manager"], "post", url, 400, {"decision": "rejected"})
    body = assert_status(
        people["manager"], "post", url, 201, {"decision": "rejected", "comment": "No budget"}
    ).json()
    assert body["status"] == "rejected"
    assert (
        assert_status(people["manager"], "post", url, 409, {"decision": "approved"}).json()[
            "allowed"
        ]
        == []
    )


def test_the_requester_cancels_while_awaiting_approval(people, awaiting):
    body = assert_status(
        people["requester"], "post", f"{URL}{awaiting.pk}/transitions/", 200, {"action": "cancel"}
    ).json()
    assert body["status"] == "cancelled"


def test_the_approval_mail_links_to_the_approvers_inbox_item(
    people, desk, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        created = actions.request_submit(
            actor=people["requester"], catalog_item=desk["laptop"], answers=ANSWERS
        )
    to_approver = [m for m in mailoutbox if m.to == [people["manager"].email]]
    assert len(to_approver) == 1
    assert f"/approvals/{created.number}/" in to_approver[0].body
    assert "approval is needed" in to_approver[0].subject


# --- fulfilment --------------------------------------------------------------------------


def test_fulfil_with_open_tasks_is_409_naming_them(people, desk):
    created = actions.request_submit(actor=people["requester"], catalog_item=desk["vpn"])
    moves = f"{URL}{created.pk}/transitions/"
    body = assert_status(people["agent"], "post", moves, 409, {"action": "fulfil"}).json()
    assert body["code"] == "gate_not_met"
    assert body["unmet"] == ["Task not done: Order", "Task not done: Hand over"]
    for task in created.tasks.all():
        assert_status(
            people["agent"],
            "post",
            f"{URL}{created.pk}/tasks/",
            200,
            {"task": task.pk, "done": True},
        )
    assert_status(people["requester"], "post", moves, 403, {"action": "fulfil"})
    assert (
        assert_status(people["agent"], "post", moves, 200, {"action": "fulfil"}).json()["status"]
        == "fulfilled"
    )
    assert (
        assert_status(people["requester"], "post", moves, 200, {"action": "close"}).json()["status"]
        == "closed"
    )


def test_requesters_cannot_tick_tasks(people, desk):
    created = actions.request_submit(actor=people["requester"], catalog_item=desk["vpn"])
    task = created.tasks.first()
    assert_status(
        people["requester"],
        "post",
        f"{URL}{created.pk}/tasks/",
        403,
        {"task": task.pk, "done": True},
    )


def test_an_invalid_move_is_409_with_the_allowed_actions(people, awaiting):
    body = assert_status(
        people["agent"], "post", f"{URL}{awaiting.pk}/transitions/", 409, {"action": "fulfil"}
    ).json()
    assert body["allowed"] == ["approve", "reject", "cancel"]


# --- updates with versions ---------------------------------------------------------------


def test_a_stale_version_is_412_and_changes_nothing(people, awaiting):
    url = f"{URL}{awaiting.pk}/"
    assert_status(people["agent"], "patch", url, 428, {"assignee": people["agent"].pk})
    assert_status(
        people["agent"], "patch", url, 412, {"assignee": people["agent"].pk, "version": 99}
    )
    body = assert_status(
        people["agent"],
        "patch",
        url,
        200,
        {"assignee": people["agent"].pk, "version": awaiting.version},
    ).json()
    assert body["assignee"] == people["agent"].pk and body["version"] == awaiting.version + 1
    assert_status(
        people["requester"], "patch", url, 403, {"team": None, "version": body["version"]}
    )


# --- comments and attachments (the incident machinery, shared) ------------------------------


def test_comments_and_attachments_on_a_request(people, awaiting, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    api = client_for(people["requester"])
    response = api.post(f"{URL}{awaiting.pk}/comments/", {"body": "**Soon** please"}, format="json")
    assert response.status_code == 201 and "<strong>Soon</strong>" in response.json()["body_html"]
    upload = SimpleUploadedFile("quote.txt", b"price: 1200", content_type="text/plain")
    response = api.post(f"{URL}{awaiting.pk}/attachments/", {"file": upload}, format="multipart")
    assert response.status_code == 201
    link = response.json()["download_url"]
    bad = SimpleUploadedFile("x.html", b"<script>alert(1)</script>", content_type="text/plain")
    assert (
        api.post(f"{URL}{awaiting.pk}/attachments/", {"file": bad}, format="multipart").status_code
        == 400
    )
    browser = client
    browser.force_login(people["requester"])
    download = browser.get(link)
    assert download.status_code == 200 and download["X-Content-Type-Options"] == "nosniff"
    browser.force_login(people["requester_other"])
    assert browser.get(link).status_code == 404


def test_a_requester_reply_mails_the_fulfilment_team_not_the_requester(
    people, awaiting, mailoutbox, django_capture_on_commit_callbacks
):
    people["team"].email = "desk@example.com"
    people["team"].save()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.request_comment_add(request=awaiting, actor=people["requester"], body="Any news?")
    assert [m.to for m in mailoutbox] == [["desk@example.com"]]
    assert "Any news?" in mailoutbox[0].body


# --- SLA clock -------------------------------------------------------------------------------


def test_delivery_is_due_after_the_items_business_days_on_the_services_calendar(people, clock):
    office = office_calendar("Office", tz="UTC")
    policy = sla_policy("Standard", office, is_default=True)
    service = ServiceFactory(name="Desk", sla_policy=policy)
    item = CatalogItemFactory(service=service, form_definition=[], delivery_days=2)
    clock.set(datetime(2026, 3, 6, 15, 0, tzinfo=UTC))  # a Friday
    created = actions.request_submit(actor=people["requester"], catalog_item=item)
    # Monday and Tuesday are the two business days; due at the end of Tuesday's hours.
    assert created.resolution_due == datetime(2026, 3, 10, 17, 0, tzinfo=UTC)
    # First response as for a priority-4 incident: 120 business minutes.
    assert created.response_due == datetime(2026, 3, 6, 17, 0, tzinfo=UTC)


# --- the catalog ---------------------------------------------------------------------------


def test_everyone_reads_the_catalog_of_live_services(people, desk):
    CatalogItemFactory(service=ServiceFactory(name="Payroll v2", status="planned"))
    names = {
        i["name"] for i in assert_status(people["requester"], "get", ITEMS, 200).json()["results"]
    }
    assert names == {"New laptop", "VPN access"}
    assert len(assert_status(people["agent"], "get", ITEMS, 200).json()["results"]) == 3


@pytest.mark.parametrize(
    ("who", "expected"),
    [("service_owner", 201), ("admin", 201), ("agent", 403), ("requester", 403)],
)
def test_the_service_owner_and_admins_add_catalog_items(people, desk, who, expected):
    data = {"service": desk["service"].pk, "name": f"Dock {who}", "form_definition": LAPTOP_FORM}
    assert_status(people[who], "post", ITEMS, expected, data)


def test_another_services_owner_cannot_add_items(people, desk):
    other = ServiceFactory(name="Email")
    assert_status(people["service_owner"], "post", ITEMS, 403, {"service": other.pk, "name": "Box"})


def test_a_bad_form_definition_is_400_naming_it(people, desk):
    data = {
        "service": desk["service"].pk,
        "name": "Broken",
        "form_definition": [{"name": "x", "label": "X", "type": "colour"}],
    }
    body = assert_status(people["admin"], "post", ITEMS, 400, data).json()
    assert "type must be one of" in body["fields"]["form_definition"][0]


@pytest.mark.parametrize("name", [["x"], {"x": 1}])
def test_a_form_field_named_by_a_list_or_an_object_is_a_400_naming_it(people, desk, name):
    """The name was looked up in a set: unhashable, a 500 before. Nothing is written."""
    data = {
        "service": desk["service"].pk,
        "name": "Broken",
        "form_definition": [{"name": name, "type": "text", "label": "X"}],
    }
    before = CatalogItem.objects.count()
    body = assert_status(people["admin"], "post", ITEMS, 400, data).json()
    assert body["fields"]["form_definition"] == [
        "field 1: name must be lower-case letters, digits and _."
    ]
    assert CatalogItem.objects.count() == before


def test_a_number_fields_bounds_are_checked_when_the_item_is_saved(people, desk):
    seats = {"name": "seats", "label": "Seats", "type": "number"}
    data = {"service": desk["service"].pk, "name": "Licence", "form_definition": [seats]}
    refused = [
        (seats | {"min": 5, "max": 1}, "field 'seats': min must not be more than max."),
        (seats | {"min": "one"}, "field 'seats': min must be a number"),
        (seats | {"integer": True, "max": 2.5}, "field 'seats': a whole-number field's max"),
        ({**seats, "type": "text", "min": 1}, "only number fields have min, max and integer"),
    ]
    for field, message in refused:
        body = assert_status(
            people["service_owner"], "post", ITEMS, 400, data | {"form_definition": [field]}
        ).json()
        assert message in body["fields"]["form_definition"][0]
    assert not CatalogItem.objects.filter(name="Licence").exists()
    bounded = seats | {"min": 1, "max": 50, "integer": True}
    created = assert_status(
        people["service_owner"], "post", ITEMS, 201, data | {"form_definition": [bounded]}
    ).json()
    assert created["form_definition"] == [bounded | {"required": False, "help_text": ""}]
    url = f"{ITEMS}{created['id']}/"
    changed = [bounded | {"max": 0}]
    assert_status(people["admin"], "patch", url, 400, {"form_definition": changed, "version": 1})
    assert CatalogItem.objects.get(pk=created["id"]).form_definition[0]["max"] == 50


def test_the_schema_describes_number_bounds_and_whom_one_may_order_for(people):
    schema = client_for(people["agent"]).get("/api/schema/?format=json").json()
    item = schema["components"]["schemas"]["CatalogItem"]["properties"]["form_definition"]
    assert "min, max, integer (number only" in item["description"]
    create = schema["components"]["schemas"]["RequestCreateRequest"]["properties"]["answers"]
    assert "your organisation" in create["description"]


def test_catalog_item_updates_need_the_current_version(people, desk):
    url = f"{ITEMS}{desk['vpn'].pk}/"
    assert_status(people["admin"], "patch", url, 412, {"delivery_days": 1, "version": 7})
    body = assert_status(
        people["admin"], "patch", url, 200, {"delivery_days": 1, "version": 1}
    ).json()
    assert body["delivery_days"] == 1 and body["version"] == 2
    assert_status(people["admin"], "patch", url, 400, {"approval": "named_user", "version": 2})


def test_a_catalog_items_approver_is_anyone_active_over_the_api_too(people, desk):
    """The editor's rule (request_queries.catalog_approvers): a requester of any organisation
    may approve; someone inactive is a 400 naming `approver`, nothing written."""
    gone = UserFactory(username="gone", is_active=False)
    base = {"service": desk["service"].pk, "approval": "named_user", "form_definition": []}
    before = (CatalogItem.objects.count(), AuditEvent.objects.count())
    refused = {**base, "name": "Dock", "approver": gone.pk}
    body = assert_status(people["service_owner"], "post", ITEMS, 400, refused).json()
    assert body["fields"] == {"approver": ["Name an active person to approve."]}
    assert (CatalogItem.objects.count(), AuditEvent.objects.count()) == before

    chosen = people["requester_other"]
    created = assert_status(
        people["service_owner"], "post", ITEMS, 201, {**base, "name": "Dock", "approver": chosen.pk}
    ).json()
    assert created["approver"] == chosen.pk

    url = f"{ITEMS}{created['id']}/"
    body = assert_status(people["admin"], "patch", url, 400, {"approver": gone.pk, "version": 1})
    assert body.json()["fields"] == {"approver": ["Name an active person to approve."]}
    assert CatalogItem.objects.get(pk=created["id"]).approver == chosen
    changed = assert_status(
        people["admin"], "patch", url, 200, {"approver": people["agent"].pk, "version": 1}
    ).json()
    assert changed["approver"] == people["agent"].pk and changed["version"] == 2


def test_an_approver_who_left_stays_while_other_fields_change_over_the_api(people, desk):
    """As a service keeps its owner: the item's own approver, named again or not, is no
    change of approver, so a PATCH of other fields is not refused for them."""
    approver = people["manager"]
    item = CatalogItemFactory(
        service=desk["service"], name="Monitor", approval="named_user", approver=approver
    )
    approver.is_active = False
    approver.save()
    url = f"{ITEMS}{item.pk}/"
    data = {"delivery_days": 2, "approver": approver.pk, "version": 1}
    body = assert_status(people["service_owner"], "patch", url, 200, data).json()
    assert (body["approver"], body["delivery_days"], body["version"]) == (approver.pk, 2, 2)


def test_an_approval_without_a_named_user_keeps_no_approver_over_the_api(people, desk):
    """A client that sends the item back as read, approval changed, sends its approver too:
    approval that names no one stores no one, on create and on update."""
    chosen = people["manager"]
    base = {"service": desk["service"].pk, "form_definition": [], "approver": chosen.pk}
    created = assert_status(
        people["service_owner"], "post", ITEMS, 201, {**base, "name": "Dock", "approval": "manager"}
    ).json()
    assert created["approver"] is None
    item = CatalogItemFactory(
        service=desk["service"], name="Monitor", approval="named_user", approver=chosen
    )
    data = {"approval": "none", "approver": chosen.pk, "version": 1}
    body = assert_status(people["service_owner"], "patch", f"{ITEMS}{item.pk}/", 200, data).json()
    assert (body["approval"], body["approver"], body["version"]) == ("none", None, 2)
    item.refresh_from_db()
    assert item.approver is None


# --- query budgets ---------------------------------------------------------------------------


def test_list_endpoints_cost_the_same_for_many_rows(people, desk, django_assert_max_num_queries):
    for _ in range(8):
        actions.request_submit(
            actor=people["requester"], catalog_item=desk["laptop"], answers=ANSWERS
        )
    with django_assert_max_num_queries(4):
        assert len(client_for(people["agent"]).get(URL).json()["results"]) == 8
    with django_assert_max_num_queries(5):
        assert len(client_for(people["requester"]).get(URL).json()["results"]) == 8
    with django_assert_max_num_queries(4):
        client_for(people["requester"]).get(ITEMS)
