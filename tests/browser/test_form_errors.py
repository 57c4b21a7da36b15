"""Inline edits the server refuses: the answer is an honest 4xx (400 bad input, 409 a state
that does not allow it, 412 a stale version) and htmx still shows its reason in place."""

import datetime
from functools import partial

import pytest
from playwright.sync_api import expect

from core.roles import Role
from servicedesk.models import Incident
from tests.browser.conftest import login
from tests.core.factories import AgentFactory, TeamFactory, UserFactory
from tests.projects.factories import ProjectFactory, TaskFactory
from tests.servicedesk.factories import IncidentFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def desk():
    return TeamFactory(name="Service Desk")


@pytest.fixture
def agent(desk):
    return AgentFactory(username="agent", first_name="Alex", teams=[desk])


def _ticket(page, incident):
    login(page, "agent")
    page.goto(f"/desk/incidents/{incident.number}/")
    page.wait_for_load_state("networkidle")


def _fulfil(route, request, *, status: int, body: str):
    route.fulfill(status=status, body=body)


def _answer_to(page, path_part: str, act):
    with page.expect_response(lambda r: path_part in r.url and r.request.method == "POST") as a:
        act()
    page.wait_for_load_state("networkidle")
    return a.value


def test_agent_picks_a_team_deleted_meanwhile_and_sees_why_in_the_panel(page, desk, agent):
    gone = TeamFactory(name="Disbanded")
    incident = IncidentFactory(team=desk, assignee=agent, status="in_progress")
    _ticket(page, incident)
    gone.delete()  # an admin removes it while the ticket page is open

    answer = _answer_to(page, "/fields/", lambda: page.select_option("#id_team", label="Disbanded"))

    assert answer.status == 400
    panel = page.locator("#fields-panel")
    expect(panel.locator(".field-error")).to_contain_text("Select a valid choice")
    incident.refresh_from_db()
    assert (incident.team, incident.version) == (desk, 1)
    assert not page.js_errors


def test_agent_reroutes_a_resolved_incident_and_sees_it_refused_in_the_panel(page, desk, agent):
    TeamFactory(name="Network Ops")
    incident = IncidentFactory(team=desk, assignee=agent, status="resolved")
    _ticket(page, incident)

    answer = _answer_to(
        page, "/fields/", lambda: page.select_option("#id_team", label="Network Ops")
    )

    assert answer.status == 400
    expect(page.locator("#fields-panel")).to_contain_text(
        "A resolved or closed incident cannot be re-routed."
    )
    incident.refresh_from_db()
    assert incident.team == desk


def test_agent_editing_an_incident_changed_meanwhile_is_told_to_reload(page, desk, agent):
    incident = IncidentFactory(team=desk, assignee=agent, status="in_progress", urgency=3)
    _ticket(page, incident)
    Incident.objects.filter(pk=incident.pk).update(version=2)  # a colleague saved meanwhile

    answer = _answer_to(page, "/fields/", lambda: page.select_option("#id_urgency", "1"))

    assert answer.status == 412
    expect(page.locator("#fields-panel")).to_contain_text("changed by someone else")
    incident.refresh_from_db()
    assert (incident.urgency, incident.version) == (3, 2)


def test_pm_types_an_impossible_percentage_and_the_row_says_so(page):
    pm = UserFactory(username="pm", role=Role.PROJECT_MANAGER)
    project = ProjectFactory(code="WIFI", manager=pm)
    task = TaskFactory(
        project=project,
        name="Survey",
        planned_start=datetime.date(2024, 6, 1),
        planned_finish=datetime.date(2024, 6, 10),
        percent_complete=20,
    )
    login(page, "pm")
    page.goto(f"/projects/{project.pk}/plan/")
    box = page.get_by_label("Percent complete of Survey")

    answer = _answer_to(page, "/progress/", lambda: (box.fill("150"), box.dispatch_event("change")))

    assert answer.status == 400
    expect(page.locator(f"#task-{task.pk} .field-error")).to_have_text(
        "Enter a whole number from 0 to 100."
    )
    task.refresh_from_db()
    assert (task.percent_complete, task.version) == (20, 1)


def test_a_server_error_is_still_not_swapped_into_the_panel(page, desk, agent):
    """Only the answers that carry a form with its errors are swapped; a 403 or 500 page is
    not pasted into the side panel."""
    incident = IncidentFactory(team=desk, assignee=agent, status="in_progress", urgency=3)
    _ticket(page, incident)
    for status, urgency in ((403, "1"), (500, "2")):
        body = '<form id="fields-panel">ERROR PAGE</form>'
        page.route("**/fields/", partial(_fulfil, status=status, body=body))
        answer = _answer_to(
            page, "/fields/", lambda u=urgency: page.select_option("#id_urgency", u)
        )
        assert answer.status == status
        expect(page.locator("#fields-panel")).not_to_contain_text("ERROR PAGE")
        page.unroute("**/fields/")


def test_pm_ticks_the_checklist_of_a_handoff_submitted_meanwhile_and_is_told_why(page):
    from projects.handoff_actions import handoff_create
    from projects.models import Handoff

    pm = UserFactory(username="pm", role=Role.PROJECT_MANAGER)
    project = ProjectFactory(code="PAY", manager=pm)
    handoff = handoff_create(project=project, actor=pm)
    login(page, "pm")
    page.goto(f"/projects/{project.pk}/handoff/")
    Handoff.objects.filter(pk=handoff.pk).update(status="submitted")  # from another tab
    first = page.get_by_test_id("handoff-item").first.get_by_role("checkbox")

    answer = _answer_to(page, "/checklist/", first.check)

    assert answer.status == 409
    expect(page.get_by_test_id("handoff-checklist").locator(".field-error")).to_have_text(
        "The handoff is submitted; only a draft can change."
    )
    assert not handoff.checklist.filter(done_at__isnull=False).exists()
