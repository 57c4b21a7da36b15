"""Every versioned write names the version it was based on (`version` in the body: a JSON
integer or digits; or an If-Match tag), with one rule on every endpoint: no version at all is
428, a `version` that is no whole number is 400 naming `version`, a stale one 412. None of
them changes anything, and none is a 500."""

import datetime
import json

import pytest
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from core.models import AuditEvent
from projects import handoff_actions
from servicedesk import request_actions
from servicedesk.models import Outage
from tests.conftest import client_for
from tests.projects.factories import ProjectFactory, TaskFactory
from tests.servicedesk.factories import (
    IncidentFactory,
    ServiceFactory,
    office_calendar,
    sla_policy,
)
from tests.servicedesk.request_factories import CatalogItemFactory, ImprovementFactory

pytestmark = pytest.mark.django_db


def _target(kind: str, people):
    """(method, url, change, object, user) of one versioned write of each kind."""
    admin = people["admin"]
    service = ServiceFactory(name="Payroll", owner=people["service_owner"])
    if kind == "incident":
        incident = IncidentFactory(service=service, requester=people["requester"])
        return "patch", f"/api/v1/incidents/{incident.pk}/", {"title": "Changed"}, incident, admin
    if kind == "request":
        item = CatalogItemFactory(service=service, form_definition=[])
        ordered = request_actions.request_submit(
            actor=people["requester"], catalog_item=item, answers={}
        )
        change = {"assignee": people["agent"].pk}
        return "patch", f"/api/v1/requests/{ordered.pk}/", change, ordered, people["agent"]
    if kind == "catalog_item":
        item = CatalogItemFactory(service=service)
        return "patch", f"/api/v1/catalog-items/{item.pk}/", {"name": "Changed"}, item, admin
    if kind == "improvement":
        improvement = ImprovementFactory(service=service, owner=people["agent"])
        change = {"planned_quarter": "2026-Q4"}
        return "patch", f"/api/v1/improvements/{improvement.pk}/", change, improvement, admin
    if kind in ("project", "task", "handoff"):
        pm = people["project_manager"]
        project = ProjectFactory(manager=pm, sponsor=people["manager"], service=service)
        if kind == "project":
            return "patch", f"/api/v1/projects/{project.pk}/", {"name": "Changed"}, project, pm
        if kind == "task":
            task = TaskFactory(project=project)
            url = f"/api/v1/projects/{project.pk}/tasks/{task.pk}/"
            return "patch", url, {"name": "Changed"}, task, pm
        handoff = handoff_actions.handoff_create(project=project, actor=pm)
        return "patch", f"/api/v1/handoffs/{handoff.pk}/", {"hypercare_days": 9}, handoff, pm
    if kind == "service":
        return (
            "patch",
            f"/api/v1/services/{service.pk}/",
            {"description": "Changed"},
            service,
            admin,
        )
    if kind in ("outage", "outage_cancel"):
        outages = f"/api/v1/services/{service.pk}/outages/"
        if kind == "outage":
            outage = Outage.objects.create(service=service, started_at="2025-01-06T09:00:00Z")
            return "patch", f"{outages}{outage.pk}/", {"description": "Changed"}, outage, admin
        soon = timezone.now() + datetime.timedelta(days=2)
        outage = Outage.objects.create(
            service=service,
            kind="planned",
            started_at=soon,
            ended_at=soon + datetime.timedelta(hours=1),
        )
        return "post", f"{outages}{outage.pk}/cancel/", {}, outage, admin
    calendar = office_calendar()
    if kind == "calendar":
        return "patch", f"/api/v1/calendars/{calendar.pk}/", {"name": "Changed"}, calendar, admin
    if kind == "calendar_delete":
        return "delete", f"/api/v1/calendars/{calendar.pk}/", {}, calendar, admin
    policy = sla_policy("Std", calendar)
    if kind == "policy":
        return "patch", f"/api/v1/sla-policies/{policy.pk}/", {"name": "Changed"}, policy, admin
    return "delete", f"/api/v1/sla-policies/{policy.pk}/", {}, policy, admin


KINDS = [
    "incident",
    "request",
    "catalog_item",
    "improvement",
    "project",
    "task",
    "handoff",
    "service",
    "outage",
    "outage_cancel",
    "calendar",
    "calendar_delete",
    "policy",
    "policy_delete",
]


def _send(kind, people, *, version=None, raw_version: str | None = None, **headers):
    """Send `kind`'s write with `version` (a function of the object's current one),
    `raw_version` (JSON text) or neither; answer (response, object, audit rows before)."""
    method, url, change, target, user = _target(kind, people)
    target.refresh_from_db()
    version = version(target.version) if version else None
    headers = {k: v.format(target.version) for k, v in headers.items()}
    if raw_version is not None:
        body = json.dumps(change)[:-1] + (", " if change else "") + f'"version": {raw_version}}}'
    else:
        body = json.dumps(change if version is None else {**change, "version": version})
    before = AuditEvent.objects.count()
    send = getattr(client_for(user), method)
    response = send(url, body, content_type="application/json", **headers)
    return response, target, before


def _unchanged(target, before):
    assert type(target).objects.get(pk=target.pk).version == target.version
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "version",
    [
        '"abc"',
        "1.5",
        "true",
        '""',
        "null",
        "1e999",  # float inf: int() overflows (a 500 once)
        "-1e999",
        "1.0",
        "0",
        "-1",
        '"²"',  # isdigit() yes, int() no
        '"٣"',  # int() reads it as 3
        '" 1"',
        '"1111111111"',
        "[1]",
        '{"v": 1}',
    ],
)
def test_a_version_that_is_no_whole_number_is_a_400_naming_it_and_changes_nothing(
    people, kind, version
):
    response, target, before = _send(kind, people, raw_version=version)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid"
    assert body["fields"]["version"] == [
        "Send the version you read: a whole number (1 or more), or an If-Match header."
    ]
    _unchanged(target, before)


@pytest.mark.parametrize("kind", KINDS)
def test_no_version_at_all_is_a_428_and_changes_nothing(people, kind):
    response, target, before = _send(kind, people)
    assert response.status_code == 428, response.content
    assert response.json()["code"] == "version_required"
    _unchanged(target, before)


@pytest.mark.parametrize("kind", KINDS)
def test_a_stale_version_is_a_412_and_changes_nothing(people, kind):
    response, target, before = _send(kind, people, version=lambda current: current + 1)
    assert response.status_code == 412, response.content
    assert response.json()["current_version"] == target.version
    _unchanged(target, before)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("version", [lambda current: current, str], ids=["number", "digits"])
def test_the_current_version_as_a_number_or_digits_goes_through(people, kind, version):
    response, _, before = _send(kind, people, version=version)
    assert response.status_code in (200, 204), response.content
    assert AuditEvent.objects.count() > before


@pytest.mark.parametrize("kind", ["service", "outage", "incident", "calendar_delete"])
def test_the_current_version_in_if_match_goes_through(people, kind):
    response, _, _ = _send(kind, people, HTTP_IF_MATCH='"{}"')
    assert response.status_code in (200, 204), response.content


@pytest.mark.parametrize("tag", ['"²"', '"1-²"', '"1e999"', '"1-"'])
def test_an_if_match_tag_without_a_version_is_stale(people, tag):
    response, service, before = _send("service", people, HTTP_IF_MATCH=tag)
    assert response.status_code == 412
    _unchanged(service, before)


@pytest.mark.parametrize("kind", ["service", "incident"])
def test_a_malformed_version_beside_a_good_if_match_is_still_a_400(people, kind):
    response, target, before = _send(kind, people, raw_version='"abc"', HTTP_IF_MATCH='"{}"')
    assert response.status_code == 400, response.content
    assert "version" in response.json()["fields"]
    _unchanged(target, before)


VERSIONED_OPERATIONS = {
    ("patch", "/api/v1/calendars/{id}/"),
    ("delete", "/api/v1/calendars/{id}/"),
    ("patch", "/api/v1/catalog-items/{id}/"),
    ("patch", "/api/v1/handoffs/{id}/"),
    ("patch", "/api/v1/improvements/{id}/"),
    ("patch", "/api/v1/incidents/{id}/"),
    ("patch", "/api/v1/projects/{id}/"),
    ("patch", "/api/v1/projects/{project_pk}/tasks/{id}/"),
    ("patch", "/api/v1/requests/{id}/"),
    ("patch", "/api/v1/services/{id}/"),
    ("patch", "/api/v1/services/{service_pk}/outages/{id}/"),
    ("post", "/api/v1/services/{service_pk}/outages/{id}/cancel/"),
    ("patch", "/api/v1/sla-policies/{id}/"),
    ("delete", "/api/v1/sla-policies/{id}/"),
}


def test_the_schema_documents_412_and_428_on_the_versioned_writes_and_nowhere_else():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    documented, with_if_match = set(), set()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation.get("responses", {})
            if "412" in responses or "428" in responses:
                assert "412" in responses and "428" in responses, (method, path)
                documented.add((method, path))
            if any(p["name"] == "If-Match" for p in operation.get("parameters", [])):
                with_if_match.add((method, path))
    assert documented == with_if_match == VERSIONED_OPERATIONS
