"""Service names are trimmed and unique ignoring letter case: "email " beside "Email" is
refused beside the name (browser) or as a 400 naming `name` (API), and nothing changes."""

import pytest
from django.db import IntegrityError, transaction

from servicedesk.models import Service
from tests.conftest import assert_status, browser_for
from tests.servicedesk.factories import ServiceFactory
from tests.servicedesk.test_service_pages import edit_post, errors_of, new_post, written

pytestmark = pytest.mark.django_db


@pytest.fixture
def email(people):
    return ServiceFactory(name="Email", owner=people["service_owner"], status="live")


@pytest.fixture
def laptops(people):
    return ServiceFactory(name="Laptops", owner=people["service_owner"], status="live")


def test_owner_renaming_a_service_to_another_name_in_other_case_is_refused(people, email, laptops):
    owner = browser_for(people["service_owner"])
    before = written()
    for typed in ("email ", "EMAIL", "  eMail"):
        response = owner.post(f"/services/{laptops.pk}/edit/", edit_post(laptops, name=typed))
        assert response.status_code == 400, typed
        assert "already exists" in errors_of(response.content.decode(), "error-name")
        response = owner.post("/services/new/", new_post(people["service_owner"], name=typed))
        assert response.status_code == 400, typed
        assert "already exists" in errors_of(response.content.decode(), "error-name")
    assert written() == before


def test_the_api_answers_400_naming_name_for_a_case_clash(people, email, laptops):
    before = written()
    body = assert_status(
        people["service_owner"],
        "patch",
        f"/api/v1/services/{laptops.pk}/",
        400,
        {"name": "EMAIL ", "version": laptops.version},
    ).json()
    assert list(body["fields"]) == ["name"]
    body = assert_status(
        people["admin"], "post", "/api/v1/services/", 400, {"name": " email"}
    ).json()
    assert list(body["fields"]) == ["name"]
    assert written() == before


def test_names_are_saved_trimmed_and_a_case_change_of_its_own_name_is_fine(people, laptops):
    owner = browser_for(people["service_owner"])
    response = owner.post(f"/services/{laptops.pk}/edit/", edit_post(laptops, name=" LAPTOPS "))
    assert response.status_code == 302
    assert Service.objects.get(pk=laptops.pk).name == "LAPTOPS"


def test_the_database_refuses_a_case_clash_whatever_writes_it(email):
    with pytest.raises(IntegrityError), transaction.atomic():
        Service.objects.create(name="EMAIL")


@pytest.mark.django_db(transaction=True)
def test_the_migration_tells_existing_clashes_apart_instead_of_failing(people):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from core.models import AuditEvent

    before = ("servicedesk", "0015_open_queue_indexes")
    after = ("servicedesk", "0016_service_names_unique_ignoring_case")
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    try:
        old = executor.loader.project_state([before]).apps.get_model("servicedesk", "Service")
        for name in ("Email", "email ", "EMAIL", "email (2)", "Laptops", " VPN "):
            old.objects.create(name=name)
        MigrationExecutor(connection).migrate([after])
    finally:
        MigrationExecutor(connection).migrate(
            MigrationExecutor(connection).loader.graph.leaf_nodes()
        )
    names = list(Service.objects.order_by("pk").values_list("name", flat=True))
    assert names == ["Email", "email (3)", "EMAIL (4)", "email (2)", "Laptops", "VPN"]
    renamed = AuditEvent.objects.filter(action="service.updated").order_by("id")
    assert [event.changes["name"] for event in renamed] == [
        ["email ", "email (3)"],
        ["EMAIL", "EMAIL (4)"],
        [" VPN ", "VPN"],
    ]
    assert set(Service.objects.values_list("version", flat=True)) == {1, 2}
    with pytest.raises(IntegrityError), transaction.atomic():
        Service.objects.create(name="laptops")


@pytest.mark.django_db(transaction=True)
def test_the_migration_passes_exact_clashes_after_trimming_and_a_taken_fallback(people):
    """The old exact unique index holds while the rows change: "Email " trimmed is another
    row's "Email" until that one moves; a blank name's fallback may be a service's name."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = ("servicedesk", "0015_open_queue_indexes")
    after = ("servicedesk", "0016_service_names_unique_ignoring_case")
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    try:
        old = executor.loader.project_state([before]).apps.get_model("servicedesk", "Service")
        for name in ("Email ", "Email", "  ", "Service"):
            old.objects.create(name=name)
        MigrationExecutor(connection).migrate([after])
    finally:
        MigrationExecutor(connection).migrate(
            MigrationExecutor(connection).loader.graph.leaf_nodes()
        )
    names = list(Service.objects.order_by("pk").values_list("name", flat=True))
    assert names == ["Email", "Email (2)", "Service (2)", "Service"]
