"""The incident lists' catalogue rows (services, teams, organisations, SLA policies) kept in
the worker's memory: read once, shown as they are now after any change."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import kept
from core.kept import shared_cache
from servicedesk import catalogue
from servicedesk.models import Service
from tests.conftest import client_for
from tests.servicedesk.factories import IncidentFactory, ServiceFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not shared_cache(),
        reason="rows are kept only with a cache the workers share (REDIS_URL)",
    ),
]
URL = "/api/v1/incidents/"
CATALOGUE = ["servicedesk_service", "core_team", "core_organisation", "servicedesk_slapolicy"]


def catalogue_reads(queries) -> list[str]:
    """The statements that read a catalogue table."""
    return [
        q["sql"]
        for q in queries.captured_queries
        if any(f'FROM "{table}"' in q["sql"] for table in CATALOGUE)
    ]


def service_names(user) -> set[str]:
    return {row["service_name"] for row in client_for(user).get(URL).json()["results"]}


@pytest.fixture
def listed(people):
    vpn = ServiceFactory(name="VPN")
    for _ in range(3):
        IncidentFactory(service=vpn, team=people["team"])
    return vpn


def test_a_second_page_reads_no_catalogue_table(people, listed):
    client = client_for(people["agent"])
    client.get(URL)
    with CaptureQueriesContext(connection) as queries:
        rows = client.get(URL).json()["results"]
    assert {row["service_name"] for row in rows} == {"VPN"}
    assert {row["team_name"] for row in rows} == {people["team"].name}
    assert catalogue_reads(queries) == []


def test_a_renamed_service_shows_at_once_in_the_api_and_the_console(people, listed, client):
    assert service_names(people["agent"]) == {"VPN"}
    listed.name = "Remote access"
    listed.save()
    assert service_names(people["agent"]) == {"Remote access"}
    client.force_login(people["agent"])
    html = client.get("/desk/?view=all").content.decode()
    assert "Remote access" in html and ">VPN<" not in html


def test_a_change_another_worker_made_is_seen_through_the_shared_stamp(people, listed):
    """Another process changing a row sets a new stamp in the shared cache; this process,
    whose kept row is now stale, reads the row again."""
    assert service_names(people["agent"]) == {"VPN"}
    Service.objects.filter(pk=listed.pk).update(name="Renamed elsewhere")  # no signal here
    assert service_names(people["agent"]) == {"VPN"}  # what this process kept
    cache.set(catalogue.KEPT.key, "set by another worker", timeout=None)
    assert service_names(people["agent"]) == {"Renamed elsewhere"}


def test_the_stamp_moves_again_when_the_change_commits(
    people, listed, django_capture_on_commit_callbacks
):
    """Set at the save and again at the commit: a worker that read the old row between the
    two keeps it only until the commit."""
    before = catalogue.KEPT.current_version()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        listed.name = "Remote access"
        listed.save()
    at_save = catalogue.KEPT.current_version()
    assert at_save != before
    for callback in callbacks:
        callback()
    assert catalogue.KEPT.current_version() not in (before, at_save)


def test_without_a_shared_cache_the_lists_join_the_rows(people, listed, monkeypatch):
    """A cache that does not answer costs a join, not the page: the catalogue rows come with
    the incidents, as they are now."""

    class Down:
        def get(self, *args, **kwargs):
            raise ConnectionError("cache down")

        add = set = get

    service_names(people["agent"])
    monkeypatch.setattr(kept, "cache", Down())
    Service.objects.filter(pk=listed.pk).update(name="Read afresh")
    with CaptureQueriesContext(connection) as queries:
        assert service_names(people["agent"]) == {"Read afresh"}
    rows = [q["sql"] for q in queries.captured_queries if 'FROM "servicedesk_incident"' in q["sql"]]
    assert any(all(f'JOIN "{table}"' in sql for table in CATALOGUE) for sql in rows)
    assert catalogue_reads(queries) == []


def test_kept_rows_are_read_again_after_a_while_whatever_the_stamp(people, listed, monkeypatch):
    """A change that sent no signal (a bulk update) shows once the kept rows are too old."""
    assert service_names(people["agent"]) == {"VPN"}
    Service.objects.filter(pk=listed.pk).update(name="Bulk renamed")
    assert service_names(people["agent"]) == {"VPN"}
    monkeypatch.setattr(catalogue.KEPT, "max_age", 0.0)
    assert service_names(people["agent"]) == {"Bulk renamed"}


def test_one_incident_reads_its_catalogue_rows_from_memory_too(people, listed, client):
    """The ticket page and the API's incident object join only the people (an eight-table
    join cost PostgreSQL more to plan than to run) and show a rename at once."""
    incident = listed.incidents.first()
    client.force_login(people["agent"])
    api = client_for(people["agent"])
    page = f"/desk/incidents/{incident.number}/"
    client.get(page), api.get(f"{URL}{incident.pk}/")
    with CaptureQueriesContext(connection) as queries:
        html = client.get(page).content.decode()
        record = api.get(f"{URL}{incident.pk}/").json()
    assert catalogue_reads(queries) == []
    incident_reads = [q["sql"] for q in queries if 'FROM "servicedesk_incident"' in q["sql"]]
    assert len(incident_reads) == 2
    assert not any(f'JOIN "{table}"' in sql for sql in incident_reads for table in CATALOGUE)
    assert "VPN" in html and record["service_name"] == "VPN"
    listed.name = "Remote access"
    listed.save()
    assert "Remote access" in client.get(page).content.decode()
    assert api.get(f"{URL}{incident.pk}/").json()["service_name"] == "Remote access"
