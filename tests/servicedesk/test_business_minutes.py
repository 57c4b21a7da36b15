"""Business minutes to response and resolution are stamped on the incident for KPIs."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from servicedesk import sla
from servicedesk.actions import incident_comment_add, incident_transition
from servicedesk.models import BusinessCalendar, SLAPolicy, SLATarget, WorkingInterval
from tests.servicedesk.factories import IncidentFactory

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
RESOLVE = {"resolution_code": "fixed", "resolution_note": "ok"}


@pytest.fixture
def office_policy(db):
    cal = BusinessCalendar.objects.create(name="Office", time_zone="Europe/London")
    for weekday in range(5):
        WorkingInterval.objects.create(
            calendar=cal, weekday=weekday, start_minute=540, end_minute=1020
        )
    policy = SLAPolicy.objects.create(name="Office SLA", calendar=cal)
    for priority in range(1, 6):
        SLATarget.objects.create(
            policy=policy, priority=priority, response_minutes=60, resolution_minutes=480
        )
    return policy


def clocked(**fields):
    incident = IncidentFactory(**fields)
    sla.incident_clock_apply(incident)
    incident.save()
    return incident


def test_response_minutes_count_only_working_time(people, office_policy, monkeypatch):
    """Opened Friday 16:00, work started Monday 10:00 (Europe/London, 09–17):
    Friday 16:00–17:00 = 60 + Monday 09:00–10:00 = 60 → 120 business minutes."""
    opened = datetime.datetime(2026, 11, 20, 16, 0, tzinfo=LONDON)
    incident = clocked(opened_at=opened, sla_policy=office_policy, team=people["team"])
    monday = datetime.datetime(2026, 11, 23, 10, 0, tzinfo=LONDON)
    monkeypatch.setattr(timezone, "now", lambda: monday)
    incident = incident_transition(incident=incident, action="start", actor=people["agent"])
    assert incident.response_business_minutes == 120


def test_first_public_reply_stamps_response_minutes(people, office_policy):
    incident = clocked(opened_at=timezone.now(), sla_policy=office_policy)
    incident_comment_add(incident=incident, actor=people["agent"], body="On it")
    incident.refresh_from_db()
    assert incident.first_responded_at is not None
    assert incident.response_business_minutes is not None


def test_resolution_minutes_exclude_holds_and_reset_on_reopen(people, office_policy, monkeypatch):
    """Opened Mon 09:00, started 09:00, on hold 10:00–14:00, resolved 16:00:
    7 working hours minus the 4-hour hold = 3 h → 180 business minutes."""
    clock = {"now": datetime.datetime(2026, 11, 23, 9, 0, tzinfo=LONDON)}
    monkeypatch.setattr(timezone, "now", lambda: clock["now"])
    incident = clocked(opened_at=clock["now"], sla_policy=office_policy, team=people["team"])
    incident = incident_transition(incident=incident, action="start", actor=people["agent"])
    assert incident.response_business_minutes == 0
    for hour, action in [(10, "hold"), (14, "resume")]:
        clock["now"] = clock["now"].replace(hour=hour)
        incident = incident_transition(incident=incident, action=action, actor=people["agent"])
    clock["now"] = clock["now"].replace(hour=16)
    incident = incident_transition(
        incident=incident, action="resolve", actor=people["agent"], data=RESOLVE
    )
    assert incident.resolution_business_minutes == 180
    incident = incident_transition(incident=incident, action="reopen", actor=people["agent"])
    assert incident.resolution_business_minutes is None
