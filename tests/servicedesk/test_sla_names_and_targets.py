"""SLA policies and calendars refuse contradictory or duplicate data, on the pages and the
API alike, and nothing is written: a response target later than the same priority's
resolution target (400 naming `targets` and the priority; on the page beside that row's
response target), and a calendar or policy name equal to another ignoring case and
surrounding spaces (400 naming `name`). The database holds the name rule too; the migration
that adds it tells existing clashes apart instead of failing."""

import pytest
from django.db import IntegrityError, transaction

from core.models import AuditEvent
from servicedesk.models import BusinessCalendar, SLAPolicy
from servicedesk.sla import builtin_24x7
from tests.conftest import assert_status, browser_for
from tests.servicedesk.factories import office_calendar, sla_policy
from tests.servicedesk.test_sla_api import CALENDARS, OFFICE, POLICIES, TARGETS
from tests.servicedesk.test_sla_pages import (
    calendar_edit_post,
    calendar_post,
    errors_of,
    policy_edit_post,
    policy_post,
    sla_terms,
)

pytestmark = pytest.mark.django_db

SLOW_RESPONSE = [
    {"priority": p, "response_minutes": 600, "resolution_minutes": 60} for p in range(1, 6)
]


@pytest.fixture
def ny(db):
    return office_calendar("NY")


@pytest.fixture
def gold(ny):
    return sla_policy("Gold", ny)


# --- response later than resolution -----------------------------------------------------


def test_the_api_refuses_a_response_target_later_than_the_resolution_target(people, ny):
    before = sla_terms()
    body = assert_status(
        people["admin"],
        "post",
        POLICIES,
        400,
        {"name": "Slow", "calendar": ny.pk, "targets": SLOW_RESPONSE},
    ).json()
    assert list(body["fields"]) == ["targets"]
    said = body["fields"]["targets"]
    assert len(said) == 5
    assert said[0] == (
        "P1 Critical: the response target (10 h) is later than the resolution target (1 h); "
        "give a response target no longer than the resolution target."
    )
    assert sla_terms() == before


def test_a_patch_with_one_contradictory_priority_is_refused_and_keeps_the_old_targets(people, gold):
    before = sla_terms()
    targets = [dict(t) for t in TARGETS]
    targets[1] |= {"response_minutes": 300, "resolution_minutes": 240}
    body = assert_status(
        people["admin"],
        "patch",
        f"{POLICIES}{gold.pk}/",
        400,
        {"version": gold.version, "targets": targets},
    ).json()
    assert body["fields"] == {
        "targets": [
            "P2 High: the response target (5 h) is later than the resolution target (4 h); "
            "give a response target no longer than the resolution target."
        ]
    }
    assert sla_terms() == before


def test_a_response_target_equal_to_the_resolution_target_is_fine(people, ny):
    same = [{"priority": p, "response_minutes": 60, "resolution_minutes": 60} for p in range(1, 6)]
    assert_status(
        people["admin"], "post", POLICIES, 201, {"name": "Flat", "calendar": ny.pk, "targets": same}
    )


def test_the_policy_page_shows_the_contradiction_beside_the_rows_response(people, gold):
    before = sla_terms()
    data = policy_edit_post(
        gold, targets={1: (30, 60), 2: (600, 60), 3: (60, 240), 4: (120, 480), 5: (240, 960)}
    )
    response = browser_for(people["admin"]).post(f"/sla/policies/{gold.pk}/edit/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "is later than the resolution target (1 h)" in errors_of(html, "error-p2-response")
    assert errors_of(html, "error-p1-response") == ""
    assert "Nothing was saved" in html
    assert sla_terms() == before
    response = browser_for(people["admin"]).post(
        "/sla/policies/new/",
        policy_post(gold.calendar, targets={p: (600, 60) for p in range(1, 6)}),
    )
    assert response.status_code == 400
    assert "P5 Planning: the response target (10 h)" in errors_of(
        response.content.decode(), "error-p5-response"
    )
    assert sla_terms() == before


# --- names unique ignoring case ---------------------------------------------------------


def test_the_api_refuses_a_calendar_named_like_another_ignoring_case(people, ny):
    before = sla_terms()
    for typed in ("ny", " NY ", "Ny"):
        body = assert_status(
            people["admin"], "post", CALENDARS, 400, {**OFFICE, "name": typed}
        ).json()
        assert list(body["fields"]) == ["name"], typed
        assert "already exists" in body["fields"]["name"][0]
    other = assert_status(people["admin"], "post", CALENDARS, 201, OFFICE).json()
    before = sla_terms()
    body = assert_status(
        people["admin"],
        "patch",
        f"{CALENDARS}{other['id']}/",
        400,
        {"name": "nY", "version": other["version"]},
    ).json()
    assert list(body["fields"]) == ["name"]
    assert sla_terms() == before


def test_the_api_refuses_a_policy_named_like_another_ignoring_case(people, gold, ny):
    before = sla_terms()
    body = assert_status(
        people["admin"],
        "post",
        POLICIES,
        400,
        {"name": " GOLD", "calendar": ny.pk, "targets": TARGETS},
    ).json()
    assert list(body["fields"]) == ["name"]
    assert sla_terms() == before


def test_names_are_saved_trimmed_and_a_case_change_of_its_own_name_is_fine(people, gold, ny):
    created = assert_status(
        people["admin"], "post", CALENDARS, 201, {**OFFICE, "name": "  Berlin  "}
    ).json()
    assert created["name"] == "Berlin"
    renamed = assert_status(
        people["admin"], "patch", f"{POLICIES}{gold.pk}/", 200, {"name": "GOLD", "version": 1}
    ).json()
    assert renamed["name"] == "GOLD"


def test_the_pages_refuse_a_name_taken_ignoring_case_beside_the_name(people, gold, ny):
    admin = browser_for(people["admin"])
    other = office_calendar("Berlin")
    silver = sla_policy("Silver", ny)
    before = sla_terms()
    for url, data in (
        ("/sla/calendars/new/", calendar_post(name="ny ")),
        (f"/sla/calendars/{other.pk}/edit/", calendar_edit_post(other, name="NY")),
        ("/sla/policies/new/", policy_post(ny, name="gold")),
        (f"/sla/policies/{silver.pk}/edit/", policy_edit_post(silver, name=" Gold")),
    ):
        response = admin.post(url, data)
        assert response.status_code == 400, url
        assert "already exists" in errors_of(response.content.decode(), "error-name"), url
    assert sla_terms() == before


def test_the_database_refuses_a_case_clash_whatever_writes_it(gold, ny):
    with pytest.raises(IntegrityError), transaction.atomic():
        BusinessCalendar.objects.create(name="ny")
    with pytest.raises(IntegrityError), transaction.atomic():
        SLAPolicy.objects.create(name="gold", calendar=ny)


@pytest.mark.django_db(transaction=True)
def test_the_migration_tells_existing_clashes_apart_instead_of_failing(people):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = ("servicedesk", "0016_service_names_unique_ignoring_case")
    after = ("servicedesk", "0017_calendar_and_sla_policy_names_unique_ignoring_case")
    # The built-in calendar comes from a migration; a transactional test before this one may
    # have flushed it away.
    builtin_24x7()
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    try:
        apps = executor.loader.project_state([before]).apps
        calendar = apps.get_model("servicedesk", "BusinessCalendar")
        policy = apps.get_model("servicedesk", "SLAPolicy")
        calendar.objects.filter(is_builtin=False).delete()
        ny = calendar.objects.create(name="NY")
        calendar.objects.create(name="ny ")
        calendar.objects.create(name="24X7")  # the built-in one keeps "24x7"
        calendar.objects.create(name=" Berlin")
        policy.objects.create(name="Gold", calendar=ny)
        policy.objects.create(name="GOLD", calendar=ny)
        MigrationExecutor(connection).migrate([after])
    finally:
        MigrationExecutor(connection).migrate(
            MigrationExecutor(connection).loader.graph.leaf_nodes()
        )
    names = list(BusinessCalendar.objects.order_by("pk").values_list("name", "is_builtin"))
    assert names == [
        ("24x7", True),
        ("NY", False),
        ("ny (2)", False),
        ("24X7 (2)", False),
        ("Berlin", False),
    ]
    assert list(SLAPolicy.objects.order_by("pk").values_list("name", flat=True)) == [
        "Gold",
        "GOLD (2)",
    ]
    renamed = AuditEvent.objects.filter(action="calendar.saved").order_by("id")
    assert [e.changes["name"] for e in renamed] == [
        ["ny ", "ny (2)"],
        ["24X7", "24X7 (2)"],
        [" Berlin", "Berlin"],
    ]
    assert [e.changes["name"] for e in AuditEvent.objects.filter(action="sla_policy.saved")] == [
        ["GOLD", "GOLD (2)"]
    ]
    assert BusinessCalendar.objects.get(name="ny (2)").version == 2
    with pytest.raises(IntegrityError), transaction.atomic():
        BusinessCalendar.objects.create(name="berlin")
