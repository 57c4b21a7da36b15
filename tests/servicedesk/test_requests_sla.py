"""SLA breaches of service requests: the minute scan, late moves, the API filter, the queue.

The calendar is "Office": Mon–Fri 09:00–17:00 Europe/London (= UTC in January). A request's
first response is due after the policy's priority-4 target, 120 business minutes; VPN access
(no approval) is delivered in 1 business day: submitted Monday 6 Jan 2025 09:00, its
response is due Monday 11:00 and its delivery at the end of Tuesday, 17:00.
"""

import importlib
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import AuditEvent
from servicedesk import request_actions as actions
from servicedesk.models import ServiceRequest
from tests.conftest import assert_status, browser_for, client_for
from tests.servicedesk.factories import ServiceFactory, office_calendar, sla_policy
from tests.servicedesk.request_factories import CatalogItemFactory

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
ANSWERS = {"model": "13-inch", "justification": "New starter"}


def london(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON)


@pytest.fixture
def desk(people):
    """VPN access (no approval, 1 day) and a laptop (the manager approves, 3 days) on a
    service under the Standard policy; both fulfilled by the Service Desk, led by agent2."""
    people["requester"].manager = people["manager"]
    people["requester"].save()
    people["team"].lead = people["agent2"]
    people["team"].save()
    service = ServiceFactory(
        name="Remote access", sla_policy=sla_policy("Standard", office_calendar())
    )
    common = {"service": service, "fulfilment_team": people["team"]}
    return {
        "vpn": CatalogItemFactory(name="VPN access", form_definition=[], delivery_days=1, **common),
        "laptop": CatalogItemFactory(name="New laptop", approval="manager", **common),
    }


def submit(people, desk, clock, when, item="vpn") -> ServiceRequest:
    clock.set(when)
    answers = ANSWERS if item == "laptop" else {}
    return actions.request_submit(
        actor=people["requester"], catalog_item=desk[item], answers=answers
    )


def reply(people, request, clock, when, *, author="agent", internal=False) -> None:
    clock.set(when)
    actions.request_comment_add(
        request=request, actor=people[author], body="On it.", internal=internal
    )


def fulfil(people, request, clock, when) -> ServiceRequest:
    clock.set(when)
    for task in request.tasks.all():
        actions.request_task_set(task=task, actor=people["agent"], done=True)
    return actions.request_transition(request=request, action="fulfil", actor=people["agent"])


def breaches(request) -> tuple[bool, bool]:
    request.refresh_from_db()
    return request.response_breached, request.resolution_breached


def breach_audits(request=None) -> list[dict]:
    rows = AuditEvent.objects.filter(action="request.sla_breached")
    if request is not None:
        rows = rows.filter(object_id=str(request.pk))
    return list(rows.values_list("changes", flat=True))


@pytest.fixture
def week(people, desk, clock):
    """Requests of one week, seen on Wednesday 8 Jan 2025 at 12:00."""
    made = {}
    made["late_delivery"] = submit(people, desk, clock, london(2025, 1, 6, 9, 0))
    reply(people, made["late_delivery"], clock, london(2025, 1, 6, 10, 0))  # in time
    made["awaiting"] = submit(people, desk, clock, london(2025, 1, 6, 9, 0), "laptop")
    reply(people, made["awaiting"], clock, london(2025, 1, 6, 9, 30))
    made["fulfilled_on_time"] = submit(people, desk, clock, london(2025, 1, 6, 9, 0))
    reply(people, made["fulfilled_on_time"], clock, london(2025, 1, 6, 9, 30))
    fulfil(people, made["fulfilled_on_time"], clock, london(2025, 1, 7, 16, 0))
    made["closed_on_time"] = submit(people, desk, clock, london(2025, 1, 6, 9, 0))
    reply(people, made["closed_on_time"], clock, london(2025, 1, 6, 9, 30))
    closing = fulfil(people, made["closed_on_time"], clock, london(2025, 1, 7, 16, 0))
    clock.set(london(2025, 1, 8, 10, 0))
    actions.request_transition(request=closing, action="close", actor=people["requester"])
    made["cancelled_in_time"] = submit(people, desk, clock, london(2025, 1, 6, 9, 0))
    clock.set(london(2025, 1, 6, 10, 0))
    actions.request_transition(
        request=made["cancelled_in_time"], action="cancel", actor=people["requester"]
    )
    made["unanswered"] = submit(people, desk, clock, london(2025, 1, 8, 9, 0))  # due 11:00
    made["not_yet_due"] = submit(people, desk, clock, london(2025, 1, 8, 11, 30))  # due 13:30
    clock.set(london(2025, 1, 8, 12, 0))
    return made


# --- the minute scan --------------------------------------------------------------------------


def test_the_scan_flags_exactly_the_open_requests_past_a_due_time(week, clock):
    assert week["late_delivery"].resolution_due == london(2025, 1, 7, 17, 0)
    assert week["unanswered"].response_due == london(2025, 1, 8, 11, 0)

    assert actions.request_sla_scan(now=clock.now) == {
        "response_breached": 1,
        "resolution_breached": 1,
    }

    flags = {name: breaches(request) for name, request in week.items()}
    assert flags == {
        "late_delivery": (False, True),
        "unanswered": (True, False),
        "awaiting": (False, False),  # its delivery clock starts on approval
        "fulfilled_on_time": (False, False),
        "closed_on_time": (False, False),
        "cancelled_in_time": (False, False),
        "not_yet_due": (False, False),
    }
    assert breach_audits(week["late_delivery"]) == [{"resolution_breached": [False, True]}]
    assert breach_audits(week["unanswered"]) == [{"response_breached": [False, True]}]
    event = AuditEvent.objects.get(
        action="request.sla_breached", object_id=str(week["unanswered"].pk)
    )
    assert event.actor is None and event.object_repr == f"{week['unanswered'].number} VPN access"


def test_the_scan_run_again_changes_nothing_and_writes_no_more_history(week, clock):
    actions.request_sla_scan(now=clock.now)
    clock.set(london(2025, 1, 8, 12, 1))
    for _ in range(3):
        assert actions.request_sla_scan(now=clock.now) == {
            "response_breached": 0,
            "resolution_breached": 0,
        }
    assert len(breach_audits()) == 2


def test_the_scan_mails_the_team_lead_once_per_missed_delivery(
    people, week, clock, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            actions.request_sla_scan(now=clock.now)
    (message,) = mail.outbox  # the missed response alone mails nobody, as for incidents
    assert message.to == [people["agent2"].email]
    assert f"[{week['late_delivery'].number}] SLA breached" in message.subject
    assert "due 2025-01-07 17:00" in message.body and "/requests/" in message.body


def test_the_scan_is_on_the_beat_schedule_beside_the_incidents_scan():
    from core.celery import app

    schedule = app.conf.beat_schedule
    assert schedule["servicedesk-request-sla-scan"]["task"] == (
        "servicedesk.request_tasks.request_sla_scan"
    )
    assert (
        schedule["servicedesk-request-sla-scan"]["schedule"]
        == (schedule["servicedesk-sla-scan"]["schedule"])
    )


# --- moves that end a wait late -------------------------------------------------------------


def test_a_late_fulfilment_ends_flagged_without_any_scan(people, desk, clock):
    request = submit(people, desk, clock, london(2025, 1, 6, 9, 0))
    reply(people, request, clock, london(2025, 1, 6, 9, 30))
    fulfilled = fulfil(people, request, clock, london(2025, 1, 8, 10, 0))  # due Tue 17:00
    assert (fulfilled.response_breached, fulfilled.resolution_breached) == (False, True)
    assert breaches(request) == (False, True)
    event = AuditEvent.objects.get(action="request.sla_breached", object_id=str(request.pk))
    assert event.actor == people["agent"] and event.changes == {
        "resolution_breached": [False, True]
    }


def test_a_late_fulfilment_already_flagged_by_the_scan_is_recorded_once(people, desk, clock):
    request = submit(people, desk, clock, london(2025, 1, 6, 9, 0))
    reply(people, request, clock, london(2025, 1, 6, 9, 30))
    clock.set(london(2025, 1, 7, 17, 1))
    actions.request_sla_scan(now=clock.now)
    fulfil(people, request, clock, london(2025, 1, 8, 10, 0))
    clock.set(london(2025, 1, 8, 10, 1))
    actions.request_transition(request=request, action="close", actor=people["requester"])
    assert breaches(request) == (False, True)
    assert breach_audits(request) == [{"resolution_breached": [False, True]}]


def test_fulfilling_unanswered_counts_as_the_response(people, desk, clock):
    request = submit(people, desk, clock, london(2025, 1, 6, 9, 0))
    fulfilled = fulfil(people, request, clock, london(2025, 1, 6, 10, 30))  # response due 11:00
    assert fulfilled.first_responded_at == london(2025, 1, 6, 10, 30)
    assert breaches(request) == (False, False)
    clock.set(london(2025, 1, 9, 9, 0))
    actions.request_sla_scan(now=clock.now)
    assert breaches(request) == (False, False) and breach_audits() == []


def test_an_agents_public_reply_after_the_target_flags_the_response(people, desk, clock):
    request = submit(people, desk, clock, london(2025, 1, 6, 9, 0))
    reply(people, request, clock, london(2025, 1, 6, 10, 0), internal=True)  # not an answer
    reply(people, request, clock, london(2025, 1, 6, 10, 30), author="requester")
    assert breaches(request) == (False, False)
    reply(people, request, clock, london(2025, 1, 6, 11, 30))  # due 11:00
    assert breaches(request) == (True, False)
    event = AuditEvent.objects.get(action="request.sla_breached", object_id=str(request.pk))
    assert event.actor == people["agent"]


def test_cancelling_after_a_missed_response_keeps_the_miss(people, desk, clock):
    request = submit(people, desk, clock, london(2025, 1, 6, 9, 0))
    clock.set(london(2025, 1, 6, 12, 0))
    actions.request_transition(request=request, action="cancel", actor=people["requester"])
    assert breaches(request) == (True, False)
    clock.set(london(2025, 1, 9, 9, 0))
    assert actions.request_sla_scan(now=clock.now) == {
        "response_breached": 0,
        "resolution_breached": 0,
    }


def test_the_upgrade_flags_requests_already_late_without_mailing_anyone(
    people, desk, clock, django_capture_on_commit_callbacks
):
    from django.apps import apps

    migration = importlib.import_module("servicedesk.migrations.0013_request_sla_breaches")
    ended_late = submit(people, desk, clock, london(2025, 1, 6, 9, 0))
    reply(people, ended_late, clock, london(2025, 1, 6, 9, 30))
    fulfil(people, ended_late, clock, london(2025, 1, 8, 10, 0))
    still_late = submit(people, desk, clock, london(2025, 1, 6, 9, 0))
    on_time = submit(people, desk, clock, london(2025, 1, 8, 11, 0))
    ServiceRequest.objects.update(response_breached=False, resolution_breached=False)
    AuditEvent.objects.filter(action="request.sla_breached").delete()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        migration.flag_requests_already_late(apps, None)
        assert actions.request_sla_scan(now=clock.now) == {
            "response_breached": 0,
            "resolution_breached": 0,
        }

    assert breaches(ended_late) == (False, True)
    assert breach_audits(ended_late) == [{"resolution_breached": [False, True]}]
    assert breaches(still_late) == (True, True) and len(breach_audits(still_late)) == 2
    assert breaches(on_time) == (False, False)
    assert mail.outbox == []  # the old breaches are listed, not mailed all at once


# --- the API ----------------------------------------------------------------------------------


def _numbers(user, query: str) -> set[str]:
    body = assert_status(user, "get", f"/api/v1/requests/?{query}", 200).json()
    return {row["number"] for row in body["results"]}


def test_the_api_filters_by_service_level(people, week):
    agent, named = people["agent"], {r.number: name for name, r in week.items()}
    # Before any scan: what is overdue now counts already.
    assert {named[n] for n in _numbers(agent, "sla=breached")} == {"late_delivery", "unanswered"}
    assert {named[n] for n in _numbers(agent, "sla=breaching")} == {
        "late_delivery",
        "unanswered",
        "not_yet_due",  # response due 13:30, within two hours
    }
    assert {named[n] for n in _numbers(agent, "sla=ok")} == {
        "awaiting",
        "fulfilled_on_time",
        "closed_on_time",
        "cancelled_in_time",
        "not_yet_due",
    }
    assert {named[n] for n in _numbers(agent, "sla=breached&status=open")} == {
        "late_delivery",
        "unanswered",
    }


def test_a_fulfilled_late_request_stays_in_breached_and_out_of_breaching(people, desk, clock):
    request = submit(people, desk, clock, london(2025, 1, 6, 9, 0))
    reply(people, request, clock, london(2025, 1, 6, 9, 30))
    fulfil(people, request, clock, london(2025, 1, 8, 10, 0))
    assert _numbers(people["agent"], "sla=breached") == {request.number}
    assert _numbers(people["agent"], "sla=breaching") == set()
    assert _numbers(people["agent"], "sla=ok") == set()


def test_an_unknown_service_level_is_a_400_naming_the_filter(people):
    response = assert_status(people["agent"], "get", "/api/v1/requests/?sla=late", 400)
    assert "sla" in response.json()["fields"]


def test_the_request_object_carries_read_only_breach_flags(people, week, clock):
    late = week["late_delivery"]
    body = assert_status(people["requester"], "get", f"/api/v1/requests/{late.pk}/", 200).json()
    assert (body["response_breached"], body["resolution_breached"]) == (False, True)
    actions.request_sla_scan(now=clock.now)
    late.refresh_from_db()
    patched = assert_status(
        people["agent"],
        "patch",
        f"/api/v1/requests/{late.pk}/",
        200,
        {"resolution_breached": False, "version": late.version},
    ).json()
    assert patched["resolution_breached"] is True and breaches(late) == (False, True)


def test_the_schema_documents_the_filter_and_the_flags(people):
    schema = client_for(people["agent"]).get("/api/schema/?format=json").json()
    listing = schema["paths"]["/api/v1/requests/"]["get"]
    (sla,) = [p for p in listing["parameters"] if p["name"] == "sla"]
    assert sla["schema"]["enum"] == ["breached", "breaching", "ok"]
    assert "Breaching soon" in sla["description"]
    fields = schema["components"]["schemas"]["Request"]["properties"]
    assert fields["resolution_breached"]["readOnly"] is True
    assert fields["response_breached"]["type"] == "boolean"


# --- the pages --------------------------------------------------------------------------------


def test_the_queue_shows_breached_requests_with_their_badges_and_counts(people, week):
    page = browser_for(people["agent"]).get("/desk/requests/?sla=breached").content.decode()
    assert week["late_delivery"].number in page and week["unanswered"].number in page
    for name in ("awaiting", "not_yet_due", "fulfilled_on_time"):
        assert week[name].number not in page
    assert "Breached · " in page and "No response" in page
    assert 'data-testid="view-breached">Breached\n    <span class="badge bad">2</span>' in page
    assert (
        'data-testid="view-breaching">Breaching soon\n    <span class="badge bad">3</span>' in page
    )


def test_the_open_queue_gives_every_row_an_sla_badge(people, week):
    page = browser_for(people["agent"]).get("/desk/requests/").content.decode()
    assert page.count('data-testid="sla-badge"') == 3  # awaiting approval has no clock yet
    assert "13h left" in page  # delivery due Thu 17:00: Wed 12:00–17:00 and Thu 09:00–17:00
    assert 'class="active" data-testid="view-open"' in page
    closed = browser_for(people["agent"]).get("/desk/requests/?status=closed").content.decode()
    assert 'class="active" data-testid="view-' not in closed
    assert ">Met<" in closed  # closed in time


def test_the_request_page_shows_staff_the_breach_and_the_requester_only_the_dates(people, week):
    late = week["late_delivery"]
    staff = browser_for(people["agent"]).get(f"/requests/{late.number}/").content.decode()
    assert 'data-testid="request-sla"' in staff and "Breached" in staff
    assert "2025-01-07 17:00" in staff
    portal = browser_for(people["requester"]).get(f"/requests/{late.number}/").content.decode()
    assert "2025-01-07 17:00" in portal  # the delivery date
    assert 'data-testid="request-sla"' not in portal
    assert "Breached" not in portal and "overdue" not in portal


def _statements(client, url: str) -> int:
    client.get(url)  # warm the session and the calendar cache
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return sum(1 for q in queries if "SAVEPOINT" not in q["sql"])


def test_queue_and_api_cost_the_same_for_many_breached_requests(people, desk, clock):
    def overdue(count: int) -> None:
        for _ in range(count):
            submit(people, desk, clock, london(2025, 1, 6, 9, 0))
        clock.set(london(2025, 1, 8, 12, 0))

    overdue(3)
    pages, api = browser_for(people["agent"]), client_for(people["agent"])
    few = (
        _statements(pages, "/desk/requests/?sla=breached"),
        _statements(api, "/api/v1/requests/?sla=breached"),
    )
    overdue(6)
    many = (
        _statements(pages, "/desk/requests/?sla=breached"),
        _statements(api, "/api/v1/requests/?sla=breached"),
    )
    assert few == many
    assert many[0] <= 8 and many[1] <= 4
    html = pages.get("/desk/requests/?sla=breached").content.decode()
    assert html.count('data-testid="sla-badge"') == 9


def test_the_demo_has_breached_requests_and_starts_without_a_mail_burst(db):
    from django.core.management import call_command

    call_command("seed_demo")
    breached = ServiceRequest.objects.filter(resolution_breached=True, status="in_fulfilment")
    assert breached.count() >= 2
    assert AuditEvent.objects.filter(action="request.sla_breached").count() == (
        ServiceRequest.objects.filter(response_breached=True).count()
        + ServiceRequest.objects.filter(resolution_breached=True).count()
    )
    assert actions.request_sla_scan() == {"response_breached": 0, "resolution_breached": 0}
