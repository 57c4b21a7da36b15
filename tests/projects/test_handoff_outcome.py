"""The outcome of a handed-over project on its service, on a small hand-worked data set.

Service "Payroll", 24x7 service hours (the built-in calendar), time zone UTC.
Hypercare 2026-03-02 → 2026-03-12 (10 days, end exclusive); "after" 2026-03-12 → 03-22;
measured at now = 2026-03-17 12:00, so "after" runs and counts 5.5 days (7,920 min).

Incidents (opened; priority; resolution due → resolved):
  E  03-01 09:00  P3  due 03-02 00:00, resolved 03-02 01:00  late     (opened before)
  A  03-03 10:00  P1  due 03-03 11:00, resolved 03-03 10:45  in time
  B  03-05 09:00  P2  due 03-05 12:00, resolved 03-05 14:00  late
  C  03-10 09:00  P3  open
  D  03-11 23:00  P3  due 03-12 03:00, resolved 03-12 02:00  in time  (resolved after)
  G  03-15 09:00  P4  due 03-16 09:00, resolved 03-15 11:00  in time
  H  03-20 09:00  P2  open (after now: not yet counted)
  X  03-04 09:00  P1  on another service (never counted)
Incidents opened:  hypercare A, B, C, D → P1 1, P2 1, P3 2 = 4; after G → P4 1 = 1.
SLA compliance:    resolved in the window with a target: hypercare E (late), A (in time),
                   B (late) → 1/3 = 33.333 %; after D, G in time → 2/2 = 100.000 %.

Outages: unplanned 03-03 10:00–12:00 (120 min), planned 03-06 00:00–04:00 (240 min),
unplanned 03-11 23:00–03-12 01:00 (60 min each side of the boundary).
Hypercare: agreed 14,400 − 240 = 14,160 min, down 180 → 13,980/14,160 = 98.729 %.
After:     agreed 7,920 min, down 60 → 7,860/7,920 = 99.242 %.

Surveys (sent when resolved): E 03-02 01:00 unanswered, A rated 5, B rated 2, D 03-12 rated 4.
CSAT hypercare: answered 2, satisfied 1 → 50.000 %, response 2/3 = 66.667 %.
CSAT after: 1 answered, satisfied → 100.000 %.
"""

import datetime
from datetime import UTC

import pytest
from django.utils import timezone

from projects.outcome import project_outcome
from servicedesk.models import Outage, Survey
from tests.conftest import assert_status, client_for
from tests.projects.factories import ProjectFactory
from tests.servicedesk.factories import IncidentFactory, ServiceFactory

pytestmark = pytest.mark.django_db


def at(day, hour=0, minute=0):
    return datetime.datetime(2026, 3, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def handed_over(people, settings):
    settings.TIME_ZONE = "UTC"
    service = ServiceFactory(name="Payroll", owner=people["service_owner"])
    other = ServiceFactory(name="Email")
    project = ProjectFactory(
        manager=people["project_manager"],
        service=service,
        hypercare_start=datetime.date(2026, 3, 2),
        hypercare_end=datetime.date(2026, 3, 12),
    )

    def incident(opened, priority, due=None, resolved=None, rating=None, service=service):
        impact, urgency = {1: (1, 1), 2: (1, 2), 3: (2, 2), 4: (2, 3), 5: (3, 3)}[priority]
        inc = IncidentFactory(
            service=service,
            opened_at=opened,
            impact=impact,
            urgency=urgency,
            resolution_due=due,
            resolved_at=resolved,
            status="resolved" if resolved else "in_progress",
        )
        if resolved:
            Survey.objects.create(
                incident=inc,
                requester=inc.requester,
                created_at=resolved,
                rating=rating,
                answered_at=resolved + datetime.timedelta(hours=1) if rating else None,
            )
        return inc

    incident(at(1, 9), 3, due=at(2), resolved=at(2, 1))  # E
    incident(at(3, 10), 1, due=at(3, 11), resolved=at(3, 10, 45), rating=5)  # A
    incident(at(5, 9), 2, due=at(5, 12), resolved=at(5, 14), rating=2)  # B
    incident(at(10, 9), 3)  # C
    incident(at(11, 23), 3, due=at(12, 3), resolved=at(12, 2), rating=4)  # D
    incident(at(15, 9), 4, due=at(16, 9), resolved=at(15, 11))  # G
    incident(at(20, 9), 2)  # H
    incident(at(4, 9), 1, service=other)  # X
    for start, end, kind in [
        (at(3, 10), at(3, 12), "unplanned"),
        (at(6, 0), at(6, 4), "planned"),
        (at(11, 23), at(12, 1), "unplanned"),
    ]:
        Outage.objects.create(service=service, started_at=start, ended_at=end, kind=kind)
    return project


def test_the_outcome_on_the_hand_worked_data_set(handed_over):
    outcome = project_outcome(handed_over, now=at(17, 12))
    assert outcome["handed_over"] is True
    hypercare, after = outcome["windows"]
    assert (hypercare["status"], after["status"]) == ("complete", "running")
    assert after["measured_until"] == at(17, 12)

    assert hypercare["incidents"] == {
        "total": 4,
        "by_priority": {"1": 1, "2": 1, "3": 2, "4": 0, "5": 0},
    }
    assert after["incidents"] == {
        "total": 1,
        "by_priority": {"1": 0, "2": 0, "3": 0, "4": 1, "5": 0},
    }
    assert hypercare["sla"] == {"resolved": 3, "within_target": 1, "compliance_pct": "33.333"}
    assert after["sla"] == {"resolved": 2, "within_target": 2, "compliance_pct": "100.000"}
    assert hypercare["availability"] == {
        "availability_pct": "98.729",
        "agreed_minutes": "14160.000",
        "downtime_minutes": "180.000",
    }
    assert after["availability"]["availability_pct"] == "99.242"
    assert after["availability"]["agreed_minutes"] == "7920.000"
    assert hypercare["csat"]["csat_pct"] == "50.000"
    assert hypercare["csat"]["response_rate_pct"] == "66.667"
    assert (hypercare["csat"]["sent"], hypercare["csat"]["answered"]) == (3, 2)
    assert after["csat"]["csat_pct"] == "100.000"


def test_a_window_that_has_not_started_is_not_measured(handed_over):
    outcome = project_outcome(handed_over, now=at(5, 12))
    hypercare, after = outcome["windows"]
    assert hypercare["status"] == "running" and hypercare["incidents"]["total"] == 2  # A, B
    assert after["status"] == "not_started"
    assert after["incidents"] is None and after["availability"] is None


def test_a_project_not_handed_over_has_no_outcome_windows(people):
    project = ProjectFactory(manager=people["project_manager"])
    response = assert_status(
        people["manager"], "GET", f"/api/v1/projects/{project.pk}/outcome/", 200
    )
    assert response.data["handed_over"] is False
    assert response.data["windows"] == []


def test_the_outcome_endpoint_answers_in_pinned_queries(
    people, handed_over, django_assert_max_num_queries
):
    # Move the windows so they run now: hypercare started 12 days ago, 10 days long.
    today = timezone.localdate()
    type(handed_over).objects.filter(pk=handed_over.pk).update(
        hypercare_start=today - datetime.timedelta(days=12),
        hypercare_end=today - datetime.timedelta(days=2),
    )
    client = client_for(people["manager"])
    client.get(f"/api/v1/projects/{handed_over.pk}/outcome/")  # warm the calendar cache
    # project, incident aggregate, and per window: outages, CSAT (+ transaction); run alone,
    # this test read the calendar's hours and holidays too (a cold worker).
    with django_assert_max_num_queries(10):
        response = client.get(f"/api/v1/projects/{handed_over.pk}/outcome/")
    assert response.status_code == 200
    assert [w["status"] for w in response.data["windows"]] == ["complete", "running"]
    assert response.data["service"]["name"] == "Payroll"
    assert_status(people["requester"], "GET", f"/api/v1/projects/{handed_over.pk}/outcome/", 404)
