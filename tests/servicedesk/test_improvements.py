"""The CSI register: API roles, lifecycle guards, planned vs implemented, pages, links back."""

import re
from datetime import date
from decimal import Decimal
from html import unescape

import pytest
from django.utils.html import escape

from core.models import AuditEvent
from servicedesk.models import Improvement
from servicedesk.models.improvements import quarter_end
from tests.conftest import assert_status, client_for
from tests.servicedesk.factories import IncidentFactory, ServiceFactory
from tests.servicedesk.request_factories import ImprovementFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/improvements/"


@pytest.fixture
def service(people):
    return ServiceFactory(name="VPN", owner=people["service_owner"])


@pytest.fixture
def proposed(people, service):
    return ImprovementFactory(service=service, owner=people["agent"], planned_quarter="2026-Q2")


def move(user, improvement, expected, **data):
    return assert_status(user, "post", f"{URL}{improvement.pk}/transitions/", expected, data)


def test_quarter_end_is_the_last_day_of_the_quarter():
    assert [quarter_end(f"2026-Q{q}") for q in (1, 2, 3, 4)] == [
        date(2026, 3, 31),
        date(2026, 6, 30),
        date(2026, 9, 30),
        date(2026, 12, 31),
    ]


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("requester", 403),
        ("anonymous", 401),
        ("agent", 200),
        ("manager", 200),
        ("service_owner", 200),
    ],
)
def test_the_register_is_for_staff(people, proposed, who, expected):
    assert_status(people[who], "get", URL, expected)
    assert_status(people[who], "get", f"{URL}{proposed.pk}/", expected)


def test_staff_propose_with_baseline_and_target(people, service):
    incident = IncidentFactory(service=service)
    body = assert_status(
        people["agent"],
        "post",
        URL,
        201,
        {
            "title": "Redundant VPN concentrator",
            "service": service.pk,
            "problem_statement": "Single point of failure.",
            "metric": "Availability",
            "unit": "%",
            "baseline_value": "99.2",
            "target_value": "99.9",
            "planned_quarter": "2026-Q3",
            "source_incident": incident.pk,
        },
    ).json()
    assert body["status"] == "proposed" and body["target_date"] == "2026-09-30"
    assert body["owner"] == people["agent"].pk
    assert body["source_incident_number"] == incident.number
    assert_status(people["requester"], "post", URL, 403, {"title": "x"})


def test_a_malformed_quarter_is_400(people, service):
    body = assert_status(
        people["agent"],
        "post",
        URL,
        400,
        {
            "title": "x",
            "service": service.pk,
            "problem_statement": "p",
            "metric": "m",
            "baseline_value": 1,
            "target_value": 2,
            "planned_quarter": "Q3-2026",
        },
    ).json()
    assert "planned_quarter" in body["fields"]


@pytest.mark.parametrize(
    ("who", "expected"), [("service_owner", 200), ("manager", 200), ("admin", 200), ("agent", 403)]
)
def test_the_service_owner_a_manager_or_an_admin_approves(people, proposed, who, expected):
    move(people[who], proposed, expected, action="approve")


def test_another_services_owner_cannot_approve(people):
    other = ImprovementFactory(service=ServiceFactory(name="Email"))
    move(people["service_owner"], other, 403, action="approve")


def test_the_whole_path_to_implemented_needs_the_measured_value(people, proposed):
    move(people["service_owner"], proposed, 200, action="approve")
    move(people["agent"], proposed, 200, action="start")  # the improvement's own owner
    body = move(people["agent"], proposed, 400, action="implement").json()
    assert "measured_value" in body["fields"]
    body = move(people["agent"], proposed, 200, action="implement", measured_value="12").json()
    assert body["status"] == "implemented" and Decimal(body["measured_value"]) == 12
    assert move(people["admin"], proposed, 409, action="reject", reason="x").json()["allowed"] == []


@pytest.mark.parametrize("state", ["proposed", "approved"])
def test_reject_needs_a_reason(people, proposed, state):
    Improvement.objects.filter(pk=proposed.pk).update(status=state)
    assert "reason" in move(people["manager"], proposed, 400, action="reject").json()["fields"]
    body = move(people["manager"], proposed, 200, action="reject", reason="Not worth it").json()
    assert body["status"] == "rejected" and body["rejection_reason"] == "Not worth it"


def test_updates_need_the_current_version_and_move_the_target_date(people, proposed):
    url = f"{URL}{proposed.pk}/"
    assert_status(people["agent"], "patch", url, 428, {"planned_quarter": "2026-Q4"})
    assert_status(people["agent"], "patch", url, 412, {"planned_quarter": "2026-Q4", "version": 9})
    body = assert_status(
        people["agent"], "patch", url, 200, {"planned_quarter": "2026-Q4", "version": 1}
    ).json()
    assert body["target_date"] == "2026-12-31" and body["version"] == 2
    assert_status(people["agent2"], "patch", url, 403, {"title": "mine", "version": 2})


def test_planned_vs_implemented_per_quarter_in_one_query(
    people, service, django_assert_max_num_queries
):
    for quarter, status in [
        ("2026-Q1", "implemented"),
        ("2026-Q1", "in_progress"),
        ("2026-Q1", "rejected"),
        ("2026-Q2", "implemented"),
        ("2026-Q2", "implemented"),
    ]:
        ImprovementFactory(service=service, planned_quarter=quarter, status=status)
    with django_assert_max_num_queries(3):  # the aggregate + the request's savepoint pair
        rows = client_for(people["manager"]).get(f"{URL}quarters/").json()
    assert rows == [
        {"planned_quarter": "2026-Q1", "planned": 2, "implemented": 1, "rejected": 1},
        {"planned_quarter": "2026-Q2", "planned": 2, "implemented": 2, "rejected": 0},
    ]
    filtered = client_for(people["manager"]).get(f"{URL}quarters/?planned_quarter=2026-Q2").json()
    assert [r["planned_quarter"] for r in filtered] == ["2026-Q2"]


def test_the_list_costs_the_same_for_many_rows(people, service, django_assert_max_num_queries):
    for _ in range(6):
        ImprovementFactory(service=service)
    with django_assert_max_num_queries(5):
        assert (
            len(client_for(people["agent"]).get(f"{URL}?service={service.pk}").json()["results"])
            == 6
        )


# --- pages ------------------------------------------------------------------------------------


def test_the_register_page_shows_rows_and_quarters(
    people, service, proposed, client, django_assert_max_num_queries
):
    ImprovementFactory(service=service, planned_quarter="2026-Q2", status="implemented")
    client.force_login(people["service_owner"])
    with django_assert_max_num_queries(12):
        page = client.get("/improvements/?planned_quarter=2026-Q2")
    html = page.content.decode()
    assert page.status_code == 200 and proposed.title in html
    assert 'data-testid="quarter-2026-Q2"' in html
    per_service = client.get(f"/services/{service.pk}/improvements/")
    assert per_service.status_code == 200 and proposed.title in per_service.content.decode()


def test_the_registers_owner_filter_offers_the_owners_and_filters_by_any_user(
    people, service, proposed, client
):
    """The owner select box lists who owns an improvement (not every user of the desk); the
    filter takes any user's id, an owner of nothing matching nothing."""
    import re

    other = ImprovementFactory(service=service, owner=people["service_owner"])
    client.force_login(people["service_owner"])
    html = client.get("/improvements/").content.decode()
    select = re.search(r'<select[^>]*name="owner".*?</select>', html, re.S).group(0)
    offered = set(re.findall(r'<option value="(\d+)"', select))
    assert offered == {str(people["agent"].pk), str(people["service_owner"].pk)}
    mine = client.get(f"/improvements/?owner={people['service_owner'].pk}").content.decode()
    assert other.title in mine and proposed.title not in mine
    nobody = client.get(f"/improvements/?owner={people['manager'].pk}").content.decode()
    assert other.title not in nobody and proposed.title not in nobody


def test_requesters_get_403_on_the_register_pages(people, proposed, client):
    client.force_login(people["requester"])
    assert client.get("/improvements/").status_code == 403
    assert client.get(f"/improvements/{proposed.pk}/").status_code == 403


def test_raise_from_an_incident_prefills_and_links_back(people, service, client):
    incident = IncidentFactory(service=service, title="VPN drops")
    client.force_login(people["agent"])
    assert "Raise improvement" in client.get(f"/desk/incidents/{incident.number}/").content.decode()
    form = client.get(f"/improvements/new/?incident={incident.number}").content.decode()
    assert "Prevent: VPN drops" in form and f'value="{incident.pk}"' in form
    response = client.post(
        f"/improvements/new/?incident={incident.number}",
        {
            "title": "Prevent: VPN drops",
            "service": service.pk,
            "problem_statement": "Drops daily",
            "metric": "Incidents per month",
            "baseline_value": "40",
            "target_value": "10",
            "owner": people["agent"].pk,
            "priority": 2,
            "planned_quarter": "2026-Q3",
            "source_incident": incident.pk,
        },
    )
    created = Improvement.objects.get()
    assert response.status_code == 302 and created.source_incident == incident
    detail = client.get(f"/improvements/{created.pk}/").content.decode()
    assert f"/desk/incidents/{incident.number}/" in detail


def test_the_service_page_offers_the_register_and_a_prefilled_proposal(people, service, client):
    client.force_login(people["service_owner"])
    html = client.get(f"/services/{service.pk}/").content.decode()
    assert f"/improvements/new/?service={service.pk}" in html
    form = client.get(f"/improvements/new/?service={service.pk}").content.decode()
    assert f'<option value="{service.pk}" selected>' in form


@pytest.mark.parametrize("wrong", ["abc", "²", "٣"])
def test_a_proposal_for_no_service_id_opens_with_no_service_chosen(people, service, client, wrong):
    """The digit "²" passes isdigit() but not int() (a 500 before): as "abc"."""
    client.force_login(people["service_owner"])
    response = client.get("/improvements/new/", {"service": wrong})
    assert response.status_code == 200
    assert f'<option value="{service.pk}" selected>' not in response.content.decode()


def test_moves_from_the_detail_page(people, proposed, client):
    client.force_login(people["service_owner"])
    client.post(f"/improvements/{proposed.pk}/transition/", {"action": "approve"})
    client.post(f"/improvements/{proposed.pk}/transition/", {"action": "start"})
    client.post(
        f"/improvements/{proposed.pk}/transition/", {"action": "implement", "measured_value": "9.5"}
    )
    proposed.refresh_from_db()
    assert proposed.status == "implemented" and proposed.measured_value == Decimal("9.5")


def test_a_move_the_status_refuses_shows_the_page_with_409_and_the_allowed_moves(
    people, proposed, client
):
    audits = AuditEvent.objects.count()
    client.force_login(people["service_owner"])
    response = client.post(f"/improvements/{proposed.pk}/transition/", {"action": "implement"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "Allowed now:" in html and "approve" in html and proposed.title in html
    proposed.refresh_from_db()
    assert proposed.status == "proposed" and AuditEvent.objects.count() == audits


def test_the_improvement_table_includes_return_to_approved():
    """`return` (in progress → approved) is taken when the project carrying it is cancelled."""
    from servicedesk.request_lifecycle import IMPROVEMENT_LIFECYCLE

    moves = {
        (t.action, tuple(sorted(t.sources)), t.target) for t in IMPROVEMENT_LIFECYCLE.transitions
    }
    assert moves == {
        ("approve", ("proposed",), "approved"),
        ("start", ("approved",), "in_progress"),
        ("implement", ("in_progress",), "implemented"),
        ("return", ("in_progress",), "approved"),
        ("reject", ("approved", "proposed"), "rejected"),
    }


def _form_data(improvement, **changes) -> dict:
    data = {
        "title": improvement.title,
        "service": improvement.service_id,
        "problem_statement": improvement.problem_statement,
        "metric": improvement.metric,
        "baseline_value": improvement.baseline_value,
        "target_value": improvement.target_value,
        "owner": improvement.owner_id,
        "priority": improvement.priority,
        "planned_quarter": improvement.planned_quarter,
        "version": improvement.version,
    }
    return {**data, **changes}


def _audit_rows() -> int:
    from core.models import AuditEvent

    return AuditEvent.objects.count()


def test_a_proposal_without_a_title_is_shown_again_with_400_and_nothing_saved(
    people, service, client
):
    client.force_login(people["agent"])
    audit = _audit_rows()
    response = client.post(
        "/improvements/new/",
        {"title": "", "service": service.pk, "problem_statement": "VPN drops daily"},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "This field is required." in html and "VPN drops daily" in html
    assert not Improvement.objects.exists() and _audit_rows() == audit


def test_editing_with_a_malformed_quarter_answers_400_and_changes_nothing(people, proposed, client):
    client.force_login(people["agent"])
    title, audit = proposed.title, _audit_rows()
    response = client.post(
        f"/improvements/{proposed.pk}/edit/",
        _form_data(proposed, title="Renamed", planned_quarter="next spring"),
    )
    assert response.status_code == 400
    assert 'value="next spring"' in response.content.decode()
    proposed.refresh_from_db()
    assert (proposed.title, proposed.planned_quarter, proposed.version) == (title, "2026-Q2", 1)
    assert _audit_rows() == audit


def test_editing_an_improvement_someone_saved_meanwhile_answers_412(people, proposed, client):
    client.force_login(people["agent"])
    client.post(f"/improvements/{proposed.pk}/edit/", _form_data(proposed, title="First"))
    audit = _audit_rows()
    response = client.post(
        f"/improvements/{proposed.pk}/edit/", _form_data(proposed, title="Second")
    )
    html = response.content.decode()
    assert response.status_code == 412
    assert "Someone else saved this improvement after you opened it (it is now version 2)" in html
    assert 'value="Second"' in html  # as typed
    assert "<h1>Edit: First</h1>" in html  # the heading names it as stored
    proposed.refresh_from_db()
    assert (proposed.title, proposed.version) == ("First", 2) and _audit_rows() == audit


def _posted(html: str) -> dict:
    """The edit form's fields as the page fills them (what saving it again sends)."""
    inputs = re.findall(r'<input[^>]*name="(\w+)"[^>]*value="([^"]*)"', html)
    selects = re.findall(
        r'<select name="(\w+)".*?<option value="([^"]*)" selected>', html, flags=re.S
    )
    areas = re.findall(r'<textarea name="(\w+)"[^>]*>\s*([^<]*)</textarea>', html)
    return {name: unescape(value) for name, value in [*inputs, *selects, *areas]}


def test_saving_again_after_a_412_replaces_the_other_save_knowingly(people, proposed, client):
    """The 412 page is based on the version saved meanwhile: saving it again is no longer
    stale (it was 412 again and again until the page was reloaded, the typing lost)."""
    client.force_login(people["agent"])
    stale = _form_data(proposed, title="Second")
    client.post(f"/improvements/{proposed.pk}/edit/", _form_data(proposed, title="First"))
    refused = client.post(f"/improvements/{proposed.pk}/edit/", stale)
    assert refused.status_code == 412
    again = _posted(refused.content.decode())
    assert (again["version"], again["title"]) == ("2", "Second")

    saved = client.post(f"/improvements/{proposed.pk}/edit/", again)

    assert saved.status_code == 302
    proposed.refresh_from_db()
    assert (proposed.title, proposed.version) == ("Second", 3)


def test_a_refused_edit_keeps_the_stored_title_in_the_heading(people, proposed, client):
    client.force_login(people["agent"])
    title = proposed.title
    response = client.post(
        f"/improvements/{proposed.pk}/edit/",
        _form_data(proposed, title="Renamed", planned_quarter="next spring"),
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert f"<h1>Edit: {escape(title)}</h1>" in html and 'value="Renamed"' in html


@pytest.mark.parametrize(
    "posted",
    [{}, {"version": ""}, {"version": "0"}, {"version": "two"}],
    ids=["absent", "empty", "zero", "malformed"],
)
def test_an_edit_that_does_not_say_which_version_it_changes_is_a_400_and_changes_nothing(
    people, proposed, client, posted
):
    """Without the version the form was opened at, a save cannot tell whether someone saved
    in between: it is refused (it used to take the current version and overwrite blindly)."""
    client.force_login(people["agent"])
    title, audit = proposed.title, _audit_rows()
    data = {k: v for k, v in _form_data(proposed, title="Renamed").items() if k != "version"}
    response = client.post(f"/improvements/{proposed.pk}/edit/", data | posted)
    html = response.content.decode()
    assert response.status_code == 400
    assert 'data-testid="improvement-form"' in html and 'value="Renamed"' in html
    assert "Reload the page" in html
    proposed.refresh_from_db()
    assert (proposed.title, proposed.version) == (title, 1) and _audit_rows() == audit


def test_a_stale_edit_keeps_what_was_typed_now_based_on_the_current_version(
    people, proposed, client
):
    """412 shows the form as typed with the message, carrying the version saved meanwhile
    (saving that page replaces the other save knowingly); the same stale post sent again,
    based on version 1, is still refused."""
    client.force_login(people["agent"])
    client.post(f"/improvements/{proposed.pk}/edit/", _form_data(proposed, title="First"))
    mine = _form_data(proposed, title="Second", expected_benefit="Fewer VPN drops")
    assert client.post(f"/improvements/{proposed.pk}/edit/", mine).status_code == 412
    response = client.post(f"/improvements/{proposed.pk}/edit/", mine)
    html = response.content.decode()
    assert response.status_code == 412
    assert 'value="Second"' in html and "Fewer VPN drops" in html
    assert 'name="version" value="2"' in html
    proposed.refresh_from_db()
    assert (proposed.title, proposed.version) == ("First", 2)


def test_a_final_improvement_cannot_be_edited_and_the_form_says_why(people, proposed, client):
    Improvement.objects.filter(pk=proposed.pk).update(status="rejected")
    client.force_login(people["agent"])
    audit = _audit_rows()
    response = client.post(
        f"/improvements/{proposed.pk}/edit/", _form_data(proposed, title="Revived")
    )
    assert response.status_code == 400
    assert "An implemented or rejected improvement is final." in response.content.decode()
    proposed.refresh_from_db()
    assert proposed.title != "Revived" and _audit_rows() == audit
