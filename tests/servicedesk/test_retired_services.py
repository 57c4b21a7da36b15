"""A retired service no longer runs: no new incident or request is logged against it and no
ticket is moved onto it, by any door (console, portal, API, mail, catalog); the pickers do not
offer it; the tickets it already has are still worked, edited and resolved."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import AuditEvent, InboundEmail
from servicedesk import actions
from servicedesk.lifecycle import service_incident_refusal, service_request_refusal
from servicedesk.mailbox import email_ingest
from servicedesk.models import Incident, IncidentComment, ServiceRequest
from tests.conftest import assert_status, browser_for
from tests.servicedesk.factories import ServiceFactory
from tests.servicedesk.request_factories import CatalogItemFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
RETIRED_NEW = "This service is retired: it takes no new incidents. Choose another service."
RETIRED_MOVE = "This service is retired: no incident can be moved onto it. Choose another service."
RETIRED_REQUEST = "This item's service is retired: it takes no new requests."


@pytest.fixture
def services(people):
    """Email (live), Payroll v2 (planned: a pilot) and Fax (retired)."""
    return {
        "live": ServiceFactory(name="Email", support_team=people["team"]),
        "planned": ServiceFactory(name="Payroll v2", status="planned"),
        "retired": ServiceFactory(name="Fax", status="retired"),
    }


@pytest.fixture
def old_incident(people, services):
    """Opened on Fax while it ran and worked since (in progress); then Fax was retired."""
    fax = services["retired"]
    fax.status = "live"
    fax.save()
    incident = actions.incident_open(
        actor=people["agent"],
        requester=people["requester"],
        title="Fax line dead",
        service=fax,
        team=people["team"],
    )
    incident = actions.incident_transition(incident=incident, action="start", actor=people["agent"])
    actions.service_transition(service=fax, action="retire", actor=people["admin"])
    return Incident.objects.get(pk=incident.pk)


def _written() -> tuple[int, int, int]:
    return Incident.objects.count(), ServiceRequest.objects.count(), AuditEvent.objects.count()


def _options(html: str, name: str) -> list[str]:
    """The labels a select named `name` offers (its blank option left out)."""
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return [label for _value, label in re.findall(r'<option value="(\d+)"[^>]*>([^<]*)<', select)]


# --- the rule --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "who", "reason"),
    [
        ("live", "requester", ""),
        ("live", "agent", ""),
        ("planned", "requester", "Choose a live service."),
        ("planned", "agent", ""),  # staff log what a pilot's users meet
        ("retired", "requester", RETIRED_NEW),
        ("retired", "agent", RETIRED_NEW),
        ("retired", "admin", RETIRED_NEW),
    ],
)
def test_which_services_take_new_incidents_from_whom(people, status, who, reason):
    service = ServiceFactory(status=status)
    assert service_incident_refusal(service, people[who]) == reason
    assert service_incident_refusal(None, people[who]) == ""  # no service: the desk routes it


@pytest.mark.parametrize(
    ("status", "reason"),
    [("live", ""), ("planned", "Choose an item of a live service."), ("retired", RETIRED_REQUEST)],
)
def test_only_a_live_services_items_take_requests(status, reason):
    assert service_request_refusal(ServiceFactory(status=status)) == reason


# --- console: New incident -------------------------------------------------------------------


def _new_incident_form(people, service) -> dict:
    return {
        "requester": people["requester"].username,
        "service": service.pk,
        "title": "Cannot send",
        "description": "Called at 9:10.",
        "impact": "2",
        "urgency": "2",
        "category": "other",
        "team": "",
        "assignee": "",
    }


def test_new_incident_offers_live_and_planned_services_but_not_retired_ones(people, services):
    html = browser_for(people["agent"]).get("/desk/incidents/new/").content.decode()
    assert _options(html, "service") == ["Email", "Payroll v2"]


def test_agent_cannot_log_a_new_incident_on_a_retired_service(people, services):
    before = _written()
    response = browser_for(people["agent"]).post(
        "/desk/incidents/new/", _new_incident_form(people, services["retired"])
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert RETIRED_NEW in html and "Cannot send" in html  # beside the form, as typed
    assert _written() == before


def test_agent_logs_an_incident_on_a_planned_service_in_pilot(people, services):
    response = browser_for(people["agent"]).post(
        "/desk/incidents/new/", _new_incident_form(people, services["planned"])
    )
    assert response.status_code == 302
    assert Incident.objects.get().service == services["planned"]


# --- portal: Report an incident -----------------------------------------------------------


def test_the_portal_offers_live_services_only(people, services):
    html = browser_for(people["requester"]).get("/portal/report/").content.decode()
    assert _options(html, "service") == ["Email"]


@pytest.mark.parametrize(("kind", "reason"), [("retired", RETIRED_NEW), ("planned", "Choose")])
def test_a_requester_cannot_report_on_a_retired_or_planned_service(people, services, kind, reason):
    before = _written()
    response = browser_for(people["requester"]).post(
        "/portal/report/",
        {
            "service": services[kind].pk,
            "title": "Fax down",
            "impact": 2,
            "urgency": 2,
            "category": "other",
        },
    )
    html = response.content.decode()
    assert response.status_code == 400
    error = re.search(r'data-testid="error-service">([^<]*)<', html).group(1)
    assert error.startswith(reason)
    assert _written() == before


# --- API -------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["requester", "agent", "admin"])
def test_api_refuses_a_new_incident_on_a_retired_service(people, services, who):
    before = _written()
    body = assert_status(
        people[who],
        "post",
        "/api/v1/incidents/",
        400,
        {"title": "x", "service": services["retired"].pk},
    ).json()
    assert body["fields"] == {"service": [RETIRED_NEW]}
    assert _written() == before


def test_api_refuses_moving_an_incident_onto_a_retired_service(people, services):
    incident = actions.incident_open(
        actor=people["requester"], title="Slow mail", service=services["live"]
    )
    before = _written()
    body = assert_status(
        people["agent"],
        "patch",
        f"/api/v1/incidents/{incident.pk}/",
        400,
        {"version": incident.version, "service": services["retired"].pk, "urgency": 1},
    ).json()
    assert body["fields"] == {"service": [RETIRED_MOVE]}
    incident.refresh_from_db()
    assert (incident.service, incident.urgency, incident.version) == (services["live"], 3, 1)
    assert _written() == before


def test_api_edits_and_resolves_an_old_incident_of_a_retired_service(people, old_incident):
    url = f"/api/v1/incidents/{old_incident.pk}/"
    # Its service sent back unchanged is no move: the other fields are saved.
    changes = {"version": old_incident.version, "service": old_incident.service_id, "urgency": 1}
    assert assert_status(people["agent"], "patch", url, 200, changes).json()["urgency"] == 1
    comment = {"body": "Moved the line to the new VoIP gateway."}
    assert_status(people["agent"], "post", f"{url}comments/", 201, comment)
    resolve = {"action": "resolve", "resolution_code": "fixed", "resolution_note": "Rerouted."}
    body = assert_status(people["agent"], "post", f"{url}transitions/", 200, resolve).json()
    assert (body["status"], body["service_name"]) == ("resolved", "Fax")


# --- console: the ticket's side panel ---------------------------------------------------------


def _panel_post(client, incident, **fields):
    data = {
        "service": incident.service_id,
        "team": incident.team_id or "",
        "assignee": incident.assignee_id or "",
        "impact": incident.impact,
        "urgency": incident.urgency,
        "category": incident.category,
        "version": incident.version,
        **fields,
    }
    return client.post(f"/desk/incidents/{incident.number}/fields/", data, **HTMX)


def test_the_panel_does_not_offer_a_retired_service_to_move_to(people, services):
    incident = actions.incident_open(
        actor=people["requester"], title="Slow mail", service=services["live"]
    )
    html = browser_for(people["agent"]).get(f"/desk/incidents/{incident.number}/").content.decode()
    assert _options(html, "service") == ["Email", "Payroll v2"]


def test_the_panel_refuses_a_move_onto_a_retired_service_and_writes_nothing(people, services):
    incident = actions.incident_open(
        actor=people["requester"], title="Slow mail", service=services["live"]
    )
    before = _written()
    response = _panel_post(browser_for(people["agent"]), incident, service=services["retired"].pk)
    html = response.content.decode()
    assert response.status_code == 400 and RETIRED_MOVE in html
    assert "selected>Fax (retired)</option>" in html  # the panel as typed, with its reason
    incident.refresh_from_db()
    assert (incident.service, incident.version) == (services["live"], 1)
    assert _written() == before


def test_an_old_ticket_of_a_retired_service_shows_it_and_is_still_edited_and_resolved(
    people, old_incident
):
    agent = browser_for(people["agent"])
    page = agent.get(f"/desk/incidents/{old_incident.number}/").content.decode()
    # Its own service shows, marked; no other retired service is offered.
    assert _options(page, "service") == ["Email", "Fax (retired)", "Payroll v2"]
    assert f'<option value="{old_incident.service_id}" selected>Fax (retired)</option>' in page

    assert _panel_post(agent, old_incident, urgency=1).status_code == 200
    old_incident.refresh_from_db()
    assert (old_incident.urgency, old_incident.service.name) == (1, "Fax")

    url = f"/incidents/{old_incident.number}/"
    assert agent.post(f"{url}comment/", {"body": "Line moved to VoIP."}).status_code == 302
    resolved = agent.post(
        f"{url}transition/",
        {"action": "resolve", "resolution_code": "fixed", "resolution_note": "Rerouted."},
    )
    assert resolved.status_code == 302
    old_incident.refresh_from_db()
    assert old_incident.status == "resolved" and old_incident.comments.count() == 1


def _statements(client, url) -> int:
    """SQL statements of one GET (warmed first), the test transaction's savepoints aside."""
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return sum(1 for q in queries if "SAVEPOINT" not in q["sql"])


def test_showing_a_retired_service_in_the_panel_costs_no_statement(people, services, old_incident):
    live = actions.incident_open(
        actor=people["requester"], title="Slow mail", service=services["live"]
    )
    agent = browser_for(people["agent"])
    assert _statements(agent, f"/desk/incidents/{old_incident.number}/") == _statements(
        agent, f"/desk/incidents/{live.number}/"
    )


# --- email in ---------------------------------------------------------------------------------


def _mail(subject: str, **headers) -> bytes:
    extra = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    return (
        "From: Riley <req@example.com>\r\nTo: desk@example.com\r\n"
        f"Subject: {subject}\r\nMessage-ID: <{abs(hash(subject))}@mail.example>\r\n{extra}"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nThe fax line is dead again.\r\n"
    ).encode()


def test_mail_opens_an_incident_without_a_service_for_the_desk_to_route(people, services):
    people["requester"].email = "req@example.com"
    people["requester"].save()
    record = email_ingest(raw=_mail("Fax broken"))
    assert record.status == InboundEmail.PROCESSED  # never quarantined for its service
    incident = Incident.objects.get()
    assert incident.service is None and incident.title == "Fax broken"


def test_mail_replying_to_a_retired_services_ticket_is_a_comment(people, old_incident):
    people["requester"].email = "req@example.com"
    people["requester"].save()
    record = email_ingest(raw=_mail(f"Re: [{old_incident.number}] Fax line dead"))
    assert (record.status, record.reason) == (InboundEmail.PROCESSED, "reply")
    assert IncidentComment.objects.get().incident == old_incident


# --- catalog requests -------------------------------------------------------------------------


def test_a_retired_services_items_are_not_offered_nor_ordered(people, services):
    item = CatalogItemFactory(service=services["retired"], name="Fax toner", form_definition=[])
    requester = browser_for(people["requester"])
    assert "Fax toner" not in requester.get("/catalog/").content.decode()
    before = _written()
    # A requester cannot see the item (404, as any item of a service not live); staff may
    # name it and are told why not.
    assert requester.post(f"/catalog/items/{item.pk}/", {}).status_code == 404
    order = {"catalog_item": item.pk}
    assert_status(people["requester"], "post", "/api/v1/requests/", 404, order)
    body = assert_status(people["agent"], "post", "/api/v1/requests/", 400, order).json()
    assert body["fields"] == {"catalog_item": [RETIRED_REQUEST]}
    assert _written() == before
