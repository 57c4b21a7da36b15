"""Real concurrent writers on PostgreSQL: one winner per version, no duplicate numbers."""

import threading

import pytest
from django.conf import settings
from django.db import connection

from core.models import AuditEvent
from core.numbering import number_next
from servicedesk.models import Incident
from tests.conftest import client_for
from tests.servicedesk.factories import IncidentFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.IS_POSTGRES, reason="needs PostgreSQL's row locks (CI)"),
]


def run_in_threads(n: int, work) -> list:
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def runner(i: int):
        try:
            barrier.wait()
            results[i] = work(i)
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_same_version_patched_by_many_threads_exactly_one_wins(people):
    incident = IncidentFactory(requester=people["requester"])
    agent = people["agent"]

    def patch(i: int) -> int:
        response = client_for(agent).patch(
            f"/api/v1/incidents/{incident.pk}/",
            {"title": f"title {i}", "version": 1},
            format="json",
        )
        return response.status_code

    codes = run_in_threads(8, patch)
    assert sorted(codes) == [200] + [412] * 7
    incident.refresh_from_db()
    assert incident.version == 2
    updates = AuditEvent.objects.filter(action="incident.updated", object_id=str(incident.pk))
    assert updates.count() == 1
    assert updates.get().changes["title"][1] == incident.title


def test_concurrent_number_allocation_never_repeats():
    numbers = run_in_threads(10, lambda i: [number_next(prefix="TST") for _ in range(20)])
    flat = [n for chunk in numbers for n in chunk]
    assert len(flat) == 200 and len(set(flat)) == 200


def test_concurrent_incident_creation_gives_unique_numbers(people):
    def create(i: int) -> str:
        response = client_for(people["requester"]).post(
            "/api/v1/incidents/", {"title": f"t{i}"}, format="json"
        )
        return response.json()["number"]

    created = run_in_threads(8, create)
    assert len(set(created)) == 8
    assert Incident.objects.count() == 8
