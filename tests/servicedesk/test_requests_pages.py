"""Portal catalog, the item form from its definition, request page, Approvals inbox, queue."""

import re

import pytest

from core.models import AuditEvent
from servicedesk import request_actions as actions
from servicedesk.catalog_forms import definition_clean
from servicedesk.models import ServiceRequest
from tests.core.factories import UserFactory
from tests.servicedesk.factories import ServiceFactory
from tests.servicedesk.request_factories import CatalogItemFactory

pytestmark = pytest.mark.django_db
ANSWERS = {"model": "13-inch", "justification": "New starter"}


@pytest.fixture
def desk(people):
    people["requester"].manager = people["manager"]
    people["requester"].save()
    laptops = ServiceFactory(name="Laptops", owner=people["service_owner"])
    vpn = ServiceFactory(name="VPN")
    planned = ServiceFactory(name="Payroll v2", status="planned")
    return {
        "laptop": CatalogItemFactory(service=laptops, name="New laptop", approval="manager"),
        "vpn": CatalogItemFactory(service=vpn, name="VPN access", form_definition=[]),
        "planned": CatalogItemFactory(service=planned, name="Payroll access"),
    }


def test_the_catalog_groups_live_items_by_service(
    people, desk, client, django_assert_max_num_queries
):
    client.force_login(people["requester"])
    with django_assert_max_num_queries(6):
        html = client.get("/catalog/").content.decode()
    assert html.index("Laptops") < html.index("New laptop") < html.index("VPN access")
    assert "Payroll access" not in html
    assert client.get(f"/catalog/items/{desk['planned'].pk}/").status_code == 404


@pytest.mark.parametrize("service", ["abc", "²", "٣"])
def test_a_catalog_filter_that_is_no_service_id_shows_the_whole_catalog(
    people, desk, client, service
):
    """The digit "²" passes isdigit() but not int() (a 500 before): as "abc"."""
    client.force_login(people["requester"])
    response = client.get("/catalog/", {"service": service})
    assert response.status_code == 200
    assert "New laptop" in response.content.decode() and "VPN access" in response.content.decode()


def test_the_item_page_renders_the_form_with_browser_validation(people, desk, client):
    client.force_login(people["requester"])
    html = client.get(f"/catalog/items/{desk['laptop'].pk}/").content.decode()
    assert '<select name="model"' in html and "required" in html
    assert 'type="date"' in html and 'name="needed_by"' in html


def test_posting_the_form_submits_or_shows_the_server_errors(people, desk, client):
    client.force_login(people["requester"])
    url = f"/catalog/items/{desk['laptop'].pk}/"
    bad = client.post(url, {"model": "17-inch", "justification": ""})
    assert bad.status_code == 400 and "This field is required." in bad.content.decode()
    assert not ServiceRequest.objects.exists()
    response = client.post(
        url, {"model": "15-inch", "justification": "Designer", "needed_by": "2026-05-04"}
    )
    created = ServiceRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/requests/{created.number}/"
    assert created.answers == {
        "model": "15-inch",
        "justification": "Designer",
        "needed_by": "2026-05-04",
    }
    page = client.get(response["Location"]).content.decode()
    assert "Awaiting approval" in page and "Designer" in page and "Waiting for" in page


def test_the_approver_decides_from_the_inbox(people, desk, client, django_assert_max_num_queries):
    waiting = [
        actions.request_submit(
            actor=people["requester"], catalog_item=desk["laptop"], answers=ANSWERS
        )
        for _ in range(5)
    ]
    client.force_login(people["manager"])
    with django_assert_max_num_queries(8):
        inbox = client.get("/approvals/").content.decode()
    assert all(r.number in inbox for r in waiting)
    item = client.get(f"/approvals/{waiting[0].number}/").content.decode()
    assert 'data-testid="decide-panel"' in item
    response = client.post(
        f"/requests/{waiting[0].number}/transition/", {"action": "approve", "next": "approvals"}
    )
    assert response.status_code == 302 and response["Location"] == "/approvals/"
    client.post(f"/requests/{waiting[1].number}/transition/", {"action": "reject", "comment": "No"})
    statuses = dict(ServiceRequest.objects.values_list("number", "status"))
    assert statuses[waiting[0].number] == "approved" and statuses[waiting[1].number] == "rejected"


def test_the_requester_has_no_decide_panel_and_strangers_get_404(people, desk, client):
    created = actions.request_submit(
        actor=people["requester"], catalog_item=desk["laptop"], answers=ANSWERS
    )
    client.force_login(people["requester"])
    assert (
        'data-testid="decide-panel"'
        not in client.get(f"/requests/{created.number}/").content.decode()
    )
    client.post(f"/requests/{created.number}/transition/", {"action": "approve"})
    assert ServiceRequest.objects.get().status == "awaiting_approval"
    client.force_login(people["requester_other"])
    assert client.get(f"/requests/{created.number}/").status_code == 404
    assert client.get(f"/approvals/{created.number}/").status_code == 404


def test_agents_work_the_checklist_and_fulfil_from_the_page(people, desk, client):
    created = actions.request_submit(actor=people["requester"], catalog_item=desk["vpn"])
    client.force_login(people["agent"])
    client.post(f"/requests/{created.number}/transition/", {"action": "fulfil"})
    assert ServiceRequest.objects.get().status == "in_fulfilment"
    for task in created.tasks.all():
        client.post(f"/requests/{created.number}/tasks/{task.pk}/", {"done": "1"})
    client.post(f"/requests/{created.number}/transition/", {"action": "fulfil"})
    assert ServiceRequest.objects.get().status == "fulfilled"


def test_fulfil_with_the_checklist_open_shows_the_page_with_the_open_steps(people, desk, client):
    created = actions.request_submit(actor=people["requester"], catalog_item=desk["vpn"])
    client.force_login(people["agent"])
    client.post(f"/requests/{created.number}/transition/", {"action": "fulfil"})
    audits = AuditEvent.objects.count()
    refused = client.post(f"/requests/{created.number}/transition/", {"action": "fulfil"})
    assert refused.status_code == 409
    html = refused.content.decode()
    assert created.number in html  # the request's own page, not a bare error
    assert all(task.title in html for task in created.tasks.all())  # the open steps named
    assert ServiceRequest.objects.get().status == "in_fulfilment"
    assert AuditEvent.objects.count() == audits


def test_a_move_the_status_does_not_allow_is_409_with_the_allowed_moves(people, desk, client):
    created = actions.request_submit(actor=people["requester"], catalog_item=desk["vpn"])
    client.force_login(people["agent"])
    audits = AuditEvent.objects.count()
    refused = client.post(f"/requests/{created.number}/transition/", {"action": "close"})
    assert refused.status_code == 409
    assert "Allowed now:" in refused.content.decode()
    assert ServiceRequest.objects.get().status == created.status
    assert AuditEvent.objects.count() == audits


def test_lists_cost_the_same_for_many_rows(people, desk, client, django_assert_max_num_queries):
    for _ in range(10):
        actions.request_submit(actor=people["requester"], catalog_item=desk["vpn"])
    client.force_login(people["requester"])
    with django_assert_max_num_queries(8):
        assert client.get("/requests/").status_code == 200
    client.force_login(people["agent"])
    with django_assert_max_num_queries(10):
        page = client.get("/desk/requests/?status=open")
    assert page.content.decode().count("/requests/REQ") == 10
    client.force_login(people["requester"])
    assert client.get("/desk/requests/").status_code == 403


def _page_statements(client, url: str) -> tuple[str, int]:
    """The page and its SQL statements, not counting the test transaction's savepoints."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm the session and calendar caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), sum(1 for q in queries if "SAVEPOINT" not in q["sql"])


def test_the_request_page_costs_the_same_for_any_conversation(people, desk, client):
    """Comments with attachments read the attachments once (they were read twice); the
    approvals are read once the request is decided. A ticket page's budget: six statements
    (seven once a decision adds its approvals)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    created = actions.request_submit(
        actor=people["requester"], catalog_item=desk["laptop"], answers=ANSWERS
    )
    url = f"/requests/{created.number}/"

    def converse(replies: int) -> None:
        for n in range(created.comments.count(), created.comments.count() + replies):
            upload = SimpleUploadedFile(f"log{n}.txt", b"log", content_type="text/plain")
            actions.request_comment_add(
                request=created, actor=people["requester"], body=f"Reply {n}", files=[upload]
            )

    client.force_login(people["requester"])
    converse(2)
    html, few = _page_statements(client, url)
    converse(8)
    html, many = _page_statements(client, url)
    assert few == many <= 6
    assert html.count("📎") == 10 and "Reply 9" in html
    actions.request_transition(
        request=created, action="approve", actor=people["manager"], data={"comment": "Fine"}
    )
    html, decided = _page_statements(client, f"/approvals/{created.number}/")
    assert decided <= 7 and "Fine" in html


def test_a_reply_with_a_refused_file_comes_back_as_typed_with_400(
    people, desk, client, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from core.models import AuditEvent
    from servicedesk.models import RequestAttachment, RequestComment

    settings.MEDIA_ROOT = str(tmp_path)
    created = actions.request_submit(actor=people["requester"], catalog_item=desk["vpn"])
    client.force_login(people["requester"])

    def rows():
        return (
            RequestComment.objects.count(),
            RequestAttachment.objects.count(),
            AuditEvent.objects.count(),
        )

    before = rows()
    picture = SimpleUploadedFile("screen.svg", b"<svg onload=alert(1)></svg>")
    response = client.post(
        f"/requests/{created.number}/comment/",
        {"body": "Here is the error I get", "attachment": picture},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "This type of file is not allowed" in html
    assert ">Here is the error I get</textarea>" in html
    assert rows() == before
    empty = client.post(f"/requests/{created.number}/comment/", {"body": " "})
    assert empty.status_code == 400 and "This field is required." in empty.content.decode()
    assert rows() == before
    sent = client.post(f"/requests/{created.number}/comment/", {"body": "Fixed, thanks"})
    assert sent.status_code == 302 and rows()[0] == before[0] + 1


# --- "For whom", number bounds, and the answers labelled on the Approvals list ---------------

LICENCE_FORM = [
    {"name": "product", "label": "Product", "type": "choice", "choices": ["Visio", "Project"]},
    {"name": "seats", "label": "Seats", "type": "number", "required": True}
    | {"min": 1, "integer": True},
    {"name": "for_whom", "label": "For whom", "type": "user"},
]
NOT_YOURS = "No one you may order for (yourself or an active person of your organisation)"
UNUSED_ID = 987654


@pytest.fixture
def licence(people):
    """Approved by the service's owner, who works from /approvals/."""
    service = ServiceFactory(name="HR portal", owner=people["service_owner"])
    return CatalogItemFactory(
        service=service,
        name="Software licence",
        approval="service_owner",
        form_definition=definition_clean(LICENCE_FORM),
    )


def _written() -> tuple[int, int]:
    return ServiceRequest.objects.count(), AuditEvent.objects.count()


def test_a_requester_types_for_whom_among_their_organisation_only(people, licence, client):
    client.force_login(people["requester"])
    url = f"/catalog/items/{licence.pk}/"
    html = client.get(url).content.decode()
    assert 'list="id_for_whom-people"' in html and 'hx-get="/people/"' in html
    # What the box offers as they type: themselves and their organisation's requesters.
    offered = client.get("/people/", {"for_whom": "req"}).content.decode()
    assert set(re.findall(r'<option value="([^"]+)"', offered)) == {"req", "req_acme2"}
    before = _written()
    globex = people["requester_shared"]
    refused = client.post(url, {"product": "Visio", "seats": "2", "for_whom": globex.username})
    html = refused.content.decode()
    assert refused.status_code == 400 and NOT_YOURS in html
    assert html.index(NOT_YOURS) > html.index('data-testid="field-for_whom"')
    assert f'value="{globex.username}"' in html  # as typed
    assert _written() == before
    colleague = people["requester_same_org"]
    done = client.post(url, {"product": "Visio", "seats": "2", "for_whom": colleague.username})
    assert done.status_code == 302
    assert ServiceRequest.objects.get().answers["for_whom"] == colleague.pk


@pytest.mark.parametrize("role", ["agent", "admin", "service_owner"])
def test_staff_order_for_anyone_active_by_typing_them_and_it_is_audited(
    people, licence, client, role
):
    client.force_login(people[role])
    person = people["requester_other"]  # of an organisation of its own
    done = client.post(
        f"/catalog/items/{licence.pk}/",
        {"product": "Visio", "seats": "1", "for_whom": person.email.upper()},
    )
    assert done.status_code == 302
    created = ServiceRequest.objects.get()
    assert created.answers == {"product": "Visio", "seats": 1, "for_whom": person.pk}
    assert created.requester == people[role]  # the one ordering, as before
    submitted = AuditEvent.objects.get(action="request.submitted", object_id=str(created.pk))
    assert submitted.actor == people[role]


@pytest.mark.parametrize("typed", ["gone", str(UNUSED_ID), "nobody-of-that-name"])
def test_staff_naming_someone_outside_the_rule_are_refused_and_nothing_is_written(
    people, licence, client, typed
):
    UserFactory(username="gone", is_active=False)
    client.force_login(people["agent"])
    before = _written()
    refused = client.post(
        f"/catalog/items/{licence.pk}/", {"product": "Visio", "seats": "1", "for_whom": typed}
    )
    html = refused.content.decode()
    assert refused.status_code == 400
    assert html.index("No one by that username or email") > html.index("field-for_whom")
    assert _written() == before


def test_the_order_page_lists_no_one_however_many_people_there_are(people, licence, client):
    """For whom was a select of every active person (20,000 options at bench scale): the
    page is now the same size and the same statements for 10 people or 70."""
    client.force_login(people["agent"])
    url = f"/catalog/items/{licence.pk}/"
    html, few = _page_statements(client, url)
    UserFactory.create_batch(60)
    more, many = _page_statements(client, url)
    assert few == many <= 6
    assert html.count("<option") == more.count("<option") == 3  # Choose…, Visio, Project
    assert abs(len(more) - len(html)) < 100  # only the CSRF token differs
    # Ordering for oneself: the optional box left empty, as its help says.
    assert client.post(url, {"product": "Visio", "seats": "1"}).status_code == 302
    assert ServiceRequest.objects.get().answers == {"product": "Visio", "seats": 1}


@pytest.mark.parametrize(
    ("seats", "message"),
    [("-5", "At least 1."), ("0", "At least 1."), ("1.5", "Answer with a whole number.")],
)
def test_seats_below_one_or_fractional_are_refused_beside_the_field(
    people, licence, client, seats, message
):
    client.force_login(people["requester"])
    url = f"/catalog/items/{licence.pk}/"
    seats_input = re.search(r'<input[^>]*name="seats"[^>]*>', client.get(url).content.decode())
    assert 'min="1"' in seats_input.group(0) and 'step="1"' in seats_input.group(0)
    refused = client.post(url, {"product": "Visio", "seats": seats})
    html = refused.content.decode()
    assert refused.status_code == 400 and message in html
    assert html.index(message) > html.index('data-testid="field-seats"')
    assert not ServiceRequest.objects.exists()


def _licences(people, licence, count: int) -> list[ServiceRequest]:
    """`count` requests, each for another Acme colleague (a requester may name them)."""
    made = []
    for n in range(count):
        colleague = UserFactory(
            first_name="Colleague",
            last_name=f"No{n}",
            organisation=people["requester"].organisation,
        )
        answers = {"product": "Visio", "seats": n + 2, "for_whom": colleague.pk}
        made.append(
            actions.request_submit(actor=people["requester"], catalog_item=licence, answers=answers)
        )
    return made


def test_the_approvals_list_shows_labelled_answers_and_names(people, licence, client):
    (waiting,) = _licences(people, licence, 1)
    client.force_login(people["service_owner"])
    html = client.get("/approvals/").content.decode()
    row = html.split(f'data-testid="approval-{waiting.number}"')[1].split("</tr>")[0]
    person = people["requester"].organisation.members.get(pk=waiting.answers["for_whom"])
    assert "Product:</span> Visio" in row and "Seats:</span> 2" in row
    assert f"For whom:</span> {person.display_name}" in row
    assert "for_whom" not in row and f"> {person.pk}<" not in row
    # The request page says the same.
    page = client.get(f"/approvals/{waiting.number}/").content.decode()
    assert f"<dt>For whom</dt>\n          <dd>{person.display_name}</dd>" in page


@pytest.mark.parametrize("reader", ["requester", "agent", "service_owner"])
def test_an_order_for_oneself_says_for_whom_as_one_for_someone_else_does(
    people, licence, client, reader
):
    """For whom left empty ("for yourself") is the one it was ordered for: the requester's
    own page, the agent's and the approver's (and their Approvals list) name them under For
    whom, as they name the colleague of an order for someone else."""
    own = actions.request_submit(
        actor=people["requester"], catalog_item=licence, answers={"product": "Visio", "seats": 1}
    )
    assert "for_whom" not in own.answers  # as submitted: nothing is written for it
    (other,) = _licences(people, licence, 1)
    colleague = people["requester"].organisation.members.get(pk=other.answers["for_whom"])
    client.force_login(people[reader])
    base = "/approvals/" if reader == "service_owner" else "/requests/"
    for req, whom in ((own, people["requester"]), (other, colleague)):
        page = client.get(f"{base}{req.number}/").content.decode()
        assert f"<dt>For whom</dt>\n          <dd>{whom.display_name}</dd>" in page, req
    if reader == "service_owner":
        html = client.get("/approvals/").content.decode()
        row = html.split(f'data-testid="approval-{own.number}"')[1].split("</tr>")[0]
        assert f"For whom:</span> {people['requester'].display_name}" in row


def test_the_approvals_list_reads_the_people_named_in_one_statement(people, licence, client):
    client.force_login(people["service_owner"])
    _licences(people, licence, 3)
    html, few = _page_statements(client, "/approvals/")
    _licences(people, licence, 6)
    html, many = _page_statements(client, "/approvals/")
    assert few == many <= 8
    assert html.count("For whom:</span> Colleague No") == 9


def test_answers_to_fields_the_form_no_longer_has_are_shown_under_their_names(
    people, licence, client
):
    (waiting,) = _licences(people, licence, 1)
    licence.form_definition = definition_clean(LICENCE_FORM[:1])
    licence.save()
    client.force_login(people["service_owner"])
    row = client.get("/approvals/").content.decode().split(f"approval-{waiting.number}")[1]
    assert "Product:</span> Visio" in row and "seats:</span> 2" in row
    page = client.get(f"/requests/{waiting.number}/").content.decode()
    assert "<dt>seats</dt>" in page
