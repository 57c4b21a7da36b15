"""The queue's API rows are built as plain dicts for speed (core/api/rows.py); they must be
exactly what the declared serializer fields — which the OpenAPI schema describes — give."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework import serializers

from servicedesk import actions
from servicedesk.api.serializers import IncidentListSerializer, IncidentSerializer
from servicedesk.queries import incident_list_for, incident_records_for
from tests.conftest import client_for
from tests.servicedesk.factories import ServiceFactory, office_calendar, sla_policy

pytestmark = pytest.mark.django_db


@pytest.fixture
def queue(people):
    """A bare incident, one with service, SLA, team and assignee, and a resolved one."""
    policy = sla_policy("Standard", office_calendar(tz="Europe/Berlin"))
    payroll = ServiceFactory(name="Payroll", sla_policy=policy)
    agent, requester = people["agent"], people["requester"]
    bare = actions.incident_open(actor=requester, title="No service")
    full = actions.incident_open(
        actor=agent,
        requester=requester,
        title="Payroll run fails",
        service=payroll,
        impact=1,
        urgency=1,
        team=people["team"],
        opened_at=timezone.now() - timedelta(days=2),
    )
    actions.incident_transition(
        incident=full, action="assign", actor=agent, data={"assignee": agent}
    )
    done = actions.incident_open(actor=agent, requester=requester, title="Done", service=payroll)
    for step, data in [
        ("assign", {"assignee": agent}),
        ("start", {}),
        ("resolve", {"resolution_code": "fixed", "resolution_note": "Restarted."}),
    ]:
        done.refresh_from_db()
        actions.incident_transition(incident=done, action=step, actor=agent, data=data)
    return [bare, full, done]


def _declared_fields_row(incident, now, serializer_class=IncidentListSerializer) -> dict:
    """What DRF's field machinery gives for the same row."""
    serializer = serializer_class(context={"now": now})
    return serializers.ModelSerializer.to_representation(serializer, incident)


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin", "America/New_York"])
def test_a_queue_row_equals_what_its_declared_fields_give(people, queue, zone):
    now = timezone.now()
    incidents = incident_list_for(people["agent"]).order_by("pk")
    with timezone.override(zone):
        fast = IncidentListSerializer(incidents, many=True, context={"now": now}).data
        slow = [_declared_fields_row(incident, now) for incident in incidents]
    assert len(fast) == 3
    assert [dict(row) for row in fast] == [dict(row) for row in slow]
    full = next(row for row in fast if row["title"] == "Payroll run fails")
    assert full["assignee_detail"]["username"] == "agent"
    assert full["sla"]["policy"] == "Standard" and full["sla"]["resolution_breached"] is True


@pytest.mark.parametrize("zone", ["UTC", "Asia/Kolkata"])
def test_an_incident_detail_equals_what_its_declared_fields_give(people, queue, zone):
    now = timezone.now()
    queue[1].description = "Steps:\n\n1. open *payroll*\n2. <script>x</script>"
    queue[1].save(update_fields=["description"])
    with timezone.override(zone):
        for incident in incident_records_for(people["agent"]).order_by("pk"):
            fast = IncidentSerializer(incident, context={"now": now}).data
            assert dict(fast) == dict(_declared_fields_row(incident, now, IncidentSerializer))
            assert "<script>" not in fast["description_html"]


def test_the_api_list_serves_the_same_rows_as_the_detail(people, queue):
    agent = client_for(people["agent"])
    rows = {row["id"]: row for row in agent.get("/api/v1/incidents/").json()["results"]}
    assert len(rows) == 3
    for pk, row in rows.items():
        detail = agent.get(f"/api/v1/incidents/{pk}/").json()
        detail.pop("description_html")
        remaining = [r.pop("sla")["remaining_business_minutes"] for r in (row, detail)]
        assert row == detail
        assert remaining[0] is None or abs(remaining[0] - remaining[1]) <= 1


def test_a_created_incident_is_answered_as_a_later_read_shows_it(people, queue):
    """The create reply is built from the rows incident_open used, not re-read: it must still
    be what the detail shows."""
    agent = client_for(people["agent"])
    service = ServiceFactory(name="Payroll")
    created = agent.post(
        "/api/v1/incidents/",
        {"title": "Payslips blank", "service": service.pk, "requester": people["requester"].pk},
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    detail = agent.get(f"/api/v1/incidents/{body['id']}/").json()
    remaining = [r["sla"].pop("remaining_business_minutes") for r in (body, detail)]
    assert body == detail
    assert body["sla"]["policy"] == "Standard" and body["requester"]["username"] == "req"
    assert abs(remaining[0] - remaining[1]) <= 1
