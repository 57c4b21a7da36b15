"""Hostile input (ASVS 1.3.5, 5.x, 6.3.1): every payload of the corpus, sent to the API and
to the HTML forms, is answered with 4xx (never 5xx) and writes nothing — no row in the
target table, no audit row.

HTML forms answer invalid input by showing the form again with its errors (200, so htmx
swaps it in); for them the proof is: no 5xx, the error shown, nothing written.
"""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client

from core.models import AuditEvent
from projects.models import Project, Task
from servicedesk.models import Attachment, Incident, IncidentComment, Service
from tests.conftest import client_for

HUGE = 10**30
MEGABYTE = "x" * (1024 * 1024)


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


# (id, field or None for a raw body, value)
TEXT_PAYLOADS = [
    ("nul-byte", "Printer\x00down"),
    ("one-megabyte", MEGABYTE),
    ("object-not-string", {"$gt": ""}),
    ("list-not-string", ["a", "b"]),
    ("null", None),
]
RAW_BODIES = [
    ("malformed-json", '{"title": "unterminated'),
    ("deep-nesting", '{"title": ' + _nested(100_000) + "}"),
    ("json-array", "[1, 2, 3]"),
    ("not-utf8", b'{"title": "\xff\xfe"}'),
    ("nul-in-json", '{"title": "a\\u0000b"}'),
]


def api_targets(w):
    """(name, url, valid body, field to poison, models that must not grow)."""
    project = f"/api/v1/projects/{w.project.pk}"
    return [
        ("incident-create", "/api/v1/incidents/", {"title": "ok"}, "title", [Incident]),
        (
            "comment-create",
            f"/api/v1/incidents/{w.incident.pk}/comments/",
            {"body": "ok"},
            "body",
            [IncidentComment],
        ),
        ("service-create", "/api/v1/services/", {"name": "ok"}, "name", [Service]),
        (
            "project-create",
            "/api/v1/projects/",
            {"code": "HX-1", "name": "ok", "budget": "1.00", "currency": "EUR"},
            "name",
            [Project],
        ),
        (
            "task-create",
            f"{project}/tasks/",
            {"name": "ok", "planned_start": "2026-04-01", "planned_finish": "2026-04-02"},
            "name",
            [Task],
        ),
    ]


def _count(models) -> list[int]:
    return [m.objects.count() for m in models] + [AuditEvent.objects.count()]


def _send(client, url, *, body=None, raw=None):
    with transaction.atomic():
        if raw is not None:
            response = client.post(url, data=raw, content_type="application/json")
        else:
            response = client.post(url, data=json.dumps(body), content_type="application/json")
        transaction.set_rollback(True)
    return response


WRITERS = {
    "incident-create": "requester",
    "comment-create": "requester",
    "service-create": "admin",
    "project-create": "project_manager",
    "task-create": "project_manager",
}


@pytest.mark.parametrize("payload", TEXT_PAYLOADS, ids=[p[0] for p in TEXT_PAYLOADS])
def test_api_refuses_hostile_field_values(world, payload):
    _, value = payload
    for name, url, valid, field, models in api_targets(world):
        client = client_for(getattr(world, WRITERS[name]))
        before = _count(models)
        response = _send(client, url, body={**valid, field: value})
        assert 400 <= response.status_code < 500, (name, response.status_code)
        assert response.json()["code"] == "invalid", (name, response.content[:300])
        assert _count(models) == before, name


@pytest.mark.parametrize("raw", RAW_BODIES, ids=[r[0] for r in RAW_BODIES])
def test_api_refuses_malformed_bodies(world, raw):
    _, body = raw
    for name, url, _valid, _field, models in api_targets(world):
        client = client_for(getattr(world, WRITERS[name]))
        before = _count(models)
        response = _send(client, url, raw=body)
        assert 400 <= response.status_code < 500, (name, response.status_code)
        assert _count(models) == before, name


@pytest.mark.parametrize(
    "field,value",
    [
        ("impact", HUGE),
        ("impact", -1),
        ("urgency", "1e309"),
        ("service", HUGE),
        ("service", -(2**63) - 1),
        ("service", "1; DROP TABLE servicedesk_incident"),
        ("opened_at", "2026-02-30T10:00:00Z"),
        ("opened_at", "yesterday"),
        ("opened_at", "99999-01-01T00:00:00Z"),
        ("requester", HUGE),
    ],
)
def test_incident_create_refuses_out_of_range_numbers_and_dates(world, field, value):
    before = _count([Incident])
    response = _send(
        client_for(world.agent), "/api/v1/incidents/", body={"title": "ok", field: value}
    )
    assert response.status_code == 400, response.content[:300]
    assert _count([Incident]) == before


@pytest.mark.parametrize(
    "field,value",
    [
        ("planned_start", "2026-13-01"),
        ("planned_finish", "0000-00-00"),
        ("planned_cost", "1e400"),
        ("planned_cost", "NaN"),
        ("planned_cost", "-Infinity"),
        ("planned_cost", HUGE),
        ("percent_complete", HUGE),
        ("parent", HUGE),
    ],
)
def test_task_create_refuses_bad_numbers_and_dates(world, field, value):
    body = {"name": "ok", "planned_start": "2026-04-01", "planned_finish": "2026-04-02"}
    before = _count([Task])
    response = _send(
        client_for(world.project_manager),
        f"/api/v1/projects/{world.project.pk}/tasks/",
        body={**body, field: value},
    )
    assert response.status_code == 400, response.content[:300]
    assert _count([Task]) == before


@pytest.mark.parametrize(
    "query",
    [
        "start=2026-02-30",
        "start=2026-01-01&end=2025-01-01",
        "start=1900-01-01&end=2100-01-01",
        "end=99999-01-01",
        "start=%00",
    ],
)
def test_query_parameters_with_bad_dates_are_400(world, query):
    url = f"/api/v1/services/{world.service.pk}/availability/?{query}"
    response = client_for(world.agent).get(url)
    assert response.status_code == 400, response.content[:300]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/incidents/?ordering=%00",
        "/api/v1/incidents/?cursor=%00%ff",
        "/api/v1/incidents/?cursor=" + "A" * 5000,
        "/api/v1/incidents/?priority=" + str(HUGE),
        "/api/v1/incidents/?opened_after=2026-02-30",
        "/api/v1/projects/?ordering=__class__",
        "/api/v1/kpis/incident_volume/series/?start=2026-02-30",
        "/api/v1/projects/1/evm/?as_of=2026-02-30",
    ],
)
def test_list_filters_never_answer_5xx(world, url):
    response = client_for(world.admin).get(url)
    assert response.status_code < 500, (url, response.status_code)


@pytest.mark.parametrize(
    "name,content",
    [
        ("evil.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("evil.html", b"<!doctype html><html><script>alert(1)</script></html>"),
        ("evil.png", b"<html><body onload=alert(1)>"),  # lying extension
        ("evil.txt", b"  \n<SCRIPT>alert(1)</SCRIPT>"),
        ("evil.xml", b'<?xml version="1.0"?><x/>'),
        ("nul.txt", b"abc\x00def"),
        ("empty.txt", b""),
    ],
)
def test_uploads_of_html_svg_and_binary_junk_are_refused(world, name, content):
    client = client_for(world.requester)
    before = _count([Attachment])
    with transaction.atomic():
        response = client.post(
            f"/api/v1/incidents/{world.incident.pk}/attachments/",
            {"file": SimpleUploadedFile(name, content, content_type="image/png")},
            format="multipart",
        )
        transaction.set_rollback(True)
    assert response.status_code == 400, response.content[:300]
    assert _count([Attachment]) == before


def test_upload_over_the_size_limit_is_refused(world, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    before = _count([Attachment])
    response = client_for(world.requester).post(
        f"/api/v1/incidents/{world.incident.pk}/attachments/",
        {"file": SimpleUploadedFile("big.txt", b"a" * 2048)},
        format="multipart",
    )
    assert response.status_code == 400
    assert _count([Attachment]) == before


# --- HTML forms ------------------------------------------------------------------------------

FORM_PAYLOADS = [
    ("nul-byte", "Printer\x00down"),
    ("one-megabyte", MEGABYTE),
    ("empty", ""),
]


def _form_refused(response) -> bool:
    """Bad input is 400 with the form shown again and its errors (core/form_status.py)."""
    shown = b"errorlist" in response.content or b"field-error" in response.content
    return response.status_code == 400 and shown


@pytest.mark.parametrize("payload", FORM_PAYLOADS, ids=[p[0] for p in FORM_PAYLOADS])
def test_portal_report_form_refuses_hostile_titles(world, payload):
    client = Client()
    client.force_login(world.requester)
    before = _count([Incident])
    response = client.post(
        "/portal/report/", {"title": payload[1], "description": "x", "impact": 3, "urgency": 3}
    )
    assert _form_refused(response), response.status_code
    assert _count([Incident]) == before


@pytest.mark.parametrize("payload", FORM_PAYLOADS, ids=[p[0] for p in FORM_PAYLOADS])
def test_project_form_refuses_hostile_names(world, payload):
    client = Client()
    client.force_login(world.project_manager)
    before = _count([Project])
    response = client.post(
        "/projects/new/",
        {"code": "HX-2", "name": payload[1], "budget": "1", "currency": "EUR"},
    )
    assert _form_refused(response), response.status_code
    assert _count([Project]) == before


@pytest.mark.parametrize("payload", FORM_PAYLOADS, ids=[p[0] for p in FORM_PAYLOADS])
def test_comment_form_writes_nothing_for_hostile_bodies(world, payload):
    client = Client()
    client.force_login(world.requester)
    before = _count([IncidentComment])
    response = client.post(f"/incidents/{world.incident.number}/comment/", {"body": payload[1]})
    assert response.status_code < 500
    assert _count([IncidentComment]) == before
