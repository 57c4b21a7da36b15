"""Project and handoff histories read as sentences with names, like the incident history:
"added Olivia Owner as stakeholder", "captured baseline 1", "approved the gate of
Initiation", "ticked off “Monitoring in place”" — never an id, a username or an action code;
and naming everyone costs one query per related table however long the history."""

import datetime
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.audit import audit_record, history_for
from core.audit_text import audit_lines
from core.kept import shared_cache
from projects import actions, handoff_actions, milestone_actions, task_actions
from projects.models import Handoff, Project
from tests.conftest import browser_for
from tests.core.factories import AgentFactory, TeamFactory
from tests.projects.factories import MilestoneFactory, ProjectFactory, TaskFactory
from tests.servicedesk.factories import ServiceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(people):
    service = ServiceFactory(name="Payroll", status="planned", owner=people["service_owner"])
    return ProjectFactory(
        code="PAY", manager=people["project_manager"], sponsor=people["manager"], service=service
    )


def _text(lines) -> list[str]:
    return [" ".join([line.verb, *(str(c) for c in line.changes)]) for line in lines]


def _submitted_handoff(people, project) -> Handoff:
    pm = people["project_manager"]
    handoff = handoff_actions.handoff_create(project=project, actor=pm)
    handoff = handoff_actions.handoff_update(
        handoff=handoff,
        actor=pm,
        expected_version=handoff.version,
        support_team=TeamFactory(name="Payroll support"),
        go_live_on=datetime.date(2026, 12, 1),
    )
    for item in handoff.checklist.all():
        handoff_actions.checklist_item_update(item=item, actor=pm, done=True)
    return handoff_actions.handoff_transition(handoff=handoff, action="submit", actor=pm)


def test_the_overview_history_names_people_roles_baselines_and_gates(people, project):
    pm = people["project_manager"]
    olivia = AgentFactory(first_name="Olivia", last_name="Owner")
    actions.member_add(project=project, actor=pm, user=olivia, role="stakeholder")
    actions.baseline_capture(project=project, actor=pm)
    actions.project_transition(project=project, action="plan", actor=people["manager"])

    html = browser_for(pm).get(f"/projects/{project.pk}/").content.decode()

    assert "added Olivia Owner as stakeholder" in html
    assert "captured baseline 1" in html
    assert "approved the gate of Initiation (4 criteria met)" in html
    assert "phase Initiation → Planning" in html
    for code in ("member —", "baseline —", "gate —", "approved by", f"→ {olivia.pk}<"):
        assert code not in html


def test_every_project_action_reads_as_a_sentence(people, project):
    pm, sponsor = people["project_manager"], people["manager"]
    sam = AgentFactory(first_name="Sam", last_name="Second")
    alex = AgentFactory(first_name="Alex", last_name="Agent", username="alex")
    actions.member_add(project=project, actor=pm, user=sam, role="member")
    actions.member_add(project=project, actor=pm, user=sam, role="lead")
    actions.member_remove(member=project.memberships.get(user=sam), actor=pm)
    task_actions.task_delete(task=TaskFactory(project=project, name="Old design"), actor=pm)
    milestone_actions.milestone_delete(
        milestone=MilestoneFactory(project=project, name="Pilot"), actor=pm
    )
    # The rows cost and time entries write (projects/cost_actions.py).
    for actor, action, changes in (
        (pm, "project.cost_added", {"cost": [None, "1200.00 EUR labour"]}),
        (pm, "project.time_logged", {"time": [None, "alex 7.50h 2026-11-05"]}),
        (alex, "project.time_logged", {"time": [None, "alex 8.00h 2026-11-06"]}),
    ):
        audit_record(actor=actor, action=action, obj=project, changes=changes)
    actions.project_transition(
        project=project, action="cancel", actor=sponsor, data={"reason": "Budget cut"}
    )

    text = _text(audit_lines(history_for(project)))

    assert text == [
        "added Sam Second as team member",
        "made Sam Second work-stream lead (was team member)",
        "removed Sam Second from the team",
        "deleted task “Old design”",
        "deleted milestone “Pilot”",
        "recorded a cost of 1200.00 EUR (labour)",
        "logged 7.5 h for Alex Agent on 5 Nov 2026",
        "logged 8 h on 6 Nov 2026",
        "cancelled it phase Initiation → Cancelled reason: Budget cut",
    ]


def test_a_member_added_before_roles_were_recorded_still_reads_well(people, project):
    sam = AgentFactory(first_name="Sam", last_name="Second")
    audit_record(
        actor=people["project_manager"], action="project.member_added", obj=project,
        changes={"member": [None, sam.pk]},
    )  # fmt: skip
    assert _text(audit_lines(history_for(project)))[-1] == "added Sam Second to the team"


def test_the_handoff_page_says_who_is_to_accept_until_someone_has(people, project):
    handoff = _submitted_handoff(people, project)
    owner = browser_for(people["service_owner"])
    url = f"/projects/{project.pk}/handoff/"

    html = owner.get(url).content.decode()
    assert "To be accepted by</dt>" in html and "Accepted by</dt>" not in html
    acceptor = html.split("To be accepted by</dt>")[1].split("</dd>")[0]
    assert people["service_owner"].display_name in acceptor and " on " not in acceptor

    handoff_actions.handoff_transition(
        handoff=handoff, action="accept", actor=people["service_owner"], note="Welcome aboard."
    )
    handoff.refresh_from_db()
    html = owner.get(url).content.decode()
    assert "To be accepted by" not in html
    acceptor = html.split("Accepted by</dt>")[1].split("</dd>")[0]
    name = people["service_owner"].display_name
    assert f"{name} on {handoff.decided_at.astimezone().strftime('%-d %b %Y')}" in acceptor
    assert "Welcome aboard." in acceptor


def test_the_handoff_history_reads_as_sentences(people, project):
    handoff = _submitted_handoff(people, project)
    pm = people["project_manager"]
    handoff = handoff_actions.handoff_transition(
        handoff=handoff, action="reject", actor=people["service_owner"], note="No runbook."
    )
    handoff = handoff_actions.handoff_transition(handoff=handoff, action="redraft", actor=pm)
    item = handoff_actions.checklist_item_add(handoff=handoff, actor=pm, label="Licences")
    handoff_actions.checklist_item_update(item=item, actor=pm, label="Licences moved")
    handoff_actions.checklist_item_update(item=item, actor=pm, done=True)
    item = handoff_actions.checklist_item_update(item=item, actor=pm, done=False)
    handoff_actions.checklist_item_delete(item=item, actor=pm)
    handoff.refresh_from_db()
    handoff_actions.handoff_update(
        handoff=handoff,
        actor=pm,
        expected_version=handoff.version,
        new_service=True,
        service_name="Payroll v2",
        service_owner=people["service_owner"],
        criticality=1,
        documents=[{"title": "Runbook", "url": "https://wiki.example.com/run"}],
    )

    html = browser_for(pm).get(f"/projects/{project.pk}/handoff/").content.decode()
    text = _text(reversed(audit_lines(history_for(handoff).order_by("-created_at", "-id")[:12])))

    assert text[3:] == [
        "submitted it status Draft → Submitted",
        "rejected it status Submitted → Rejected note: No runbook.",
        "took it back to draft status Rejected → Draft",
        "added “Licences” to the checklist",
        "renamed “Licences” to “Licences moved”",
        "ticked off “Licences moved”",
        "unticked “Licences moved”",
        "removed “Licences moved” from the checklist",
        "changed criticality — → High delivers a change to a service → a new service"
        " service Payroll → — documents — → Runbook service name — → Payroll v2"
        f" service owner — → {people['service_owner'].display_name}",
    ]
    assert "handoff.item_done" not in html and "handoff.created" not in html
    assert "ticked off “Monitoring in place”" in html and "status Draft → Submitted" in html


def test_an_accepted_handoff_reads_on_the_project_and_the_service(people, project):
    handoff = _submitted_handoff(people, project)
    handoff_actions.handoff_transition(
        handoff=handoff, action="accept", actor=people["service_owner"]
    )
    project.refresh_from_db()
    project_text = _text(audit_lines(history_for(project)))
    assert "drafted the handoff" in project_text
    assert (
        "accepted the handoff: Payroll is live; hypercare 1 Dec 2026 – 30 Dec 2026" in project_text
    )
    service_text = _text(audit_lines(history_for(project.service)))
    assert "accepted the handoff of project PAY; hypercare 1 Dec 2026 – 30 Dec 2026" in service_text


_numbers = itertools.count()


def _history_of_each_kind(people, project: Project, n: int):
    """n rows of every kind a project's history holds, each naming other rows; the last
    person added."""
    pm = people["project_manager"]
    for _ in range(n):
        i = next(_numbers)
        person = AgentFactory(first_name=f"Member{i}", username=f"member{i}")
        actions.member_add(project=project, actor=pm, user=person, role="analyst")
        actions.member_remove(member=project.memberships.get(user=person), actor=pm)
        actions.baseline_capture(project=project, actor=pm)
        audit_record(
            actor=pm,
            action="project.time_logged",
            obj=project,
            changes={"time": [None, f"{person.username} 1.00h 2026-11-05"]},
        )
        audit_record(
            actor=pm,
            action="project.cost_added",
            obj=project,
            changes={"cost": [None, "10.00 EUR material"]},
        )
        project.refresh_from_db()
        project = actions.project_update(
            project=project,
            actor=people["admin"],
            expected_version=project.version,
            sponsor=AgentFactory(first_name=f"Sponsor{i}"),
            service=ServiceFactory(name=f"Service {project.pk} {i}"),
        )
        task_actions.task_delete(task=TaskFactory(project=project), actor=pm)
    return person


def test_naming_a_long_project_history_costs_one_query_per_table(people, project):
    """Users (members, time, sponsors) and services are named in a query each, however many."""

    def queries(of: Project) -> int:
        events = list(history_for(of))
        with CaptureQueriesContext(connection) as seen:
            lines = audit_lines(events)
        assert not any("#" in str(c) for line in lines for c in line.changes)
        return len(seen)

    other = ProjectFactory(code="OTH", manager=people["project_manager"])
    _history_of_each_kind(people, project, 1)
    _history_of_each_kind(people, other, 6)
    assert queries(project) == queries(other) == 2  # users, services


def test_the_overview_costs_the_same_for_a_long_history(people, project):
    """The overview within its budget (tests/projects/test_views.py) plus one statement for
    the people its history names, the same for 10 rows of history as for 70."""
    client = browser_for(people["project_manager"])
    url = f"/projects/{project.pk}/"

    def statements() -> tuple[str, int]:
        client.get(url)  # warm the session and the kept lists
        with CaptureQueriesContext(connection) as seen:
            response = client.get(url)
        assert response.status_code == 200
        return response.content.decode(), sum(1 for q in seen if "SAVEPOINT" not in q["sql"])

    _history_of_each_kind(people, project, 2)
    _html, few = statements()
    last = _history_of_each_kind(people, project, 8)
    html, many = statements()
    assert few == many <= (6 if shared_cache() else 7) + 2  # + users, services
    assert f"removed {last.display_name} from the team" in html
    assert f"logged 1 h for {last.display_name} on 5 Nov 2026" in html
