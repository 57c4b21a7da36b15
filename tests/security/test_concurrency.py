"""Lost updates (ASVS 2.3.3, 2.3.4) on PostgreSQL: N threads each make M read-modify-write
updates of the same incident and the same project task, sending the version they read.

Every accepted update is in the audit trail, every stale one got 412 and changed nothing,
and the final state is the last accepted write. Numbers handed out under concurrent
creates (INC…, REQ…) never repeat.
"""

import threading

import pytest
from django.conf import settings
from django.db import connection

from core.models import AuditEvent
from tests.conftest import client_for
from tests.projects.factories import ProjectFactory, TaskFactory
from tests.servicedesk.factories import IncidentFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.postgres,
    pytest.mark.skipif(not settings.IS_POSTGRES, reason="needs PostgreSQL's row locks (CI)"),
]
THREADS, UPDATES = 6, 5


def hammer(n: int, m: int, url: str, user, body_for) -> list[tuple[int, int, dict]]:
    """n threads × m updates; each GETs the object, then PATCHes with the version it saw.
    Returns (status, version sent, body sent) for every PATCH."""
    barrier = threading.Barrier(n)
    log: list[tuple[int, int, dict]] = []
    lock = threading.Lock()

    def worker(i: int):
        client = client_for(user)
        try:
            barrier.wait()
            for j in range(m):
                version = client.get(url).json()["version"]
                body = {**body_for(i, j), "version": version}
                status = client.patch(url, body, format="json").status_code
                with lock:
                    log.append((status, version, body))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return log


def check(log, *, obj, action: str, field: str):
    statuses = sorted({s for s, _, _ in log})
    assert set(statuses) <= {200, 412}, statuses
    accepted = [entry for entry in log if entry[0] == 200]
    stale = [entry for entry in log if entry[0] == 412]
    assert accepted and len(accepted) + len(stale) == THREADS * UPDATES
    # One accepted write per version: the versions sent by accepted writes are distinct.
    sent = [v for _, v, _ in accepted]
    assert len(sent) == len(set(sent))
    obj.refresh_from_db()
    assert obj.version == 1 + len(accepted)
    trail = AuditEvent.objects.filter(action=action, object_id=str(obj.pk)).order_by("id")
    assert trail.count() == len(accepted)
    # The final state is the accepted write based on the newest version.
    last = max(accepted, key=lambda entry: entry[1])
    assert str(getattr(obj, field)) == str(last[2][field])
    assert [e.changes[field][1] for e in trail][-1] == getattr(obj, field)


def test_incident_updates_from_many_threads_lose_nothing(people):
    incident = IncidentFactory(requester=people["requester"])
    log = hammer(
        THREADS,
        UPDATES,
        f"/api/v1/incidents/{incident.pk}/",
        people["agent"],
        lambda i, j: {"title": f"thread {i} update {j}"},
    )
    check(log, obj=incident, action="incident.updated", field="title")


def test_project_task_updates_from_many_threads_lose_nothing(people):
    project = ProjectFactory(manager=people["project_manager"])
    task = TaskFactory(project=project)
    log = hammer(
        THREADS,
        UPDATES,
        f"/api/v1/projects/{project.pk}/tasks/{task.pk}/",
        people["project_manager"],
        lambda i, j: {"name": f"thread {i} update {j}"},
    )
    check(log, obj=task, action="task.updated", field="name")


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
        t.join(timeout=120)
    return results


def test_concurrent_incident_creates_get_distinct_numbers(people):
    def create(i: int) -> list[str]:
        client = client_for(people["requester"])
        return [
            client.post("/api/v1/incidents/", {"title": f"t{i}-{j}"}, format="json").json()[
                "number"
            ]
            for j in range(5)
        ]

    numbers = [n for chunk in run_in_threads(THREADS, create) for n in chunk]
    assert len(numbers) == len(set(numbers)) == THREADS * 5
    assert all(n.startswith("INC") for n in numbers)


def test_concurrent_service_request_creates_get_distinct_numbers(people):
    from servicedesk import models as sd

    if not hasattr(sd, "ServiceRequest"):
        pytest.skip("service requests (REQ…) are not in this tree yet")
    from django.urls import NoReverseMatch, reverse

    try:
        url = reverse("request-list")
    except NoReverseMatch:
        pytest.skip("the service request API is not in this tree yet")
    from servicedesk.sla import builtin_24x7

    builtin_24x7()  # made by a migration; transactional tests flushed it, so make it once
    item = sd.CatalogItem.objects.create(
        service=IncidentFactory().service, name="Laptop", **_catalog_item_extra(sd)
    )

    def create(i: int) -> list[str]:
        client = client_for(people["requester"])
        out = []
        for _ in range(5):
            response = client.post(url, {"catalog_item": item.pk}, format="json")
            assert response.status_code == 201, response.content
            out.append(response.json()["number"])
        return out

    numbers = [n for chunk in run_in_threads(THREADS, create) for n in chunk]
    assert len(numbers) == len(set(numbers)) == THREADS * 5
    assert all(n.startswith("REQ") for n in numbers)


def _catalog_item_extra(sd) -> dict:
    fields = {f.name for f in sd.CatalogItem._meta.get_fields()}
    return {"active": True} if "active" in fields else {}
