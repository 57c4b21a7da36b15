"""Accepting a handoff to an existing service changes only what the handoff names: an empty
support team, SLA policy, service hours or criticality keeps the service's value (service
hours used to fall back to 24x7, SLA policy to the default). 24x7 is chosen explicitly as the
built-in 24x7 calendar. Before acceptance the handoff says, field by field, what it will
change on the service (current → new), on the API and the page; the audit row of the
service names the changes."""

import datetime

import pytest

from core.audit import history_for
from projects import handoff_actions
from projects.models import Handoff
from servicedesk.models import BusinessCalendar, Service
from servicedesk.sla import builtin_24x7
from tests.conftest import assert_status, browser_for
from tests.core.factories import TeamFactory
from tests.projects.factories import ProjectFactory
from tests.servicedesk.factories import ServiceFactory, office_calendar, sla_policy

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(people):
    office = office_calendar("Office hours London")
    gold = sla_policy("Gold", office)
    team = TeamFactory(name="Applications")
    service = ServiceFactory(
        name="HR portal",
        status="live",
        owner=people["service_owner"],
        support_team=team,
        sla_policy=gold,
        service_hours=office,
        criticality=2,
    )
    project = ProjectFactory(
        code="HR-06",
        manager=people["project_manager"],
        sponsor=people["manager"],
        service=service,
    )
    return {"office": office, "gold": gold, "team": team, "service": service, "project": project}


def _submitted(people, project, **fields) -> Handoff:
    pm = people["project_manager"]
    handoff = handoff_actions.handoff_create(
        project=project, actor=pm, go_live_on=datetime.date(2026, 12, 1), **fields
    )
    for item in handoff.checklist.all():
        handoff_actions.checklist_item_update(item=item, actor=pm, done=True)
    return handoff_actions.handoff_transition(handoff=handoff, action="submit", actor=pm)


def _changes(body) -> dict:
    return {c["field"]: (c["current"], c["new"], c["changes"]) for c in body["service_changes"]}


def _accept(people, handoff) -> dict:
    return assert_status(
        people["service_owner"],
        "post",
        f"/api/v1/handoffs/{handoff.pk}/transitions/",
        200,
        {"action": "accept"},
    ).json()


def test_a_change_handoff_that_names_only_the_team_keeps_hours_policy_and_criticality(
    people, world
):
    service = world["service"]
    handoff = _submitted(people, world["project"], support_team=world["team"])
    owner = people["service_owner"]
    body = assert_status(owner, "get", f"/api/v1/handoffs/{handoff.pk}/", 200).json()
    owner_name = people["service_owner"].display_name
    assert _changes(body) == {
        "owner": (owner_name, owner_name, False),
        "support_team": ("Applications", "Applications", False),
        "sla_policy": ("Gold", "Gold", False),
        "service_hours": ("Office hours London", "Office hours London", False),
        "criticality": ("Medium", "Medium", False),
        "description": (service.description or "—",) * 2 + (False,),
    }
    before = assert_status(owner, "get", f"/api/v1/services/{service.pk}/", 200).json()

    _accept(people, handoff)

    after = assert_status(owner, "get", f"/api/v1/services/{service.pk}/", 200).json()
    for field in ("service_hours", "sla_policy", "support_team", "criticality", "owner"):
        assert after[field] == before[field], field
    assert after["service_hours"] == world["office"].pk
    updated = [
        e for e in history_for(Service.objects.get(pk=service.pk)) if e.action == "service.updated"
    ]
    assert all("service_hours" not in e.changes for e in updated)


def test_a_change_handoff_that_sets_other_hours_and_policy_changes_them_and_says_so(people, world):
    service = world["service"]
    weekend = office_calendar("Weekend desk")
    silver = sla_policy("Silver", weekend)
    handoff = _submitted(
        people,
        world["project"],
        support_team=world["team"],
        service_hours=weekend,
        sla_policy=silver,
        criticality=1,
    )
    body = assert_status(
        people["service_owner"], "get", f"/api/v1/handoffs/{handoff.pk}/", 200
    ).json()
    changes = _changes(body)
    assert changes["service_hours"] == ("Office hours London", "Weekend desk", True)
    assert changes["sla_policy"] == ("Gold", "Silver", True)
    assert changes["criticality"] == ("Medium", "High", True)
    assert changes["support_team"][2] is False

    _accept(people, handoff)

    service.refresh_from_db()
    assert (service.service_hours, service.sla_policy, service.criticality) == (weekend, silver, 1)
    row = [e for e in history_for(service) if e.action == "service.updated"][-1]
    assert row.changes == {
        "service_hours": [world["office"].pk, weekend.pk],
        "sla_policy": [world["gold"].pk, silver.pk],
        "criticality": [2, 1],
    }


def test_a_change_handoff_makes_the_hours_24x7_only_when_it_names_the_24x7_calendar(people, world):
    service = world["service"]
    pm = people["project_manager"]
    handoff = _submitted(people, world["project"], support_team=world["team"])
    handoff = handoff_actions.handoff_transition(
        handoff=handoff, action="reject", actor=people["service_owner"], note="Make it 24x7."
    )
    handoff = handoff_actions.handoff_transition(handoff=handoff, action="redraft", actor=pm)
    url = f"/api/v1/handoffs/{handoff.pk}/"
    version = assert_status(pm, "get", url, 200).json()["version"]
    twenty_four_seven = builtin_24x7()
    body = assert_status(
        pm, "patch", url, 200, {"version": version, "service_hours": twenty_four_seven.pk}
    ).json()
    assert _changes(body)["service_hours"] == ("Office hours London", "24x7", True)
    handoff_actions.handoff_transition(
        handoff=Handoff.objects.get(pk=handoff.pk), action="submit", actor=pm
    )

    _accept(people, handoff)

    service.refresh_from_db()
    assert service.service_hours is None  # a service's 24x7
    row = [e for e in history_for(service) if e.action == "service.updated"][-1]
    assert row.changes == {"service_hours": [world["office"].pk, None]}
    assert BusinessCalendar.objects.filter(pk=twenty_four_seven.pk, is_builtin=True).exists()


def test_a_new_service_handoff_lists_the_terms_it_sets_without_a_current_value(people):
    project = ProjectFactory(code="SSO", manager=people["project_manager"], service=None)
    handoff = handoff_actions.handoff_create(
        project=project, actor=people["project_manager"], service_owner=people["service_owner"]
    )
    body = assert_status(
        people["project_manager"], "get", f"/api/v1/handoffs/{handoff.pk}/", 200
    ).json()
    changes = _changes(body)
    assert changes["service_hours"] == (None, "24x7", True)
    assert changes["owner"] == (None, people["service_owner"].display_name, True)
    assert changes["criticality"] == (None, "Medium", True)


def test_the_review_page_and_the_inbox_show_current_and_new_values(people, world):
    weekend = office_calendar("Weekend desk")
    _submitted(people, world["project"], support_team=world["team"], service_hours=weekend)
    owner = browser_for(people["service_owner"])
    html = owner.get(f"/projects/{world['project'].pk}/handoff/").content.decode()
    table = html[html.index('data-testid="handoff-changes"') :]
    hours = table[table.index('data-testid="change-service_hours"') :]
    hours = hours[: hours.index("</tr>")]
    assert "Office hours London" in hours and "Weekend desk" in hours
    policy = table[table.index('data-testid="change-sla_policy"') :]
    policy = policy[: policy.index("</tr>")]
    assert "Gold" in policy and "unchanged" in policy
    inbox = owner.get("/projects/handoffs/inbox/").content.decode()
    cell = inbox[inbox.index('data-testid="inbox-changes-HR-06"') :]
    cell = cell[: cell.index("</td>")]
    assert "Service hours: Office hours London → <strong>Weekend desk</strong>" in cell
    assert "SLA policy" not in cell  # unchanged fields are not listed
