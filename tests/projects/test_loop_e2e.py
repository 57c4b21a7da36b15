"""Issue 7, end to end through the REST API only: an improvement is approved, a project is
started from it and passes its gates, hands its service over, the service is measured in
hypercare, the project closes and the improvement is implemented.

Dates are relative to today: go-live 40 days ago with 14 days of hypercare, so hypercare
ran [−40, −26) days and the window "after" [−26, −12) is complete. The improvement's metric
is "Incidents per month": two incidents in hypercare, none after → measured 0 (target 4).
"""

import datetime

import pytest
from django.utils import timezone

from core.models import AuditEvent
from tests.conftest import assert_status
from tests.core.factories import TeamFactory
from tests.servicedesk.factories import ServiceFactory, office_calendar, sla_policy

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def days_ago(n: int, hour: int = 10) -> str:
    day = TODAY() - datetime.timedelta(days=n)
    return timezone.make_aware(
        datetime.datetime.combine(day, datetime.time(hour)), timezone.get_default_timezone()
    ).isoformat()


@pytest.fixture
def world(people):
    """What exists before the story: a live service without an SLA, its support team and
    an SLA policy the handoff will agree."""
    return {
        "service": ServiceFactory(name="Payroll", owner=people["service_owner"]),
        "support": TeamFactory(name="Payroll support"),
        "policy": sla_policy("Gold", office_calendar()),
    }


def propose_and_approve(people, service) -> dict:
    improvement = assert_status(
        people["agent"],
        "POST",
        "/api/v1/improvements/",
        201,
        {
            "title": "Halve payroll incidents",
            "service": service.pk,
            "problem_statement": "Twelve payroll incidents a month, most at month end.",
            "expected_benefit": "Payroll runs without calls to the desk.",
            "metric": "Incidents per month",
            "unit": "",
            "baseline_value": "12",
            "target_value": "4",
            "planned_quarter": "2026-Q4",
        },
    ).data
    url = f"/api/v1/improvements/{improvement['id']}/transitions/"
    assert_status(people["service_owner"], "POST", url, 200, {"action": "approve"})
    return improvement


def start_project(people, improvement, code="PAY-7") -> dict:
    return assert_status(
        people["service_owner"],
        "POST",
        "/api/v1/projects/from-improvement/",
        201,
        {
            "improvement": improvement["id"],
            "code": code,
            "manager": people["project_manager"].pk,
            "sponsor": people["manager"].pk,
            "budget": "20000.00",
        },
    ).data


def patch_project(people, project_id, **fields) -> dict:
    url = f"/api/v1/projects/{project_id}/"
    version = assert_status(people["project_manager"], "GET", url, 200).data["version"]
    return assert_status(
        people["project_manager"], "PATCH", url, 200, {"version": version, **fields}
    ).data


def move(user, project_id, action, expected=200, **data):
    return assert_status(
        user,
        "POST",
        f"/api/v1/projects/{project_id}/transitions/",
        expected,
        {"action": action, **data},
    )


def test_the_loop_from_improvement_to_implemented_through_the_api(people, world):
    pm, sponsor, owner = people["project_manager"], people["manager"], people["service_owner"]
    service = world["service"]

    # 1. An improvement is proposed by an agent and approved by the service owner.
    improvement = propose_and_approve(people, service)
    imp_url = f"/api/v1/improvements/{improvement['id']}/"

    # 2. The service owner starts a project from it: charter prefilled, linked both ways.
    project = start_project(people, improvement)
    pid = project["id"]
    assert project["phase"] == "initiation"
    assert project["improvement"] == improvement["id"]
    assert project["service"] == service.pk
    assert project["name"] == "Halve payroll incidents"
    assert "Twelve payroll incidents" in project["description"]
    assert project["objectives"] == "Payroll runs without calls to the desk."
    assert "Incidents per month: from 12 (baseline) to 4 (target)" in project["success_criteria"]
    assert assert_status(owner, "GET", imp_url, 200).data["status"] == "in_progress"

    # 3. Initiation → planning: the PM completes the charter, the sponsor signs.
    move(sponsor, pid, "plan", 409)  # no scope yet
    patch_project(people, pid, scope="Month-end batch, payslip service, monitoring.")
    move(pm, pid, "plan", 403)  # the PM asks; the sponsor signs
    move(sponsor, pid, "plan")

    # 4. Planning → execution: tasks, a milestone and a baseline.
    base = f"/api/v1/projects/{pid}"
    start = TODAY() - datetime.timedelta(days=90)
    task = assert_status(
        pm,
        "POST",
        f"{base}/tasks/",
        201,
        {
            "name": "Rework the month-end batch",
            "planned_start": start.isoformat(),
            "planned_finish": (start + datetime.timedelta(days=30)).isoformat(),
            "planned_cost": "15000.00",
        },
    ).data
    milestone = assert_status(
        pm,
        "POST",
        f"{base}/milestones/",
        201,
        {"name": "Batch live", "due_date": (start + datetime.timedelta(days=30)).isoformat()},
    ).data
    assert_status(pm, "POST", f"{base}/baseline/", 201, {"note": "Approved plan"})
    move(sponsor, pid, "execute")

    # 5. Execution → monitoring & control → closing: the work is done.
    assert_status(
        pm,
        "PATCH",
        f"{base}/tasks/{task['id']}/",
        200,
        {"version": task["version"], "percent_complete": 100},
    )
    move(sponsor, pid, "monitor")
    move(sponsor, pid, "start_closing")
    assert_status(
        pm,
        "PATCH",
        f"{base}/milestones/{milestone['id']}/",
        200,
        {"completed_on": (start + datetime.timedelta(days=31)).isoformat()},
    )
    patch_project(people, pid, lessons_learned="Test month-end with a real payroll run.")
    unmet = move(sponsor, pid, "close", 409).data["unmet"]
    assert unmet == ["The service owner accepted the handoff (if it delivers a service)"]

    # 6. The handoff: drafted, checklist completed, submitted, accepted by the service owner.
    handoff = assert_status(
        pm,
        "POST",
        f"{base}/handoff/",
        201,
        {
            "support_team": world["support"].pk,
            "sla_policy": world["policy"].pk,
            "go_live_on": (TODAY() - datetime.timedelta(days=40)).isoformat(),
            "hypercare_days": 14,
        },
    ).data
    assert handoff["service"] == service.pk
    h_url = f"/api/v1/handoffs/{handoff['id']}/"
    for item in handoff["checklist"]:
        assert_status(pm, "PATCH", f"{h_url}checklist/{item['id']}/", 200, {"done": True})
    assert_status(pm, "POST", f"{h_url}transitions/", 200, {"action": "submit"})
    assert_status(pm, "POST", f"{h_url}transitions/", 403, {"action": "accept"})
    accepted = assert_status(owner, "POST", f"{h_url}transitions/", 200, {"action": "accept"})
    assert accepted.data["status"] == "accepted"

    # 7. The service is live in the catalog with its SLA.
    live = assert_status(people["agent"], "GET", f"/api/v1/services/{service.pk}/", 200).data
    assert live["status"] == "live"
    assert live["sla_policy"] == world["policy"].pk

    # 8. Incidents and an outage during hypercare show on the project's outcome.
    for title, opened in (("Payslips blank", days_ago(35)), ("Batch stuck", days_ago(30))):
        assert_status(
            people["agent"],
            "POST",
            "/api/v1/incidents/",
            201,
            {
                "title": title,
                "description": "Reported by HR.",
                "service": service.pk,
                "impact": 2,
                "urgency": 2,
                "opened_at": opened,
                "requester": people["requester"].pk,
            },
        )
    assert_status(
        owner,
        "POST",
        f"/api/v1/services/{service.pk}/outages/",
        201,
        {
            "started_at": days_ago(34, 10),
            "ended_at": days_ago(34, 12),
            "kind": "unplanned",
            "description": "Batch server down",
        },
    )
    outcome = assert_status(pm, "GET", f"{base}/outcome/", 200).data
    assert outcome["handed_over"] is True
    hypercare, after = outcome["windows"]
    assert (hypercare["status"], after["status"]) == ("complete", "complete")
    assert hypercare["incidents"]["total"] == 2
    assert hypercare["availability"]["downtime_minutes"] == "120.000"
    assert after["incidents"]["total"] == 0
    assert outcome["improvement"] | {"measured_until": None} == {
        "id": improvement["id"],
        "title": "Halve payroll incidents",
        "status": "in_progress",
        "metric": "Incidents per month",
        "unit": "",
        "measured_kind": "incidents_per_month",
        "baseline": "12.000",
        "target": "4.000",
        "measured": "0.000",
        "recorded": None,
        "source": "computed",
        "window_status": "complete",
        "measured_until": None,
        "met": True,
    }

    # 9. The project closes; the improvement is implemented with the measured value.
    closed = move(sponsor, pid, "close").data
    assert closed["phase"] == "closed"
    done = assert_status(owner, "GET", imp_url, 200).data
    assert done["status"] == "implemented"
    assert done["measured_value"] == "0.000"
    assert done["implemented_at"] is not None


def test_closing_records_the_project_as_evidence_on_the_improvement(people, world):
    from projects.models import Project
    from servicedesk.models import Improvement

    improvement = propose_and_approve(people, world["service"])
    project = Project.objects.get(pk=start_project(people, improvement)["id"])
    _hand_over_and_reach_closing(people, world, project, go_live_days_ago=3)
    # The after-hypercare window has not started: the measured value must be given.
    refused = move(people["manager"], project.pk, "close", 400).data
    assert "measured_value" in refused["fields"]
    project.refresh_from_db()
    assert project.phase == "closing"
    move(people["manager"], project.pk, "close", measured_value="3.5")
    implemented = Improvement.objects.get(pk=improvement["id"])
    assert (implemented.status, implemented.measured_value) == ("implemented", 3.5)
    event = AuditEvent.objects.filter(action="improvement.implement").get()
    assert event.changes["project"] == [None, "PAY-7"]
    assert event.changes["measured_from"] == [None, "close request"]
    assert event.actor == people["manager"]


def _hand_over_and_reach_closing(people, world, project, *, go_live_days_ago: int):
    """Shortcut (ORM) to a project in closing with an accepted handoff."""
    from projects import handoff_actions
    from projects.models import Milestone

    Project = type(project)
    pm = people["project_manager"]
    Project.objects.filter(pk=project.pk).update(
        phase="closing", scope="All of it.", lessons_learned="Many."
    )
    Milestone.objects.create(project=project, name="Done", due_date=TODAY(), completed_on=TODAY())
    handoff = handoff_actions.handoff_create(
        project=project,
        actor=pm,
        support_team=world["support"],
        go_live_on=TODAY() - datetime.timedelta(days=go_live_days_ago),
        hypercare_days=14,
    )
    for item in handoff.checklist.all():
        handoff_actions.checklist_item_update(item=item, actor=pm, done=True)
    handoff_actions.handoff_transition(handoff=handoff, action="submit", actor=pm)
    handoff_actions.handoff_transition(
        handoff=handoff, action="accept", actor=people["service_owner"]
    )


def test_cancelling_a_project_that_carries_an_improvement_returns_it_to_approved(people, world):
    improvement = propose_and_approve(people, world["service"])
    project = start_project(people, improvement)
    imp_url = f"/api/v1/improvements/{improvement['id']}/"
    assert assert_status(people["agent"], "GET", imp_url, 200).data["status"] == "in_progress"
    move(people["manager"], project["id"], "cancel", reason="Budget moved to the ERP upgrade.")
    assert assert_status(people["agent"], "GET", imp_url, 200).data["status"] == "approved"
    event = AuditEvent.objects.filter(action="improvement.return").get()
    assert event.changes["project"] == [None, "PAY-7"]
    # Approved again, it can be carried by a new project.
    again = start_project(people, improvement, code="PAY-8")
    assert again["improvement"] == improvement["id"]


def test_an_improvement_is_carried_by_one_open_project_at_a_time(people, world):
    improvement = propose_and_approve(people, world["service"])
    start_project(people, improvement)
    body = {
        "improvement": improvement["id"],
        "code": "PAY-9",
        "manager": people["project_manager"].pk,
    }
    refused = assert_status(
        people["service_owner"], "POST", "/api/v1/projects/from-improvement/", 400, body
    )
    assert "PAY-7 already carries it" in str(refused.data["fields"]["improvement"])
    # Nor through the plain project API.
    refused = assert_status(
        people["project_manager"],
        "POST",
        "/api/v1/projects/",
        400,
        {"code": "PAY-9", "name": "Other", "improvement": improvement["id"]},
    )
    assert "improvement" in refused.data["fields"]


def test_the_pm_links_an_approved_improvement_on_create_and_patch(people, world):
    pm = people["project_manager"]
    improvement = propose_and_approve(people, world["service"])
    created = assert_status(
        pm,
        "POST",
        "/api/v1/projects/",
        201,
        {"code": "LNK-1", "name": "Linked", "improvement": improvement["id"]},
    ).data
    assert (created["improvement"], created["improvement_title"]) == (
        improvement["id"],
        "Halve payroll incidents",
    )
    patched = patch_project(people, created["id"], improvement=None)
    assert patched["improvement"] is None
    patched = patch_project(people, created["id"], improvement=improvement["id"])
    assert patched["improvement_status"] == "approved"


@pytest.mark.parametrize("status", ["proposed", "rejected"])
def test_only_an_approved_or_in_progress_improvement_can_be_carried(people, world, status):
    from tests.servicedesk.request_factories import ImprovementFactory

    improvement = ImprovementFactory(service=world["service"], status=status)
    refused = assert_status(
        people["project_manager"],
        "POST",
        "/api/v1/projects/",
        400,
        {"code": "LNK-2", "name": "Linked", "improvement": improvement.pk},
    )
    assert "improvement" in refused.data["fields"]


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("service_owner", 201),
        ("manager", 201),
        ("admin", 201),
        ("project_manager", 403),
        ("agent", 403),
        ("requester", 403),
        ("other_owner", 403),
    ],
)
def test_who_may_start_a_project_from_an_improvement(people, world, who, expected):
    from tests.core.factories import UserFactory

    people = {**people, "other_owner": UserFactory(username="owner2", role="service_owner")}
    improvement = propose_and_approve(people, world["service"])
    assert_status(
        people[who],
        "POST",
        "/api/v1/projects/from-improvement/",
        expected,
        {
            "improvement": improvement["id"],
            "code": "WHO-1",
            "manager": people["project_manager"].pk,
        },
    )


def test_another_services_owner_cannot_accept_the_handoff(people, world):
    from tests.core.factories import UserFactory

    improvement = propose_and_approve(people, world["service"])
    project = start_project(people, improvement)
    pm = people["project_manager"]
    handoff = assert_status(
        pm,
        "POST",
        f"/api/v1/projects/{project['id']}/handoff/",
        201,
        {
            "support_team": world["support"].pk,
            "go_live_on": TODAY().isoformat(),
        },
    ).data
    h_url = f"/api/v1/handoffs/{handoff['id']}/"
    for item in handoff["checklist"]:
        assert_status(pm, "PATCH", f"{h_url}checklist/{item['id']}/", 200, {"done": True})
    assert_status(pm, "POST", f"{h_url}transitions/", 200, {"action": "submit"})
    stranger = UserFactory(username="owner2", role="service_owner")
    assert_status(stranger, "POST", f"{h_url}transitions/", 403, {"action": "accept"})
    assert_status(pm, "POST", f"{h_url}transitions/", 403, {"action": "accept"})


def test_a_malformed_project_id_on_the_outcome_is_404(people):
    assert_status(people["project_manager"], "GET", "/api/v1/projects/null,null/outcome/", 404)
