"""The workspace's buttons (phase moves, handoff moves, milestone and risk status, baseline)
when the project refuses them: the tab again with the reason and the moves allowed now, the
refusal's own status (409, 400, 403), and nothing written. Accepted, they still redirect."""

import pytest

from core.models import AuditEvent
from projects.choices import Phase
from projects.models import Handoff, HandoffChecklistItem, Milestone, Project, Risk, Task
from tests.conftest import browser_for
from tests.projects.factories import MilestoneFactory, ProjectFactory, RiskFactory, TaskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(people):
    return ProjectFactory(code="PAY", manager=people["project_manager"], sponsor=people["manager"])


def _state(project):
    fresh = Project.objects.get(pk=project.pk)
    return fresh.phase, fresh.version, AuditEvent.objects.count()


def test_a_phase_move_the_phase_does_not_allow_is_409_on_the_overview(people, project):
    before = _state(project)
    response = browser_for(people["project_manager"]).post(
        f"/projects/{project.pk}/transition/", {"action": "close"}
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "Allowed now:" in html and "PAY" in html  # the overview tab, with what may be done
    assert _state(project) == before


def test_a_gate_not_met_answers_with_each_unmet_criterion_and_no_move(people, project):
    Project.objects.filter(pk=project.pk).update(scope="")
    before = _state(project)
    response = browser_for(people["manager"]).post(
        f"/projects/{project.pk}/transition/", {"action": "plan"}
    )
    assert 400 <= response.status_code < 500
    assert "Unmet: The charter states the scope" in response.content.decode()
    assert _state(project) == before


def test_a_move_posted_without_its_action_is_400(people, project):
    before = _state(project)
    response = browser_for(people["project_manager"]).post(f"/projects/{project.pk}/transition/")
    assert response.status_code == 400
    assert _state(project) == before


def test_someone_outside_the_project_may_not_move_it(people, project):
    before = _state(project)
    response = browser_for(people["agent"]).post(
        f"/projects/{project.pk}/transition/", {"action": "plan"}
    )
    assert response.status_code in (403, 404)
    assert _state(project) == before


def test_an_allowed_move_still_redirects(people, project):
    response = browser_for(people["manager"]).post(
        f"/projects/{project.pk}/transition/", {"action": "plan"}
    )
    assert response.status_code == 302
    assert Project.objects.get(pk=project.pk).phase == Phase.PLANNING


def test_a_risk_status_the_risk_refuses_is_shown_on_the_risks_tab(people, project):
    risk = RiskFactory(project=project)
    audits = AuditEvent.objects.count()
    response = browser_for(people["project_manager"]).post(
        f"/projects/{project.pk}/risks/{risk.pk}/", {"status": "exploded"}
    )
    assert response.status_code == 400
    assert risk.description in response.content.decode()
    assert Risk.objects.get(pk=risk.pk).status == risk.status
    assert AuditEvent.objects.count() == audits


def test_a_milestone_move_without_a_date_is_400_on_the_milestones_tab(people, project):
    milestone = MilestoneFactory(project=project, name="Go live")
    audits = AuditEvent.objects.count()
    response = browser_for(people["project_manager"]).post(
        f"/projects/{project.pk}/milestones/{milestone.pk}/", {"action": "reschedule"}
    )
    assert response.status_code == 400
    assert "Go live" in response.content.decode()
    assert Milestone.objects.get(pk=milestone.pk).due_date == milestone.due_date
    assert AuditEvent.objects.count() == audits


def test_a_handoff_submitted_with_its_checklist_open_is_refused_on_the_handoff_tab(people, project):
    pm = browser_for(people["project_manager"])
    assert pm.post(f"/projects/{project.pk}/handoff/start/").status_code == 302
    audits = AuditEvent.objects.count()
    response = pm.post(f"/projects/{project.pk}/handoff/move/", {"action": "accept"})
    assert 400 <= response.status_code < 500 and response.status_code != 404
    assert Handoff.objects.get(project=project).status == "draft"
    assert AuditEvent.objects.count() == audits


def test_a_second_handoff_is_refused_with_409(people, project):
    pm = browser_for(people["project_manager"])
    pm.post(f"/projects/{project.pk}/handoff/start/")
    audits = AuditEvent.objects.count()
    response = pm.post(f"/projects/{project.pk}/handoff/start/")
    assert response.status_code == 409
    assert AuditEvent.objects.count() == audits


def test_edit_posted_without_its_version_is_400_and_changes_nothing(people, project):
    before = _state(project)
    response = browser_for(people["project_manager"]).post(
        f"/projects/{project.pk}/edit/",
        {"code": "PAY", "name": "Overwritten", "budget": "100", "currency": "EUR"},
    )
    assert response.status_code == 400
    assert "lost the version" in response.content.decode()
    assert Project.objects.get(pk=project.pk).name == project.name
    assert _state(project) == before


def test_a_refused_progress_posted_without_htmx_shows_the_plan_with_400(people, project):
    task = TaskFactory(project=project, name="Cut over")
    response = browser_for(people["project_manager"]).post(
        f"/projects/{project.pk}/plan/tasks/{task.pk}/progress/",
        {"percent_complete": 150, "version": task.version},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Cut over" in html and "whole number from 0 to 100" in html
    assert Task.objects.get(pk=task.pk).percent_complete == task.percent_complete


def test_a_refused_checklist_tick_posted_without_htmx_shows_the_handoff_with_its_status(
    people, project
):
    browser_for(people["project_manager"]).post(f"/projects/{project.pk}/handoff/start/")
    item = HandoffChecklistItem.objects.filter(handoff__project=project).first()
    audits = AuditEvent.objects.count()
    response = browser_for(people["agent"]).post(
        f"/projects/{project.pk}/handoff/checklist/{item.pk}/", {"done": "1"}
    )
    assert response.status_code == 403
    assert HandoffChecklistItem.objects.get(pk=item.pk).done is False
    assert AuditEvent.objects.count() == audits
