"""What the project workspace answers when it refuses a form: the tab again, with what was
typed and the reasons, as 400 (bad input), 409 (the project's state does not allow it), 412
(someone saved first) or 403 (not yours to change); and nothing written. Success still
redirects (post/redirect/get)."""

import pytest

from core.models import AuditEvent
from projects.choices import Phase
from projects.handoff_actions import handoff_create
from projects.models import (
    CostEntry,
    Dependency,
    Handoff,
    HandoffChecklistItem,
    Milestone,
    Project,
    ProjectMember,
    Risk,
    Task,
    TimeEntry,
)
from tests.conftest import browser_for
from tests.projects.factories import ProjectFactory, TaskFactory

pytestmark = pytest.mark.django_db


def _written() -> tuple[int, ...]:
    """Every row a workspace form could write, audit trail included."""
    models = (
        Project,
        Task,
        Dependency,
        Milestone,
        Risk,
        CostEntry,
        TimeEntry,
        ProjectMember,
        Handoff,
        HandoffChecklistItem,
        AuditEvent,
    )
    return tuple(model.objects.count() for model in models)


@pytest.fixture
def project(people):
    return ProjectFactory(code="PAY", manager=people["project_manager"], sponsor=people["manager"])


@pytest.fixture
def pm(people):
    return browser_for(people["project_manager"])


@pytest.mark.parametrize(
    ("path", "data", "reason", "typed"),
    [
        (
            "plan/tasks/",
            {"name": "", "planned_cost": "1234.50"},
            "Name: This field is required.",
            'value="1234.50"',
        ),
        (
            "plan/tasks/",
            {"name": "Design", "planned_start": "2024-06-10", "planned_finish": "2024-06-01"},
            "The planned finish is before the planned start.",
            'value="Design"',
        ),
        (
            "milestones/add/",
            {"name": "Go live", "due_date": "someday"},
            "Due date: Enter a valid date.",
            'value="Go live"',
        ),
        (
            "risks/add/",
            {"description": "", "probability": 9, "impact": 3, "response": "mitigate"},
            "Description: This field is required.",
            '<option value="3" selected>',
        ),
        (
            "costs/add/",
            {"amount": "-5", "incurred_on": "2024-06-03", "category": "material"},
            "Amount: Ensure this value is greater than or equal to 0.",
            'value="-5"',
        ),
        (
            "members/",
            {"user": 999_999, "role": "member"},
            "User: Select a valid choice.",
            '<option value="member" selected>',
        ),
    ],
)
def test_pm_sees_a_refused_form_again_as_typed_with_400_and_nothing_written(
    people, project, pm, path, data, reason, typed
):
    before = _written()
    response = pm.post(f"/projects/{project.pk}/{path}", data)
    html = response.content.decode()
    assert response.status_code == 400
    assert reason in html and typed in html
    assert _written() == before


def test_a_valid_form_still_redirects_to_its_tab(project, pm):
    response = pm.post(
        f"/projects/{project.pk}/milestones/add/", {"name": "Go live", "due_date": "2024-07-01"}
    )
    assert (
        response.status_code == 302
        and response["Location"] == f"/projects/{project.pk}/milestones/"
    )
    assert project.milestones.get().name == "Go live"


def test_a_team_member_logging_a_30_hour_day_gets_400(people, project):
    from projects.actions import member_add

    task = TaskFactory(project=project)
    member_add(
        project=project, actor=people["project_manager"], user=people["agent"], role="member"
    )
    before = _written()
    response = browser_for(people["agent"]).post(
        f"/projects/{project.pk}/time/add/", {"task": task.pk, "date": "2024-06-03", "hours": "30"}
    )
    assert response.status_code == 400
    assert "Hours: Ensure this value is less than or equal to 24." in response.content.decode()
    assert _written() == before


def test_a_dependency_that_would_close_a_loop_answers_400(people, project, pm):
    from projects.task_actions import dependency_add

    a, b = TaskFactory(project=project, name="Design"), TaskFactory(project=project, name="Build")
    dependency_add(predecessor=a, successor=b, actor=people["project_manager"])
    before = _written()
    response = pm.post(
        f"/projects/{project.pk}/plan/dependencies/", {"predecessor": b.pk, "successor": a.pk}
    )
    assert response.status_code == 400
    assert "that would be a cycle" in response.content.decode()
    assert _written() == before


def test_adding_a_task_to_a_closed_project_answers_409(project, pm):
    Project.objects.filter(pk=project.pk).update(phase=Phase.CLOSED)
    before = _written()
    response = pm.post(f"/projects/{project.pk}/plan/tasks/", {"name": "Late idea"})
    assert response.status_code == 409
    assert "The project is closed." in response.content.decode()
    assert _written() == before


def test_a_new_project_without_a_code_is_shown_again_with_400(pm):
    before = _written()
    response = pm.post(
        "/projects/new/", {"code": "", "name": "Payroll", "budget": "100", "currency": "EUR"}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "This field is required." in html and 'value="Payroll"' in html
    assert _written() == before


# ---------------------------------------------------------------- htmx: the progress cell


def _progress(client, project, task, **data):
    return client.post(
        f"/projects/{project.pk}/plan/tasks/{task.pk}/progress/", data, HTTP_HX_REQUEST="true"
    )


def test_a_percentage_over_100_answers_400_with_the_row_and_its_error(project, pm):
    task = TaskFactory(project=project, percent_complete=20)
    before = _written()
    row = _progress(pm, project, task, percent_complete=150, version=task.version)
    html = row.content.decode()
    assert row.status_code == 400
    assert html.startswith(f'<tr id="task-{task.pk}"')
    assert "Enter a whole number from 0 to 100." in html
    task.refresh_from_db()
    assert (task.percent_complete, task.version) == (20, 1)
    assert _written() == before


def test_progress_on_a_stale_row_answers_412_with_the_current_row(project, pm):
    task = TaskFactory(project=project, percent_complete=20)
    assert _progress(pm, project, task, percent_complete=40, version=1).status_code == 200
    before = _written()
    row = _progress(pm, project, task, percent_complete=60, version=1)
    html = row.content.decode()
    assert row.status_code == 412
    assert "changed by someone else" in html and 'name="version" value="2"' in html
    task.refresh_from_db()
    assert (task.percent_complete, task.version) == (40, 2)
    assert _written() == before


# ---------------------------------------------------------------- handoff


@pytest.fixture
def handoff(people, project):
    return handoff_create(project=project, actor=people["project_manager"])


def _handoff_form(handoff, **changes) -> dict:
    return {
        "target": "new",
        "service_name": "Payroll",
        "hypercare_days": "30",
        "documents": "",
        "version": handoff.version,
        **changes,
    }


def test_a_handoff_with_a_malformed_document_line_answers_400_as_typed(project, pm, handoff):
    before = _written()
    response = pm.post(
        f"/projects/{project.pk}/handoff/edit/",
        _handoff_form(handoff, service_name="Payroll cloud", documents="Runbook without a link"),
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Documents: Line 1: write it as “title | link”." in html
    assert 'value="Payroll cloud"' in html and "Runbook without a link" in html
    assert _written() == before


def test_a_handoff_saved_by_someone_else_meanwhile_answers_412_as_typed(project, pm, handoff):
    assert (
        pm.post(f"/projects/{project.pk}/handoff/edit/", _handoff_form(handoff)).status_code == 302
    )
    before = _written()
    response = pm.post(
        f"/projects/{project.pk}/handoff/edit/", _handoff_form(handoff, service_name="Mine")
    )
    html = response.content.decode()
    assert response.status_code == 412
    assert "changed by someone else" in html and 'value="Mine"' in html
    handoff.refresh_from_db()
    assert handoff.service_name == "Payroll"
    assert _written() == before


def test_an_empty_checklist_item_answers_400(project, pm, handoff):
    before = _written()
    response = pm.post(f"/projects/{project.pk}/handoff/checklist/", {"label": "  "})
    assert response.status_code == 400
    assert "Label: This field is required." in response.content.decode()
    assert _written() == before


def test_ticking_the_checklist_of_a_submitted_handoff_answers_409_in_place(project, pm, handoff):
    Handoff.objects.filter(pk=handoff.pk).update(status="submitted")
    item = handoff.checklist.first()
    before = _written()
    response = pm.post(
        f"/projects/{project.pk}/handoff/checklist/{item.pk}/",
        {"done": "1"},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 409
    assert html.startswith('<div id="handoff-checklist"')
    assert "The handoff is submitted; only a draft can change." in html
    item.refresh_from_db()
    assert item.done_at is None
    assert _written() == before
