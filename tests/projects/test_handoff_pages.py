"""The handoff pages: the PM prepares it in the workspace, the owner decides from the inbox,
the service page says who delivered it and the project page shows the outcome."""

import datetime

import pytest

from projects.models import Handoff
from servicedesk.models import Service
from tests.conftest import browser_for
from tests.core.factories import TeamFactory
from tests.projects.factories import ProjectFactory
from tests.servicedesk.factories import ServiceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(people):
    service = ServiceFactory(name="Payroll", status="planned", owner=people["service_owner"])
    return ProjectFactory(
        code="PAY", manager=people["project_manager"], sponsor=people["manager"], service=service
    )


def test_pm_prepares_and_owner_accepts_through_the_pages(people, project):
    team = TeamFactory(name="Payroll support")
    pm = browser_for(people["project_manager"])
    page = pm.get(f"/projects/{project.pk}/handoff/")
    assert b'data-testid="handoff-start"' in page.content
    pm.post(f"/projects/{project.pk}/handoff/start/")
    handoff = Handoff.objects.get(project=project)
    response = pm.post(
        f"/projects/{project.pk}/handoff/edit/",
        {
            "target": "existing",
            "service": project.service_id,
            "support_team": team.pk,
            "go_live_on": "2026-03-02",
            "hypercare_days": "30",
            "documents": "Runbook | https://wiki.example.com/payroll",
            "version": handoff.version,
        },
        follow=True,
    )
    assert b"Handoff saved." in response.content
    handoff.refresh_from_db()
    assert handoff.documents == [{"title": "Runbook", "url": "https://wiki.example.com/payroll"}]
    for item in handoff.checklist.all():
        row = pm.post(
            f"/projects/{project.pk}/handoff/checklist/{item.pk}/",
            {"done": "1"},
            HTTP_HX_REQUEST="true",
        )
        assert b'data-testid="handoff-checklist"' in row.content
    pm.post(f"/projects/{project.pk}/handoff/move/", {"action": "submit"})
    handoff.refresh_from_db()
    assert handoff.status == "submitted"

    owner = browser_for(people["service_owner"])
    inbox = owner.get("/projects/handoffs/inbox/")
    assert b'data-testid="review-PAY"' in inbox.content
    page = owner.get(f"/projects/{project.pk}/handoff/")
    assert b'data-testid="handoff-accept"' in page.content
    assert b'data-testid="handoff-editor"' not in page.content
    owner.post(
        f"/projects/{project.pk}/handoff/move/",
        {"action": "accept", "note": "Welcome", "next": "inbox"},
    )
    handoff.refresh_from_db()
    assert handoff.status == "accepted"
    assert Service.objects.get(pk=project.service_id).status == "live"
    assert b'data-testid="handoff-inbox-empty"' in owner.get("/projects/handoffs/inbox/").content

    service_page = owner.get(f"/services/{project.service_id}/")
    assert b'data-testid="delivered-by"' in service_page.content
    assert b"PAY" in service_page.content
    overview = pm.get(f"/projects/{project.pk}/")
    assert b'data-testid="outcome-card"' in overview.content


def test_a_pm_sees_no_decision_buttons_and_others_no_editor(people, project):
    pm_client = browser_for(people["project_manager"])
    pm_client.post(f"/projects/{project.pk}/handoff/start/")
    agent = browser_for(people["agent"]).get(f"/projects/{project.pk}/handoff/")
    assert agent.status_code == 200
    assert b'data-testid="handoff-editor"' not in agent.content
    page = pm_client.get(f"/projects/{project.pk}/handoff/")
    assert b'data-testid="handoff-editor"' in page.content
    assert b'data-testid="handoff-accept"' not in page.content
    # An agent's POST is refused by the action and changes nothing.
    browser_for(people["agent"]).post(f"/projects/{project.pk}/handoff/move/", {"action": "submit"})
    assert Handoff.objects.get(project=project).status == "draft"


def test_requesters_find_no_handoff_pages_and_no_delivery_on_the_service(people, project):
    client = browser_for(people["requester"])
    assert client.get(f"/projects/{project.pk}/handoff/").status_code == 404
    assert client.get("/projects/handoffs/inbox/").status_code == 404
    Service.objects.filter(pk=project.service_id).update(status="live")
    type(project).objects.filter(pk=project.pk).update(
        hypercare_start=datetime.date(2026, 3, 2), hypercare_end=datetime.date(2026, 4, 1)
    )
    page = client.get(f"/services/{project.service_id}/")
    assert page.status_code == 200
    assert b"Delivered by project" not in page.content


def test_the_portfolio_links_the_inbox_with_a_count(people, project):
    page = browser_for(people["service_owner"]).get("/projects/")
    assert b'data-testid="handoff-inbox-link"' in page.content


def test_the_draft_handoff_page_reads_its_choice_lists_in_one_statement(people, project):
    """The editor's five choice lists (services, owners, teams, SLA policies, service hours)
    come from one statement, sorted by what they show; the page costs the same for more
    services and owners."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.core.factories import UserFactory

    pm = browser_for(people["project_manager"])
    pm.post(f"/projects/{project.pk}/handoff/start/")
    url = f"/projects/{project.pk}/handoff/"

    def statements() -> tuple[str, int]:
        pm.get(url)  # warm the session and calendar caches
        with CaptureQueriesContext(connection) as queries:
            html = pm.get(url).content.decode()
        return html, sum(1 for q in queries if "SAVEPOINT" not in q["sql"])

    html, few = statements()
    assert 'name="service_owner"' in html and ">Payroll</option>" in html
    for n in range(5):
        ServiceFactory(name=f"Zeta service {n}", status="live")
        UserFactory(role="service_owner", first_name="Owner", last_name=f"Number {n}")
    html, many = statements()
    assert few == many <= 6  # a detail page's budget
    assert html.index(">Payroll</option>") < html.index(">Zeta service 4</option>")
    assert ">Owner Number 4</option>" in html


def test_the_editor_offers_the_built_in_24x7_calendar_once(people, project):
    """Service hours: blank keeps a changed service's hours (a new service runs 24x7), so the
    built-in 24x7 calendar is listed once, to make a service round the clock; the
    organisation's own calendars are listed too."""
    from servicedesk.models import BusinessCalendar
    from servicedesk.sla import builtin_24x7

    builtin_24x7()
    BusinessCalendar.objects.create(name="Office hours", time_zone="Europe/Berlin")
    pm = browser_for(people["project_manager"])
    pm.post(f"/projects/{project.pk}/handoff/start/")
    html = pm.get(f"/projects/{project.pk}/handoff/").content.decode()
    hours = html[html.index('name="service_hours"') :]
    hours = hours[: hours.index("</select>")]
    assert ">Unchanged / 24x7</option>" in hours
    assert hours.count(">24x7</option>") == 1
    assert ">Office hours</option>" in hours
