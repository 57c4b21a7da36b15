"""Every phase's gate: what it refuses (each unmet criterion in words) and who may sign it."""

import datetime
from decimal import Decimal

import pytest

from core.audit import history_for
from core.exceptions import GateNotMet, GuardFailed, InvalidTransition, NotAllowed
from projects import lifecycle
from projects.actions import baseline_capture, project_transition
from projects.choices import Phase
from projects.milestone_actions import milestone_update
from projects.models import Project
from projects.task_actions import dependency_add, task_create, task_update
from tests.projects.factories import MilestoneFactory, ProjectFactory, TaskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(people):
    return ProjectFactory(
        manager=people["project_manager"],
        sponsor=people["manager"],
        objectives="",
        scope="",
        success_criteria="",
    )


def _at(project, phase):
    Project.objects.filter(pk=project.pk).update(phase=phase)
    project.refresh_from_db()
    return project


def _move(project, action, actor, **data):
    return project_transition(project=project, action=action, actor=actor, data=data)


def test_initiation_gate_lists_the_missing_charter_and_sponsor(people, project):
    Project.objects.filter(pk=project.pk).update(sponsor=None)
    project.refresh_from_db()
    with pytest.raises(GateNotMet) as info:
        _move(project, "plan", people["admin"])
    assert info.value.unmet == [
        "The charter states the objectives",
        "The charter states the scope",
        "The charter states the success criteria",
        "A sponsor is named",
    ]
    assert info.value.status_code == 409
    project.refresh_from_db()
    assert project.phase == Phase.INITIATION


def test_sponsor_approves_the_charter_and_the_approval_is_audited(people, project):
    Project.objects.filter(pk=project.pk).update(objectives="o", scope="s", success_criteria="c")
    moved = _move(project, "plan", people["manager"])
    assert moved.phase == Phase.PLANNING
    event = list(history_for(moved))[-1]
    assert event.action == "project.plan"
    assert event.actor == people["manager"]
    assert event.changes["phase"] == ["initiation", "planning"]
    assert event.changes["approved_by"] == [None, "manager"]


def test_project_manager_cannot_sign_a_forward_gate(people, project):
    Project.objects.filter(pk=project.pk).update(objectives="o", scope="s", success_criteria="c")
    with pytest.raises(NotAllowed):
        _move(project, "plan", people["project_manager"])


def test_planning_gate_needs_tasks_milestone_dates_costs_and_a_baseline(people, project):
    project = _at(project, Phase.PLANNING)
    Project.objects.filter(pk=project.pk).update(budget=0)
    project.refresh_from_db()
    with pytest.raises(GateNotMet) as info:
        _move(project, "execute", people["admin"])
    assert info.value.unmet == [
        "An approved budget is set",
        "The plan has at least one task",
        "The plan has at least one milestone",
        "A baseline is captured",
    ]
    Project.objects.filter(pk=project.pk).update(budget=Decimal("5000"))
    project.refresh_from_db()
    TaskFactory(project=project, planned_cost=None)
    MilestoneFactory(project=project)
    with pytest.raises(GateNotMet) as info:
        _move(project, "execute", people["admin"])
    assert info.value.unmet == [
        "Every leaf task has planned dates and a planned cost",
        "A baseline is captured",
    ]


def test_planning_gate_passes_with_a_baselined_plan(people, project):
    project = _at(project, Phase.PLANNING)
    pm = people["project_manager"]
    summary = task_create(project=project, actor=pm, name="Build")
    task_create(
        project=project,
        actor=pm,
        parent=summary,
        name="Configure",
        planned_start=datetime.date(2024, 6, 1),
        planned_finish=datetime.date(2024, 6, 5),
        planned_cost=Decimal("800"),
    )
    MilestoneFactory(project=project)
    baseline_capture(project=project, actor=pm)
    # The summary task has no dates or cost of its own: only leaves must.
    assert _move(project, "execute", people["manager"]).phase == Phase.EXECUTION


def test_execution_gate_needs_reported_progress(people, project):
    project = _at(project, Phase.EXECUTION)
    task = TaskFactory(project=project)
    with pytest.raises(GateNotMet) as info:
        _move(project, "monitor", people["admin"])
    assert info.value.unmet == ["Progress is reported on at least one task"]
    task_update(task=task, actor=people["project_manager"], expected_version=1, percent_complete=10)
    assert _move(project, "monitor", people["admin"]).phase == Phase.MONITORING_CONTROL


def test_monitoring_gate_needs_all_work_complete_and_pm_may_step_back(people, project):
    project = _at(project, Phase.MONITORING_CONTROL)
    TaskFactory(project=project, percent_complete=90)
    with pytest.raises(GateNotMet) as info:
        _move(project, "start_closing", people["admin"])
    assert info.value.unmet == ["Every leaf task is 100% complete"]
    back = _move(project, "back", people["project_manager"])
    assert back.phase == Phase.EXECUTION


def test_closing_gate_needs_milestones_done_or_waived_and_lessons_learned(people, project):
    project = _at(project, Phase.CLOSING)
    done = MilestoneFactory(project=project, completed_on=datetime.date(2024, 6, 9))
    open_one = MilestoneFactory(project=project)
    with pytest.raises(GateNotMet) as info:
        _move(project, "close", people["admin"])
    assert info.value.unmet == [
        "Every milestone is completed or waived with a reason",
        "Lessons learned are written",
    ]
    assert done.done
    milestone_update(
        milestone=open_one, actor=people["project_manager"], waived=True, waived_reason="Descoped"
    )
    Project.objects.filter(pk=project.pk).update(lessons_learned="Start data migration earlier.")
    assert _move(project, "close", people["manager"]).phase == Phase.CLOSED


def test_a_criterion_appended_by_another_app_joins_the_closing_gate(people, project, monkeypatch):
    project = _at(project, Phase.CLOSING)
    Project.objects.filter(pk=project.pk).update(lessons_learned="x")
    criteria = {**lifecycle.GATE_CRITERIA}
    criteria[Phase.CLOSING] = [
        *lifecycle.GATE_CRITERIA[Phase.CLOSING],
        ("The service owner accepted the handoff", lambda p: False),
    ]
    monkeypatch.setattr(lifecycle, "GATE_CRITERIA", criteria)
    with pytest.raises(GateNotMet) as info:
        _move(project, "close", people["admin"])
    assert info.value.unmet == ["The service owner accepted the handoff"]


def test_cancel_needs_a_reason_and_the_sponsor(people, project):
    with pytest.raises(NotAllowed):
        _move(project, "cancel", people["project_manager"], reason="No funding")
    with pytest.raises(GuardFailed):
        _move(project, "cancel", people["manager"])
    assert _move(project, "cancel", people["manager"], reason="No funding").phase == "cancelled"
    with pytest.raises(InvalidTransition) as info:
        _move(project, "plan", people["admin"])
    assert info.value.allowed == []


def test_back_is_only_allowed_from_monitoring(people, project):
    with pytest.raises(InvalidTransition) as info:
        _move(project, "back", people["project_manager"])
    assert info.value.allowed == ["plan", "cancel"]


def test_dependency_cycle_is_refused(people, project):
    from django.core.exceptions import ValidationError

    pm = people["project_manager"]
    a, b, c = (TaskFactory(project=project, name=n) for n in "abc")
    dependency_add(predecessor=a, successor=b, actor=pm)
    dependency_add(predecessor=b, successor=c, actor=pm)
    with pytest.raises(ValidationError) as info:
        dependency_add(predecessor=c, successor=a, actor=pm)
    assert "cycle" in str(info.value)
    with pytest.raises(ValidationError):
        dependency_add(predecessor=a, successor=a, actor=pm)


def test_a_task_cannot_be_moved_under_its_own_subtask(people, project):
    from django.core.exceptions import ValidationError

    pm = people["project_manager"]
    parent = TaskFactory(project=project)
    child = TaskFactory(project=project, parent=parent)
    with pytest.raises(ValidationError):
        task_update(task=parent, actor=pm, expected_version=1, parent=child)
