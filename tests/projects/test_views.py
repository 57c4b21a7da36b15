"""The project pages as people use them: what they see and what their clicks change."""

import datetime
import json
from decimal import Decimal

import pytest

from projects.choices import Phase
from projects.models import Project
from tests.conftest import browser_for
from tests.projects.factories import (
    CostEntryFactory,
    MilestoneFactory,
    ProjectFactory,
    RiskFactory,
    TaskFactory,
    TimeEntryFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(people):
    return ProjectFactory(code="PAY", manager=people["project_manager"], sponsor=people["manager"])


def test_requesters_do_not_find_projects(people, project):
    client = browser_for(people["requester"])
    assert client.get("/projects/").status_code == 404
    assert client.get(f"/projects/{project.pk}/").status_code == 404


def test_portfolio_lists_projects_with_health_and_next_milestone(
    people, django_assert_max_num_queries
):
    for i in range(10):
        p = ProjectFactory(code=f"P{i:02d}", manager=people["project_manager"])
        TaskFactory(project=p, percent_complete=50)
        MilestoneFactory(project=p, name=f"Go live {i}", due_date=datetime.date(2099, 1, 1))
        CostEntryFactory(project=p, amount=Decimal("5000"))
    client = browser_for(people["manager"])
    client.get("/projects/")  # warm the session and calendar caches
    # A list's budget: eight statements, plus the test transaction's savepoint and release.
    with django_assert_max_num_queries(8 + 2):
        response = client.get("/projects/")
    html = response.content.decode()
    assert "P09" in html and "Go live 3" in html
    assert "50% of 10000" in html  # 5000 spent of a 10000 budget
    assert "Off track" in html  # EV 500 / AC 5000 → CPI 0.1


def test_portfolio_filters_by_phase(people, project):
    ProjectFactory(code="OTHER", manager=people["project_manager"])
    Project.objects.filter(code="OTHER").update(phase=Phase.PLANNING)
    html = browser_for(people["manager"]).get("/projects/?phase=planning").content.decode()
    assert "OTHER" in html and "PAY" not in html


def test_overview_shows_the_gate_checklist_and_who_signs_it(
    people, project, django_assert_max_num_queries
):
    Project.objects.filter(pk=project.pk).update(scope="")
    client = browser_for(people["project_manager"])
    with django_assert_max_num_queries(20):
        html = client.get(f"/projects/{project.pk}/").content.decode()
    assert "The charter states the scope" in html
    assert "is signed by the sponsor" in html
    sponsor_html = browser_for(people["manager"]).get(f"/projects/{project.pk}/").content.decode()
    assert 'data-testid="move-plan"' in sponsor_html


def test_sponsor_refused_at_the_gate_sees_each_unmet_criterion(people, project):
    Project.objects.filter(pk=project.pk).update(scope="")
    response = browser_for(people["manager"]).post(
        f"/projects/{project.pk}/transition/", {"action": "plan"}, follow=True
    )
    assert "Unmet: The charter states the scope" in response.content.decode()
    project.refresh_from_db()
    assert project.phase == Phase.INITIATION


def test_pm_adds_a_task_and_updates_progress_inline(people, project):
    client = browser_for(people["project_manager"])
    client.post(
        f"/projects/{project.pk}/plan/tasks/",
        {
            "name": "Design",
            "planned_start": "2024-06-01",
            "planned_finish": "2024-06-10",
            "planned_cost": "1000",
        },
    )
    task = project.tasks.get()
    row = client.post(
        f"/projects/{project.pk}/plan/tasks/{task.pk}/progress/",
        {"percent_complete": 40, "version": task.version},
        HTTP_HX_REQUEST="true",
    )
    assert row.status_code == 200
    assert "40%" in row.content.decode()
    stale = client.post(
        f"/projects/{project.pk}/plan/tasks/{task.pk}/progress/",
        {"percent_complete": 60, "version": task.version},
        HTTP_HX_REQUEST="true",
    )
    assert stale.status_code == 412 and "changed by someone else" in stale.content.decode()
    task.refresh_from_db()
    assert task.percent_complete == 40


def test_other_staff_cannot_change_the_plan_from_the_page(people, project):
    from core.models import AuditEvent

    audit = AuditEvent.objects.count()
    response = browser_for(people["agent"]).post(
        f"/projects/{project.pk}/plan/tasks/", {"name": "Sneaky"}
    )
    assert response.status_code == 403
    assert "Only the project&#x27;s manager or an admin" in response.content.decode()
    assert not project.tasks.exists() and AuditEvent.objects.count() == audit


def test_gantt_page_carries_tasks_dependencies_and_baseline(people, project):
    from projects.actions import baseline_capture
    from projects.task_actions import dependency_add

    pm = people["project_manager"]
    a = TaskFactory(project=project, name="Design")
    b = TaskFactory(
        project=project,
        name="Build",
        planned_start=datetime.date(2024, 6, 11),
        planned_finish=datetime.date(2024, 6, 20),
    )
    dependency_add(predecessor=a, successor=b, actor=pm)
    baseline_capture(project=project, actor=pm)
    html = browser_for(people["agent"]).get(f"/projects/{project.pk}/gantt/").content.decode()
    start = html.index('<script id="gantt-data" type="application/json">') + 48
    data = json.loads(html[start : html.index("</script>", start)])
    build = next(t for t in data["tasks"] if t["name"].endswith("Build"))
    assert build["dependencies"] == f"t{a.pk}"
    assert build["baseline_start"] == "2024-06-11"
    assert data["baseline"] == 1


def test_milestone_tracker_shows_slip_against_the_baseline(people, project):
    from projects.actions import baseline_capture

    milestone = MilestoneFactory(
        project=project, name="Go live", due_date=datetime.date(2024, 6, 10)
    )
    baseline_capture(project=project, actor=people["project_manager"])
    milestone.completed_on = datetime.date(2024, 6, 14)
    milestone.save()
    html = browser_for(people["agent"]).get(f"/projects/{project.pk}/milestones/").content.decode()
    assert "+4 d" in html


def test_pm_waives_a_milestone_only_with_a_reason(people, project):
    milestone = MilestoneFactory(project=project)
    client = browser_for(people["project_manager"])
    url = f"/projects/{project.pk}/milestones/{milestone.pk}/"
    client.post(url, {"action": "waive", "waived_reason": ""})
    milestone.refresh_from_db()
    assert not milestone.waived
    client.post(url, {"action": "waive", "waived_reason": "Merged into go-live"})
    milestone.refresh_from_db()
    assert milestone.waived


def test_pm_moves_a_milestone_with_the_rows_date_box(people, project):
    """The row's one date box is the new due date for "Move to" (it was ignored: the hidden
    due date was empty and the milestone stayed put under "Milestone updated.")."""
    from core.models import AuditEvent

    milestone = MilestoneFactory(project=project, due_date=datetime.date(2026, 6, 10))
    client = browser_for(people["project_manager"])
    url = f"/projects/{project.pk}/milestones/{milestone.pk}/"
    html = client.get(f"/projects/{project.pk}/milestones/").content.decode()
    assert 'name="completed_on"' in html and 'name="due_date" value=""' not in html
    response = client.post(url, {"action": "reschedule", "completed_on": "2026-07-01"}, follow=True)
    milestone.refresh_from_db()
    assert milestone.due_date == datetime.date(2026, 7, 1) and milestone.completed_on is None
    assert "Milestone updated." in response.content.decode()
    assert AuditEvent.objects.filter(action="milestone.updated").count() == 1
    response = client.post(url, {"action": "reschedule", "completed_on": ""}, follow=True)
    milestone.refresh_from_db()
    assert milestone.due_date == datetime.date(2026, 7, 1)
    assert "Give the new due date." in response.content.decode()


def test_costs_page_shows_spend_against_budget(people, project):
    client = browser_for(people["project_manager"])
    client.post(
        f"/projects/{project.pk}/costs/add/",
        {"amount": "2500.00", "incurred_on": "2024-06-03", "category": "material"},
    )
    html = client.get(f"/projects/{project.pk}/costs/").content.decode()
    assert "2500.00" in html and "spent 25.0 % of the budget" in html  # of 10,000


def test_risk_heat_map_counts_open_risks(people, project):
    RiskFactory(project=project, probability=4, impact=5)
    RiskFactory(project=project, probability=4, impact=5, description="Second")
    RiskFactory(project=project, probability=1, impact=1, status="closed")
    html = browser_for(people["agent"]).get(f"/projects/{project.pk}/risks/").content.decode()
    assert '<td class="heat bad filled">2</td>' in html
    assert html.count("filled") == 1


def test_team_member_logs_time(people, project):
    from projects.actions import member_add

    task = TaskFactory(project=project)
    member_add(
        project=project, actor=people["project_manager"], user=people["agent"], role="member"
    )
    client = browser_for(people["agent"])
    client.post(
        f"/projects/{project.pk}/time/add/",
        {"task": task.pk, "date": "2024-06-03", "hours": "6", "hourly_rate": "50"},
    )
    html = client.get(f"/projects/{project.pk}/time/").content.decode()
    assert "300.00" in html  # 6 h × 50


def test_pm_opens_and_edits_a_project_with_version_check(people):
    client = browser_for(people["project_manager"])
    response = client.post(
        "/projects/new/", {"code": "NEW", "name": "New thing", "budget": "100", "currency": "EUR"}
    )
    project = Project.objects.get(code="NEW")
    assert response.url == f"/projects/{project.pk}/"
    form = {"code": "NEW", "name": "Renamed", "budget": "100", "currency": "EUR", "version": 1}
    client.post(f"/projects/{project.pk}/edit/", form)
    stale = client.post(f"/projects/{project.pk}/edit/", {**form, "name": "Lost"})
    assert stale.status_code == 412
    html = stale.content.decode()
    assert "changed by someone else" in html and 'value="Lost"' in html  # the typing is kept
    project.refresh_from_db()
    assert (project.name, project.version) == ("Renamed", 2)


@pytest.mark.parametrize("phase", [Phase.INITIATION, Phase.PLANNING, Phase.EXECUTION])
def test_the_overview_costs_the_same_for_any_plan(people, project, phase):
    """A project's overview (gate, EVM tiles and S-curve, baseline, members, history) within
    a detail page's budget: six statements, the EVM inputs in one; seven when the people list
    cannot be kept (no shared cache). The gate's criteria are answered in one statement. The
    same for a larger plan, spend and team."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from core.kept import shared_cache
    from projects import actions
    from projects.models import ProjectMember
    from tests.core.factories import AgentFactory

    Project.objects.filter(pk=project.pk).update(phase=phase)
    client = browser_for(people["project_manager"])
    url = f"/projects/{project.pk}/"

    def grow(n: int) -> None:
        start = project.tasks.count()
        for i in range(start, start + n):
            TaskFactory(project=project, name=f"Task {i}", planned_cost=Decimal("100"))
            MilestoneFactory(project=project, due_date=datetime.date(2099, 1, 1))
            CostEntryFactory(project=project, amount=Decimal("10"))
            ProjectMember.objects.create(
                project=project, user=AgentFactory(first_name=f"Member{i}"), role="member"
            )

    def statements() -> tuple[str, int]:
        client.get(url)  # warm the session, calendar and kept lists
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        queries_seen.append(queries.captured_queries)
        assert response.status_code == 200
        return response.content.decode(), sum(1 for q in queries if "SAVEPOINT" not in q["sql"])

    queries_seen = []
    grow(2)
    actions.baseline_capture(project=project, actor=people["project_manager"])
    _html, few = statements()
    grow(6)
    html, many = statements()
    kept = shared_cache()
    assert few == many <= (6 if kept else 7), [q["sql"][:80] for q in queries_seen[-1]]
    assert "Member7" in html and "against baseline 1" in html


def test_a_cancelled_project_has_no_next_milestone(people, project):
    """CRM-08, cancelled with a milestone still open, showed it as its next one."""
    cancelled = ProjectFactory(code="CRM", manager=people["project_manager"])
    MilestoneFactory(project=cancelled, name="Cut-over", due_date=datetime.date(2099, 1, 1))
    MilestoneFactory(project=project, name="Go live", due_date=datetime.date(2099, 1, 1))
    Project.objects.filter(pk=cancelled.pk).update(phase=Phase.CANCELLED)
    html = browser_for(people["manager"]).get("/projects/").content.decode()
    assert "Go live" in html and "Cut-over" not in html
    rows = browser_for(people["manager"]).get("/api/v1/projects/").json()["results"]
    assert {r["code"]: r["next_milestone"] for r in rows} == {
        "CRM": None,
        "PAY": {"name": "Go live", "due_date": "2099-01-01"},
    }


def test_hours_per_person_read_to_the_hundredth(people, project):
    """SQLite adds decimals as floats: 0.10 + 0.20 h showed as "0.300000000000000 h"."""
    task = TaskFactory(project=project)
    for hours in ("0.10", "0.20"):
        TimeEntryFactory(task=task, person=people["agent"], hours=Decimal(hours))
    html = browser_for(people["manager"]).get(f"/projects/{project.pk}/time/").content.decode()
    assert "<dd>0.30 h</dd>" in html
