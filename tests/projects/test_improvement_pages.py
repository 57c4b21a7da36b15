"""Pages of a project that carries an improvement: "Start a project" on the improvement
page, the prefilled form, and the links both ways."""

import pytest

from projects.models import Project
from servicedesk.models import Improvement
from tests.servicedesk.factories import ServiceFactory
from tests.servicedesk.request_factories import ImprovementFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved(people):
    service = ServiceFactory(name="Payroll", owner=people["service_owner"])
    return ImprovementFactory(
        title="Halve payroll incidents",
        service=service,
        owner=people["agent"],
        status="approved",
        expected_benefit="Quiet month ends.",
        baseline_value=12,
        target_value=4,
    )


def test_the_service_owner_starts_a_project_from_the_improvement_page(people, approved, client):
    client.force_login(people["service_owner"])
    page = client.get(f"/improvements/{approved.pk}/")
    assert page.status_code == 200
    start = f"/projects/new/?improvement={approved.pk}"
    assert start in page.content.decode()

    form = client.get(start)
    assert form.status_code == 200
    html = form.content.decode()
    assert 'value="Halve payroll incidents"' in html
    assert "Quiet month ends." in html
    assert "from 12 (baseline) to 4 (target)" in html

    posted = client.post(
        start,
        {
            "code": "PAY-7",
            "name": "Halve payroll incidents",
            "objectives": "Quiet month ends.",
            "budget": "1000",
            "currency": "EUR",
            "manager": people["project_manager"].pk,
            "sponsor": people["manager"].pk,
        },
    )
    project = Project.objects.get(code="PAY-7")
    assert posted.status_code == 302 and posted.url == f"/projects/{project.pk}/"
    assert (project.improvement, project.service) == (approved, approved.service)
    assert Improvement.objects.get(pk=approved.pk).status == "in_progress"

    client.force_login(people["project_manager"])
    overview = client.get(f"/projects/{project.pk}/").content.decode()
    assert f"/improvements/{approved.pk}/" in overview
    again = client.get(f"/improvements/{approved.pk}/").content.decode()
    assert f"/projects/{project.pk}/" in again and "PAY-7" in again
    assert start not in again  # carried now: no second project


@pytest.mark.parametrize("improvement", ["abc", "²", "٣"])
def test_a_project_from_no_improvement_id_is_a_404(people, approved, client, improvement):
    """The digit "²" passes isdigit() but not int() (a 500 before)."""
    client.force_login(people["service_owner"])
    assert client.get("/projects/new/", {"improvement": improvement}).status_code == 404


@pytest.mark.parametrize("who", ["agent", "project_manager"])
def test_who_may_not_decide_gets_no_start_button_and_404(people, approved, client, who):
    client.force_login(people[who])
    page = client.get(f"/improvements/{approved.pk}/").content.decode()
    assert "?improvement=" not in page
    assert client.get(f"/projects/new/?improvement={approved.pk}").status_code == 404
