"""The projects API as each role sees it: reads, writes, gates, versions, EVM and calendars."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects import actions
from projects.choices import Phase
from projects.models import Project, ProjectMember
from tests.conftest import assert_status, client_for
from tests.projects.factories import (
    CostEntryFactory,
    MilestoneFactory,
    ProjectFactory,
    TaskFactory,
)

pytestmark = pytest.mark.django_db

LIST = "/api/v1/projects/"


@pytest.fixture
def project(people):
    return ProjectFactory(code="MAIL", manager=people["project_manager"], sponsor=people["manager"])


def url(project, suffix=""):
    return f"/api/v1/projects/{project.pk}/{suffix}"


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", 401),
        ("requester", 404),
        ("agent", 200),
        ("service_owner", 200),
        ("project_manager", 200),
        ("manager", 200),
        ("admin", 200),
    ],
)
def test_who_reads_a_project(people, project, role, expected):
    assert_status(people[role], "GET", url(project), expected)


def test_requesters_see_no_projects_in_the_list(people, project):
    response = assert_status(people["requester"], "GET", LIST, 200)
    assert response.data["results"] == []


@pytest.mark.parametrize(
    ("role", "expected"),
    [("requester", 403), ("agent", 403), ("manager", 403), ("project_manager", 201)],
)
def test_who_opens_a_project(people, role, expected):
    body = {"code": "NEW", "name": "New intranet", "budget": "5000.00"}
    response = assert_status(people[role], "POST", LIST, expected, body)
    if expected == 201:
        assert response.data["phase"] == "initiation"
        assert response.data["manager"] == people[role].pk
        assert response.data["version"] == 1


def test_a_project_manager_edits_only_the_projects_they_manage(people, project):
    other_pm = ProjectFactory().manager
    body = {"name": "Renamed", "version": project.version}
    assert_status(other_pm, "PATCH", url(project), 403, body)
    assert_status(people["agent"], "PATCH", url(project), 403, body)
    response = assert_status(people["project_manager"], "PATCH", url(project), 200, body)
    assert response.data["name"] == "Renamed"
    assert response.data["version"] == 2
    assert response["ETag"] == f'"{project.pk}-2"'
    assert_status(people["admin"], "PATCH", url(project), 200, {"name": "Again", "version": 2})


def test_an_update_without_a_version_or_with_a_stale_one_changes_nothing(people, project):
    pm = people["project_manager"]
    assert_status(pm, "PATCH", url(project), 428, {"name": "X"})
    stale = assert_status(pm, "PATCH", url(project), 412, {"name": "X", "version": 7})
    assert stale.data["code"] == "stale_version"
    response = client_for(pm).patch(
        url(project), {"name": "By etag"}, format="json", HTTP_IF_MATCH=f'"{project.pk}-1"'
    )
    assert response.status_code == 200
    project.refresh_from_db()
    assert (project.name, project.version) == ("By etag", 2)


def test_phase_cannot_be_written_directly(people, project):
    body = {"phase": "closed", "version": 1}
    response = assert_status(people["admin"], "PATCH", url(project), 200, body)
    assert response.data["phase"] == "initiation"


def test_bad_input_answers_400_with_fields(people, project):
    response = assert_status(
        people["project_manager"], "PATCH", url(project), 400, {"budget": "-5", "version": 1}
    )
    assert response.data["code"] == "invalid"
    assert "budget" in response.data["fields"]


def test_refused_gate_answers_409_with_each_unmet_criterion(people, project):
    Project.objects.filter(pk=project.pk).update(scope="", sponsor=None)
    response = assert_status(
        people["admin"], "POST", url(project, "transitions/"), 409, {"action": "plan"}
    )
    assert response.data["code"] == "gate_not_met"
    assert response.data["unmet"] == ["The charter states the scope", "A sponsor is named"]
    assert response.data["allowed"] == ["plan", "cancel"]


def test_the_sponsor_signs_the_gate_and_the_pm_may_not(people, project):
    assert_status(
        people["project_manager"], "POST", url(project, "transitions/"), 403, {"action": "plan"}
    )
    response = assert_status(
        people["manager"], "POST", url(project, "transitions/"), 200, {"action": "plan"}
    )
    assert response.data["phase"] == "planning"
    assert {"label": "A baseline is captured", "met": False} in response.data["gate"]
    bad = assert_status(
        people["manager"], "POST", url(project, "transitions/"), 409, {"action": "close"}
    )
    assert bad.data["code"] == "invalid_transition"


def test_pm_plans_tasks_dependencies_and_a_baseline_through_the_api(people, project):
    pm = people["project_manager"]
    design = assert_status(
        pm,
        "POST",
        url(project, "tasks/"),
        201,
        {
            "name": "Design",
            "planned_start": "2024-06-01",
            "planned_finish": "2024-06-10",
            "planned_cost": "1000.00",
        },
    ).data
    build = assert_status(
        pm,
        "POST",
        url(project, "tasks/"),
        201,
        {
            "name": "Build",
            "planned_start": "2024-06-11",
            "planned_finish": "2024-06-20",
            "planned_cost": "2000.00",
        },
    ).data
    assert_status(
        pm,
        "POST",
        url(project, "dependencies/"),
        201,
        {"predecessor": design["id"], "successor": build["id"]},
    )
    cycle = assert_status(
        pm,
        "POST",
        url(project, "dependencies/"),
        400,
        {"predecessor": build["id"], "successor": design["id"]},
    )
    assert "cycle" in str(cycle.data["fields"]["successor"])
    tasks = assert_status(pm, "GET", url(project, "tasks/"), 200).data["results"]
    assert [t["predecessors"] for t in tasks] == [[], [design["id"]]]
    updated = assert_status(
        pm,
        "PATCH",
        url(project, f"tasks/{design['id']}/"),
        200,
        {"percent_complete": 50, "version": 1},
    ).data
    assert updated["version"] == 2
    assert_status(
        pm, "PATCH", url(project, f"tasks/{design['id']}/"), 412, {"name": "x", "version": 1}
    )
    assert_status(
        pm, "POST", url(project, "milestones/"), 201, {"name": "Go", "due_date": "2024-06-20"}
    )
    baseline = assert_status(pm, "POST", url(project, "baseline/"), 201, {"note": "Approved"}).data
    assert (baseline["number"], baseline["task_count"], baseline["bac"]) == (1, 2, "3000.00")
    listed = assert_status(people["agent"], "GET", url(project, "baseline/"), 200).data
    assert [b["number"] for b in listed] == [1]


def test_other_staff_cannot_change_the_plan(people, project):
    body = {"name": "Sneaky"}
    assert_status(people["agent"], "POST", url(project, "tasks/"), 403, body)
    assert_status(ProjectFactory().manager, "POST", url(project, "tasks/"), 403, body)
    assert_status(people["requester"], "POST", url(project, "tasks/"), 404, body)
    assert_status(people["requester"], "GET", url(project, "tasks/"), 404)
    assert_status(people["agent"], "POST", url(project, "baseline/"), 403, {})


def test_waiving_a_milestone_needs_a_reason(people, project):
    pm = people["project_manager"]
    milestone = MilestoneFactory(project=project)
    response = assert_status(
        pm, "PATCH", url(project, f"milestones/{milestone.pk}/"), 400, {"waived": True}
    )
    assert "waived_reason" in response.data["fields"]
    ok = assert_status(
        pm,
        "PATCH",
        url(project, f"milestones/{milestone.pk}/"),
        200,
        {"waived": True, "waived_reason": "Merged into go-live"},
    )
    assert ok.data["waived"] is True


def test_costs_must_be_in_the_project_currency(people, project):
    pm = people["project_manager"]
    body = {"amount": "120.00", "incurred_on": "2024-06-03", "cost_category": "material"}
    assert_status(pm, "POST", url(project, "costs/"), 201, body)
    wrong = assert_status(pm, "POST", url(project, "costs/"), 400, {**body, "currency": "USD"})
    assert "currency" in wrong.data["fields"]
    assert_status(pm, "POST", url(project, "costs/"), 400, {**body, "amount": "-1"})


def test_team_members_log_their_own_time_only(people, project):
    task = TaskFactory(project=project)
    agent = people["agent"]
    body = {"task": task.pk, "date": "2024-06-03", "hours": "7.5", "hourly_rate": "60.00"}
    assert_status(agent, "POST", url(project, "time-entries/"), 403, body)
    ProjectMember.objects.create(project=project, user=agent, role="member")
    created = assert_status(agent, "POST", url(project, "time-entries/"), 201, body)
    assert (created.data["person"], created.data["labour_cost"]) == (agent.pk, "450.00")
    someone_else = {**body, "person": people["agent2"].pk}
    assert_status(agent, "POST", url(project, "time-entries/"), 403, someone_else)
    assert_status(
        people["project_manager"], "POST", url(project, "time-entries/"), 201, someone_else
    )


def test_risks_score_probability_times_impact_and_stay_in_range(people, project):
    pm = people["project_manager"]
    body = {"description": "Key engineer leaves", "probability": 2, "impact": 5}
    assert assert_status(pm, "POST", url(project, "risks/"), 201, body).data["score"] == 10
    assert_status(pm, "POST", url(project, "risks/"), 400, {**body, "impact": 6})


def test_members_get_a_project_role(people, project):
    pm = people["project_manager"]
    body = {"user": people["agent"].pk, "project_role": "lead"}
    assert_status(pm, "POST", url(project, "members/"), 201, body)
    listed = assert_status(people["manager"], "GET", url(project, "members/"), 200).data
    assert [(m["user"], m["project_role"]) for m in listed["results"]] == [
        (people["agent"].pk, "lead")
    ]


def test_evm_endpoint_returns_strings_with_fixed_decimals(people, project):
    """One task 1–10 June costing 1000, 40 % done; 500 spent on 2 June. As of 5 June:
    PV = 500, EV = 400, AC = 500, SPI = 0.8, CPI = 0.8, EAC = 1250, budget 10,000; budget
    deviation at completion (1250 − 1000) / 1000 = +25 %, spent 500 / 10,000 = 5 %."""
    TaskFactory(project=project, percent_complete=40)
    CostEntryFactory(project=project, amount=Decimal("500"), incurred_on=datetime.date(2024, 6, 2))
    data = assert_status(people["agent"], "GET", url(project, "evm/?as_of=2024-06-05"), 200).data
    assert data["as_of"] == "2024-06-05"
    assert (data["pv"], data["ev"], data["ac"], data["eac"]) == (
        "500.00",
        "400.00",
        "500.00",
        "1250.00",
    )
    assert (data["spi"], data["cpi"], data["budget_deviation_pct"]) == ("0.800", "0.800", "25.000")
    assert data["budget_spent_pct"] == "5.000"
    bad = assert_status(people["agent"], "GET", url(project, "evm/?as_of=June"), 400)
    assert "as_of" in bad.data["fields"]


def test_portfolio_list_shows_health_next_milestone_and_budget_used(people, project):
    TaskFactory(project=project, percent_complete=100)
    CostEntryFactory(project=project, amount=Decimal("2500"), incurred_on=datetime.date(2024, 6, 2))
    MilestoneFactory(project=project, name="Go live", due_date=datetime.date(2099, 1, 1))
    row = assert_status(people["manager"], "GET", LIST, 200).data["results"][0]
    assert row["next_milestone"] == {"name": "Go live", "due_date": "2099-01-01"}
    assert row["spent"] == "2500.00"
    assert row["budget_used_pct"] == "25.000"
    # EV 1000 / AC 2500 → CPI 0.4: off track.
    assert (row["cpi"], row["health"]) == ("0.400", "bad")


def _statements(client, path: str) -> tuple[object, int]:
    """A GET and its SQL statements, not counting the test transaction's savepoints."""
    client.get(path)  # warm the calendar caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return response, sum(1 for q in queries if "SAVEPOINT" not in q["sql"])


def _portfolio_projects(people, count: int, baselined: bool) -> list:
    made = []
    for _ in range(count):
        p = ProjectFactory(manager=people["project_manager"])
        TaskFactory(project=p)
        MilestoneFactory(project=p)
        CostEntryFactory(project=p)
        if baselined:
            actions.baseline_capture(project=p, actor=people["project_manager"])
        made.append(p)
    return made


def test_portfolio_list_query_count_does_not_grow_with_projects(people):
    """A list's budget (eight statements), with and without baselines: the EVM inputs of a
    page of projects are read in four statements whatever their number."""
    client = client_for(people["manager"])
    _portfolio_projects(people, 3, baselined=True)
    _portfolio_projects(people, 2, baselined=False)
    response, few = _statements(client, LIST)
    assert len(response.data["results"]) == 5
    _portfolio_projects(people, 12, baselined=True)
    _portfolio_projects(people, 8, baselined=False)
    response, many = _statements(client, LIST)
    assert len(response.data["results"]) == 25
    assert few == many <= 8


@pytest.mark.parametrize("baselined", [False, True])
def test_project_detail_query_budget(people, baselined):
    """A detail's budget (six statements): the project once, its EVM inputs in four."""
    (project,) = _portfolio_projects(people, 1, baselined=baselined)
    response, statements = _statements(client_for(people["manager"]), url(project))
    assert response.data["code"] == project.code
    assert response.data["spent"] is not None and statements <= 6


def test_milestone_calendar_feeds(people, project):
    MilestoneFactory(project=project, name="Go live, finally", due_date=datetime.date(2024, 7, 1))
    response = client_for(people["agent"]).get(f"/api/v1/projects/{project.pk}/milestones.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    assert "BEGIN:VEVENT" in body and "DTSTART;VALUE=DATE:20240701" in body
    assert "SUMMARY:MAIL: Go live\\, finally" in body
    feed = client_for(people["project_manager"]).get("/api/v1/projects/milestones.ics")
    assert "Go live" in feed.content.decode()
    # The sponsor follows it too; someone unrelated gets an empty calendar.
    assert (
        "Go live"
        not in client_for(people["agent2"]).get("/api/v1/projects/milestones.ics").content.decode()
    )
    assert (
        client_for(people["requester"])
        .get(f"/api/v1/projects/{project.pk}/milestones.ics")
        .status_code
        == 404
    )


def test_closed_projects_are_read_only(people, project):
    Project.objects.filter(pk=project.pk).update(phase=Phase.CLOSED)
    response = assert_status(
        people["project_manager"], "POST", url(project, "tasks/"), 409, {"name": "Late"}
    )
    assert response.data["code"] == "project_closed"


def test_schema_has_no_warnings_for_project_endpoints():
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator

    GENERATOR_STATS.reset()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert "/api/v1/projects/{id}/transitions/" in schema["paths"]
    assert "/api/v1/projects/{project_pk}/tasks/" in schema["paths"]
    ours = [w for w in GENERATOR_STATS._warn_cache if "project" in w.lower()]
    assert ours == []
