"""Internal notes never leak to requesters: not in lists, details, history, search, counts,
exports, attachments, pages or notification mail. And foreign keys in writes are checked
against what the caller may see (iTop CVE-2023-45808 class)."""

import io
import zipfile

import pytest
from django.test import Client

from servicedesk import actions
from tests.conftest import client_for

SECRET = "SECRET-INTERNAL-NOTE"


@pytest.fixture
def noted(world, mailoutbox):
    # A note written through the action, so notifications and audit run as in production.
    actions.incident_comment_add(
        incident=world.incident, actor=world.agent, body=f"{SECRET} via action", internal=True
    )
    return world


def _text(response) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if body.startswith(b"PK"):  # XLSX: search the sheets and shared strings
        with zipfile.ZipFile(io.BytesIO(body)) as book:
            body = b"".join(book.read(name) for name in book.namelist())
    return body.decode(errors="replace")


@pytest.mark.parametrize("role", ["requester", "requester_shared2"])
def test_requesters_never_see_internal_notes(noted, role, mailoutbox):
    w = noted
    incident = w.incident
    if role == "requester_shared2":
        incident = w.shared_incident
        actions.incident_comment_add(
            incident=incident, actor=w.agent, body=f"{SECRET} shared", internal=True
        )
    user = getattr(w, role)
    api = client_for(user)
    urls = [
        "/api/v1/incidents/",
        f"/api/v1/incidents/{incident.pk}/",
        f"/api/v1/incidents/{incident.pk}/comments/",
        f"/api/v1/incidents/{incident.pk}/history/",
        f"/api/v1/incidents/{incident.pk}/attachments/",
        f"/api/v1/incidents/?q={SECRET}",
        "/api/v1/incidents/export/",
        "/api/v1/incidents/export/?type=xlsx",
    ]
    for url in urls:
        response = api.get(url)
        assert response.status_code == 200, url
        assert SECRET not in _text(response) and "secret.txt" not in _text(response), url
    # Search by the note's words finds nothing for the requester.
    assert api.get(f"/api/v1/incidents/?q={SECRET}").json()["results"] == []
    comments = api.get(f"/api/v1/incidents/{incident.pk}/comments/").json()
    assert all(not c["internal"] for c in comments)
    page = Client()
    page.force_login(user)
    for url in [f"/portal/incidents/{incident.number}/", "/portal/"]:
        response = page.get(url)
        assert response.status_code == 200 and SECRET not in _text(response), url
    assert page.get(f"/attachments/{w.internal_attachment.pk}/").status_code == 404
    for mail in mailoutbox:
        if user.email in mail.to:
            assert SECRET not in mail.body, mail.subject


def test_staff_see_internal_notes(noted):
    comments = client_for(noted.agent).get(f"/api/v1/incidents/{noted.incident.pk}/comments/")
    assert any(SECRET in c["body"] for c in comments.json())


def test_requester_cannot_write_internal_notes_or_attach_to_them(world):
    api = client_for(world.requester)
    response = api.post(
        f"/api/v1/incidents/{world.incident.pk}/comments/", {"body": "x", "internal": True}
    )
    assert response.status_code == 403
    assert not world.incident.comments.filter(author=world.requester).exists()


# --- foreign keys in writes are checked against what the caller may see -----------------


def test_comment_cannot_be_attached_to_an_invisible_incident(world):
    api = client_for(world.requester_other)
    response = api.post(f"/api/v1/incidents/{world.incident.pk}/comments/", {"body": "hi"})
    assert response.status_code == 404
    assert not world.incident.comments.filter(author=world.requester_other).exists()


@pytest.mark.parametrize(
    "field,value",
    [
        ("assignee", lambda w: w.agent.pk),
        ("team", lambda w: w.team.pk),
        ("impact", lambda w: 1),
        ("urgency", lambda w: 1),
        ("service", lambda w: w.service.pk),
    ],
)
def test_requester_cannot_set_routing_or_priority_fields(world, field, value):
    before = world.incident.version
    response = client_for(world.requester).patch(
        f"/api/v1/incidents/{world.incident.pk}/",
        {"version": before, field: value(world)},
    )
    assert response.status_code == 400, response.content
    assert field in response.json()["fields"]
    world.incident.refresh_from_db()
    assert world.incident.version == before


def test_requester_cannot_open_an_incident_for_someone_else(world):
    response = client_for(world.requester).post(
        "/api/v1/incidents/", {"title": "x", "requester": world.requester_other.pk}
    )
    assert response.status_code == 403


def test_requester_cannot_file_against_a_retired_service(world):
    from servicedesk.models import Service

    Service.objects.filter(pk=world.service.pk).update(status="retired")
    response = client_for(world.requester).post(
        "/api/v1/incidents/", {"title": "x", "service": world.service.pk}
    )
    assert response.status_code == 400
    assert "service" in response.json()["fields"]


def test_agent_cannot_assign_to_a_requester(world):
    response = client_for(world.agent).patch(
        f"/api/v1/incidents/{world.incident.pk}/",
        {"version": world.incident.version, "assignee": world.requester.pk},
    )
    assert response.status_code == 400


def test_project_task_parent_from_another_project_is_refused(world, people):
    from projects.models import Project, Task

    other = Project.objects.create(code="OTH-1", name="Other", manager=people["admin"])
    foreign = Task.objects.create(project=other, name="Foreign")
    response = client_for(world.project_manager).post(
        f"/api/v1/projects/{world.project.pk}/tasks/", {"name": "x", "parent": foreign.pk}
    )
    assert response.status_code == 400
    assert not Task.objects.filter(project=world.project, name="x").exists()


def test_request_for_another_organisations_catalog_item_or_request_is_refused(world):
    from servicedesk import models as sd

    if not hasattr(sd, "ServiceRequest"):
        pytest.skip("service requests are not in this tree yet")
    mine = client_for(world.requester).get("/api/v1/requests/").json()["results"]
    others = client_for(world.requester_other).get("/api/v1/requests/").json()["results"]
    assert {r["id"] for r in mine}.isdisjoint({r["id"] for r in others})
