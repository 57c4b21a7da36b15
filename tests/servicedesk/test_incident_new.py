"""The console's New incident: an agent logs an incident for a requester (a call, a walk-in)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import AuditEvent
from servicedesk.models import Incident
from tests.core.factories import RequesterFactory, TeamFactory
from tests.servicedesk.factories import ServiceFactory

pytestmark = pytest.mark.django_db
URL = "/desk/incidents/new/"


@pytest.fixture
def service(people):
    return ServiceFactory(name="Printing", support_team=people["team"])


def _form(people, service, **fields) -> dict:
    return {
        "requester": people["requester"].username,
        "service": service.pk,
        "title": "Printer jams on every page",
        "description": "Called at 9:10; the tray is empty.",
        "impact": "2",
        "urgency": "1",
        "category": "hardware",
        "team": "",
        "assignee": "",
        **fields,
    }


def _written() -> tuple[int, int]:
    return Incident.objects.count(), AuditEvent.objects.count()


def test_the_console_links_new_incident_to_the_agents_page(client, people):
    client.force_login(people["agent"])
    html = client.get("/desk/").content.decode()
    assert f'href="{URL}" data-testid="new-incident"' in html
    assert "/portal/report/" not in html


def test_the_page_asks_for_the_requester_in_the_consoles_words(client, people, service):
    client.force_login(people["agent"])
    response = client.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert '<label for="id_requester">Requester *</label>' in html
    assert "← Queue" in html and "My tickets" not in html
    # A box to type in, with a list htmx fills with matches (not a select of everyone).
    assert 'list="id_requester-people"' in html and 'hx-get="/people/"' in html
    assert '<datalist id="id_requester-people"></datalist>' in html
    # Each match names the username and organisation (two people of one name differ).
    options = client.get("/people/", {"requester": "req"}).content.decode()
    label = f"{people['requester'].display_name} (req, Acme)"
    assert f'<option value="req">{label}</option>' in options


def test_the_requester_is_named_by_username_or_email_in_any_case(client, people, service):
    client.force_login(people["agent"])
    requester = people["requester"]
    for typed in (requester.username.upper(), f"  {requester.email.upper()} "):
        response = client.post(URL, _form(people, service, requester=typed))
        assert response.status_code == 302, typed
    assert Incident.objects.filter(requester=requester).count() == 2
    refused = client.post(URL, _form(people, service, requester="nobody-of-that-name"))
    assert refused.status_code == 400
    assert "No one by that username or email" in refused.content.decode()


def test_people_search_offers_twenty_matches_of_whom_the_user_may_pick(client, people):
    RequesterFactory.create_batch(25, first_name="Sam", last_name="Searchable")
    RequesterFactory(first_name="Sam", last_name="Gone", is_active=False)
    client.force_login(people["agent"])
    found = client.get("/people/", {"q": "sam search"}).content.decode()
    assert found.count("<option") == 20 and "Gone" not in found
    assert client.get("/people/", {"q": "s"}).content.decode().strip() == ""  # two letters
    client.force_login(people["requester"])
    theirs = client.get("/people/", {"q": "searchable"}).content.decode()
    assert "<option" not in theirs  # a requester finds no one of another organisation
    colleague = people["requester_same_org"]
    found = client.get("/people/", {"q": colleague.username}).content.decode()
    assert f'value="{colleague.username}"' in found  # their own organisation's people
    assert "agent" not in client.get("/people/", {"q": "agent"}).content.decode()  # no staff


def test_agent_opens_an_incident_for_a_requester_and_lands_on_its_console_page(
    client, people, service
):
    client.force_login(people["agent"])
    response = client.post(URL, _form(people, service))
    incident = Incident.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/desk/incidents/{incident.number}/"
    assert incident.requester == people["requester"]
    assert incident.organisation == people["requester"].organisation  # follows the requester
    assert (incident.status, incident.team, incident.assignee) == ("new", people["team"], None)
    assert (incident.priority, incident.category) == (2, "hardware")
    opened = AuditEvent.objects.get(action="incident.opened", object_id=str(incident.pk))
    assert opened.actor == people["agent"]
    page = client.get(response["Location"]).content.decode()
    assert f"{incident.number} was opened for {people['requester'].display_name}." in page


@pytest.mark.parametrize("chosen", ["assignee", "team"])
def test_choosing_an_assignee_or_a_team_assigns_it_through_the_lifecycle(
    client, people, service, chosen
):
    network = TeamFactory(name="Network Ops")
    value = {"assignee": people["agent2"].pk, "team": network.pk}[chosen]
    client.force_login(people["agent"])
    assert client.post(URL, _form(people, service, **{chosen: value})).status_code == 302
    incident = Incident.objects.get()
    assert incident.status == "assigned"
    if chosen == "assignee":
        assert (incident.assignee, incident.team) == (people["agent2"], people["team"])
    else:
        assert (incident.assignee, incident.team) == (None, network)
    moves = AuditEvent.objects.filter(object_id=str(incident.pk)).order_by("id")
    assert [e.action for e in moves] == ["incident.opened", "incident.assign"]


def test_an_inactive_requester_is_refused_beside_the_field_and_nothing_is_written(
    client, people, service
):
    gone = RequesterFactory(username="left", is_active=False)
    client.force_login(people["agent"])
    assert "left" not in client.get("/people/", {"q": "left"}).content.decode()
    before = _written()
    response = client.post(URL, _form(people, service, requester=gone.username))
    html = response.content.decode()
    assert response.status_code == 400
    assert 'data-testid="error-requester"' in html
    assert "Printer jams on every page" in html  # the rest as typed
    assert _written() == before


def test_a_form_without_requester_service_or_title_is_refused_field_by_field(
    client, people, service
):
    client.force_login(people["agent"])
    before = _written()
    response = client.post(
        URL, {**_form(people, service), "requester": "", "service": "", "title": ""}
    )
    html = response.content.decode()
    assert response.status_code == 400
    for name in ("requester", "service", "title"):
        assert f'data-testid="error-{name}"' in html
    assert "Called at 9:10" in html
    assert _written() == before


@pytest.mark.parametrize(("who", "expected"), [("manager", 403), ("requester", 403)])
def test_only_those_who_work_tickets_open_incidents_for_others(
    client, people, service, who, expected
):
    client.force_login(people[who])
    before = _written()
    assert client.get(URL).status_code == expected
    assert client.post(URL, _form(people, service)).status_code == expected
    assert _written() == before
    if who == "manager":
        assert 'data-testid="new-incident"' not in client.get("/desk/").content.decode()


def test_the_page_costs_the_same_for_few_or_many_people(client, people, service):
    """The page lists no one: a box to type in, whatever the number of people."""
    client.force_login(people["agent"])
    counts = []
    for more in (1, 30):
        RequesterFactory.create_batch(more)
        client.get(URL)  # warm the session and the kept lists
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL).status_code == 200
        counts.append(sum(1 for q in queries if "SAVEPOINT" not in q["sql"]))
    assert counts[0] == counts[1] <= 3, counts
