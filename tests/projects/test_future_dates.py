"""What has happened cannot be dated in the future: a milestone's completion, a task's actual
start and finish, hours worked and costs incurred (the ledger holds actual costs only). The
pages and the API refuse such a date alike: 400 naming the field, nothing written. Today is
accepted."""

import datetime

import pytest
from django.utils import timezone

from core.models import AuditEvent
from projects.models import CostEntry, Milestone, TimeEntry
from tests.conftest import assert_status, browser_for
from tests.projects.factories import MilestoneFactory, ProjectFactory, TaskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(people):
    return ProjectFactory(code="PAY", manager=people["project_manager"], sponsor=people["manager"])


def _today() -> datetime.date:
    return timezone.localdate()


def _tomorrow() -> str:
    return (_today() + datetime.timedelta(days=1)).isoformat()


def _api(project, suffix: str) -> str:
    return f"/api/v1/projects/{project.pk}/{suffix}"


def test_pm_cannot_complete_a_milestone_tomorrow_on_the_page(people, project):
    milestone = MilestoneFactory(project=project, name="Go live")
    audit = AuditEvent.objects.count()
    response = browser_for(people["project_manager"]).post(
        f"/projects/{project.pk}/milestones/{milestone.pk}/",
        {"action": "complete", "completed_on": _tomorrow()},
    )
    assert response.status_code == 400
    assert "The completion date cannot be in the future" in response.content.decode()
    milestone.refresh_from_db()
    assert milestone.completed_on is None and AuditEvent.objects.count() == audit


def test_pm_completes_a_milestone_today_on_the_page(people, project):
    milestone = MilestoneFactory(project=project)
    response = browser_for(people["project_manager"]).post(
        f"/projects/{project.pk}/milestones/{milestone.pk}/",
        {"action": "complete", "completed_on": _today().isoformat()},
    )
    assert response.status_code == 302
    assert Milestone.objects.get(pk=milestone.pk).completed_on == _today()


def test_a_milestone_rescheduled_into_the_future_is_still_fine(people, project):
    milestone = MilestoneFactory(project=project)
    response = browser_for(people["project_manager"]).post(
        f"/projects/{project.pk}/milestones/{milestone.pk}/",
        {"action": "reschedule", "completed_on": _tomorrow()},
    )
    assert response.status_code == 302
    milestone.refresh_from_db()
    assert milestone.due_date.isoformat() == _tomorrow() and milestone.completed_on is None


def test_the_api_refuses_a_completion_date_in_the_future(people, project):
    pm = people["project_manager"]
    milestone = MilestoneFactory(project=project)
    path = _api(project, f"milestones/{milestone.pk}/")
    refused = assert_status(pm, "PATCH", path, 400, {"completed_on": _tomorrow()})
    assert list(refused.data["fields"]) == ["completed_on"]
    assert Milestone.objects.get(pk=milestone.pk).completed_on is None
    assert_status(pm, "PATCH", path, 200, {"completed_on": _today().isoformat()})


def test_the_api_refuses_a_task_finished_or_started_in_the_future(people, project):
    pm = people["project_manager"]
    task = TaskFactory(project=project)
    path = _api(project, f"tasks/{task.pk}/")
    for name in ("actual_start", "actual_finish"):
        refused = assert_status(pm, "PATCH", path, 400, {name: _tomorrow(), "version": 1})
        assert list(refused.data["fields"]) == [name]
    task.refresh_from_db()
    assert (task.actual_start, task.actual_finish, task.version) == (None, None, 1)


def test_a_cost_dated_in_the_future_is_refused_on_the_page_and_by_the_api(people, project):
    pm = people["project_manager"]
    audit = AuditEvent.objects.count()
    response = browser_for(pm).post(
        f"/projects/{project.pk}/costs/add/",
        {"amount": "10", "incurred_on": _tomorrow(), "category": "labour"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "The date a cost was incurred cannot be in the future" in html
    assert 'value="10"' in html  # the form as typed
    body = {"amount": "10.00", "incurred_on": _tomorrow(), "cost_category": "labour"}
    refused = assert_status(pm, "POST", _api(project, "costs/"), 400, body)
    assert list(refused.data["fields"]) == ["incurred_on"]
    assert not CostEntry.objects.exists() and AuditEvent.objects.count() == audit
    today = {**body, "incurred_on": _today().isoformat()}
    assert_status(pm, "POST", _api(project, "costs/"), 201, today)


def test_time_logged_for_a_day_to_come_is_refused_on_the_page_and_by_the_api(people, project):
    pm = people["project_manager"]
    task = TaskFactory(project=project)
    response = browser_for(pm).post(
        f"/projects/{project.pk}/time/add/",
        {"task": task.pk, "date": _tomorrow(), "hours": "8", "hourly_rate": "60"},
    )
    assert response.status_code == 400
    assert "The day worked cannot be in the future" in response.content.decode()
    body = {"task": task.pk, "date": _tomorrow(), "hours": "8", "hourly_rate": "60.00"}
    refused = assert_status(pm, "POST", _api(project, "time-entries/"), 400, body)
    assert list(refused.data["fields"]) == ["date"]
    assert not TimeEntry.objects.exists()
    today = {**body, "date": _today().isoformat()}
    assert_status(pm, "POST", _api(project, "time-entries/"), 201, today)
