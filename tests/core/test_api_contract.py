"""What the schema promises about lists, bodies and errors, held for every endpoint kind:
unknown ids in filters match nothing, page sizes are bounded, bodies are JSON and errors are
JSON even where the success body is a file."""

import pytest

from core.models import AuditEvent
from servicedesk.models import Incident
from tests.conftest import client_for
from tests.servicedesk.factories import IncidentFactory, ServiceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_incidents(people):
    service = ServiceFactory(name="Mail")
    return [
        IncidentFactory(title=f"Mail down {n}", requester=people["requester"], service=service)
        for n in range(2)
    ]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/incidents/?service=999999",
        "/api/v1/incidents/?requester=999999&organisation=999999",
        "/api/v1/requests/?catalog_item=999999",
        "/api/v1/projects/?manager=999999",
        "/api/v1/services/?owner=999999",
        "/api/v1/improvements/?owner=999999",
    ],
)
def test_a_filter_naming_an_unknown_id_is_an_empty_list_not_an_error(people, two_incidents, url):
    response = client_for(people["agent"]).get(url)
    assert response.status_code == 200, response.content
    assert response.json()["results"] == []


def test_a_filter_naming_an_invisible_object_hides_that_it_exists(people, two_incidents):
    """Another organisation's requester id filters to nothing, exactly like an unknown one."""
    other = people["requester_other"]
    as_requester = client_for(people["requester"])
    visible = as_requester.get("/api/v1/incidents/").json()["results"]
    assert len(visible) == 2
    hidden = as_requester.get(f"/api/v1/incidents/?requester={other.pk}")
    unknown = as_requester.get("/api/v1/incidents/?requester=999999")
    assert hidden.status_code == unknown.status_code == 200
    assert hidden.json() == unknown.json() == {"next": None, "previous": None, "results": []}


def test_a_known_id_still_filters_and_a_malformed_one_is_400(people, two_incidents):
    agent = client_for(people["agent"])
    service = two_incidents[0].service_id
    assert len(agent.get(f"/api/v1/incidents/?service={service}").json()["results"]) == 2
    response = agent.get("/api/v1/incidents/?service=mail")
    assert response.status_code == 400
    assert "service" in response.json()["fields"]


@pytest.mark.parametrize("size", ["0", "201", "-1", "ten", "1e2", " 5"])
def test_page_size_outside_1_to_200_is_400(people, two_incidents, size):
    response = client_for(people["agent"]).get(f"/api/v1/incidents/?page_size={size}")
    assert response.status_code == 400
    assert response.json()["fields"] == {"page_size": ["A whole number from 1 to 200."]}


def test_page_size_given_twice_is_400_and_a_good_one_pages(people, two_incidents):
    agent = client_for(people["agent"])
    assert agent.get("/api/v1/incidents/?page_size=1&page_size=1").status_code == 400
    first = agent.get("/api/v1/incidents/?page_size=1").json()
    assert len(first["results"]) == 1 and first["next"]
    # Empty, as a filter form submits it, means "not given": the default page.
    assert len(agent.get("/api/v1/incidents/?page_size=").json()["results"]) == 2


def test_a_form_encoded_body_is_415_and_creates_nothing(people):
    service = ServiceFactory(name="Mail")
    response = client_for(people["agent"]).post(
        "/api/v1/incidents/",
        {"title": "Form body", "service": str(service.pk), "impact": "2", "urgency": "2"},
        format="multipart",
    )
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"
    assert not Incident.objects.filter(title="Form body").exists()
    assert not AuditEvent.objects.filter(action="incident.opened").exists()


def test_errors_are_json_where_the_success_body_is_csv(people):
    response = client_for(people["manager"]).get("/api/v1/kpis/no-such-kpi/series/?format=csv")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_found"


def test_errors_are_json_where_the_success_body_is_a_calendar(people):
    response = client_for(people["project_manager"]).get("/api/v1/projects/999999/milestones.ics")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"]


def test_empty_filter_values_mean_not_given(people, two_incidents):
    """What an HTML filter form submits for untouched fields: the whole (visible) list."""
    agent = client_for(people["agent"])
    response = agent.get("/api/v1/incidents/?status=&service=&q=&priority=&opened_after=")
    assert response.status_code == 200
    assert len(response.json()["results"]) == 2
    export = agent.get("/api/v1/incidents/export/?type=&status=")
    assert export.status_code == 200 and export["Content-Type"].startswith("text/csv")


@pytest.mark.parametrize("value", ["maybe", "-58800", "yes please"])
def test_a_boolean_filter_refuses_what_is_not_true_or_false(people, value):
    response = client_for(people["agent"]).get(f"/api/v1/catalog-items/?active={value}")
    assert response.status_code == 400
    assert response.json()["fields"] == {"active": ["Use true or false."]}


@pytest.mark.parametrize("value", [6.2819484491321496e16, 42, True, ["x"], {"x": 1}])
def test_a_text_field_given_a_non_string_is_400_and_creates_nothing(people, value):
    """The schema says ``type: string``; a number is not quietly turned into text."""
    response = client_for(people["agent"]).post(
        "/api/v1/incidents/", {"title": "Printer jam", "description": value}, format="json"
    )
    assert response.status_code == 400, response.content
    assert "description" in response.json()["fields"]
    assert not Incident.objects.filter(title="Printer jam").exists()


def test_a_numeric_title_is_refused_but_the_same_text_as_a_string_is_kept(people):
    agent = client_for(people["agent"])
    assert agent.post("/api/v1/incidents/", {"title": 2024}, format="json").status_code == 400
    created = agent.post("/api/v1/incidents/", {"title": "2024"}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["title"] == "2024"
