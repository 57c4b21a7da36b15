"""SLA clocks on incidents: worked examples, each checked by hand in its docstring.

The calendar is "Office": Mon–Fri 09:00–17:00 Europe/London. Targets (response /
resolution, business minutes): P1 30/60, P2 60/120, P3 60/240, P4 120/480, P5 240/960.
Impact 2 + urgency 2 gives priority 3 (4 business hours to resolve).
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from core.models import AuditEvent
from servicedesk import actions, sla_actions
from servicedesk.actions import incident_transition as move
from servicedesk.models import Incident, IncidentPause
from servicedesk.sla import sla_state
from tests.conftest import assert_status, client_for
from tests.servicedesk.factories import ServiceFactory, office_calendar, sla_policy

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


def london(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON)


@pytest.fixture
def office():
    return office_calendar()


@pytest.fixture
def service(office):
    return ServiceFactory(name="Payroll", sla_policy=sla_policy("Standard", office))


def open_incident(people, service, opened_at, *, impact=2, urgency=2, **extra):
    return actions.incident_open(
        actor=people["agent"],
        requester=people["requester"],
        title="Payslips missing",
        service=service,
        impact=impact,
        urgency=urgency,
        opened_at=opened_at,
        team=people["team"],
        **extra,
    )


def resolve(incident, actor):
    return move(
        incident=incident,
        action="resolve",
        actor=actor,
        data={"resolution_code": "fixed", "resolution_note": "Done."},
    )


def test_friday_1600_plus_four_business_hours_is_monday_1200(people, service, clock):
    """Opened Friday 10 Jan 2025 16:00 (London = UTC in winter), P3: 4 business hours.

    Friday 16:00–17:00 gives 1 h; the weekend gives nothing; Monday 09:00–12:00 gives the
    other 3 h → resolution due Monday 13 Jan 12:00. Response target 60 min: Friday
    16:00 + 1 h = Friday 17:00 (the end of a working span, not Monday 09:00).
    """
    clock.set(london(2025, 1, 10, 16, 30))
    incident = open_incident(people, service, london(2025, 1, 10, 16, 0))
    assert incident.priority == 3 and incident.sla_policy.name == "Standard"
    assert incident.response_due == london(2025, 1, 10, 17, 0)
    assert incident.resolution_due == london(2025, 1, 13, 12, 0)
    # 75% of 240 = 180 min: Friday 1 h + Monday 09:00–11:00.
    assert incident.resolution_warn_at == london(2025, 1, 13, 11, 0)


def test_a_default_policy_applies_when_the_service_names_none(people, office, clock):
    clock.set(london(2025, 1, 10, 16, 30))
    sla_policy("Default", office, is_default=True)
    plain = ServiceFactory(name="Wiki")
    incident = open_incident(people, plain, london(2025, 1, 10, 16, 0))
    assert incident.sla_policy.name == "Default"
    assert incident.resolution_due == london(2025, 1, 13, 12, 0)


def test_without_any_policy_there_is_no_clock(people, clock):
    incident = open_incident(people, ServiceFactory(name="Wiki"), None)
    state = sla_state(incident, now=clock._now())
    assert state["policy"] is None and state["resolution_due"] is None
    assert state["remaining_business_minutes"] is None and state["resolution_breached"] is False


def test_hold_across_a_weekend_moves_the_due_time_by_the_business_time_on_hold(
    people, service, clock
):
    """P5 (960 min = 16 business hours), opened Thursday 9 Jan 2025 09:00 → due Friday
    17:00 (Thursday 8 h + Friday 8 h).

    On hold Friday 15:00 (2 h left) until Monday 10:00. Business time on hold: Friday
    15:00–17:00 (2 h) + Monday 09:00–10:00 (1 h) = 3 h; the weekend adds nothing. The due
    time moves 3 business hours later: Friday 17:00 → Monday 12:00 (= Monday 10:00 + the
    2 h that were left).
    """
    clock.set(london(2025, 1, 9, 9, 0))
    incident = open_incident(people, service, london(2025, 1, 9, 9, 0), impact=3, urgency=3)
    assert incident.resolution_due == london(2025, 1, 10, 17, 0)
    incident = move(incident=incident, action="start", actor=people["agent"])

    clock.set(london(2025, 1, 10, 15, 0))
    incident = move(incident=incident, action="hold", actor=people["agent"])
    assert incident.sla_paused_since == london(2025, 1, 10, 15, 0)

    clock.set(london(2025, 1, 11, 12, 0))  # Saturday: the clock stands still at 2 h left
    state = sla_state(incident, now=clock.now)
    assert state["paused"] is True and state["remaining_business_minutes"] == 120
    assert state["resolution_breached"] is False

    clock.set(london(2025, 1, 13, 10, 0))
    incident = move(incident=incident, action="resume", actor=people["agent"])
    assert incident.resolution_due == london(2025, 1, 13, 12, 0)
    assert incident.sla_paused_since is None
    assert sla_state(incident, now=clock.now)["remaining_business_minutes"] == 120
    pause = IncidentPause.objects.get(incident=incident)
    assert (pause.reason, pause.started_at, pause.ended_at) == (
        "on_hold",
        london(2025, 1, 10, 15, 0),
        london(2025, 1, 13, 10, 0),
    )


def test_a_holiday_gives_no_business_time(people, clock):
    """Same as the Friday example, but Monday 13 Jan 2025 is a holiday: Friday 16:00–17:00
    gives 1 h, Saturday to Monday nothing, Tuesday 09:00–12:00 the other 3 h → due
    Tuesday 14 Jan 12:00."""
    cal = office_calendar("Office with holiday", holidays=[date(2025, 1, 13)])
    service = ServiceFactory(name="HR", sla_policy=sla_policy("Holiday policy", cal))
    clock.set(london(2025, 1, 10, 16, 30))
    incident = open_incident(people, service, london(2025, 1, 10, 16, 0))
    assert incident.resolution_due == london(2025, 1, 14, 12, 0)


def test_a_calendar_changed_within_the_same_clock_tick_is_not_read_from_the_cache(people, clock):
    """Two saves of a calendar in one instant leave its `updated_at` alike; its version still
    moves, so the next clock is counted on the new hours, not the cached old ones."""
    clock.set(london(2025, 1, 10, 16, 30))
    calendar = office_calendar("Office, frozen clock")
    service = ServiceFactory(name="Facilities", sla_policy=sla_policy("Frozen", calendar))
    before = open_incident(people, service, london(2025, 1, 10, 16, 0))
    assert before.resolution_due == london(2025, 1, 13, 12, 0)  # Friday 16:00 + 4 h
    sla_actions.calendar_save(
        calendar=calendar,
        holidays=[(date(2025, 1, 13), "Staff day")],
        actor=people["admin"],
        expected_version=calendar.version,
    )
    service.sla_policy.calendar.refresh_from_db()
    after = open_incident(people, service, london(2025, 1, 10, 16, 0))
    assert after.resolution_due == london(2025, 1, 14, 12, 0)  # Monday is a holiday now


def test_dst_change_is_counted_in_local_working_hours(people, service, clock):
    """Clocks go forward in London on Sunday 30 March 2025 (GMT → BST).

    Opened Friday 28 March 16:00 GMT (= 16:00 UTC), P3 (4 h): Friday 16:00–17:00 gives
    1 h, Monday 09:00–12:00 BST the other 3 h → due Monday 31 March 12:00 BST, which is
    11:00 UTC (not 12:00 UTC, as naive UTC arithmetic would say).
    """
    clock.set(london(2025, 3, 28, 16, 30))
    incident = open_incident(people, service, london(2025, 3, 28, 16, 0))
    assert incident.resolution_due == london(2025, 3, 31, 12, 0)
    assert incident.resolution_due == datetime(2025, 3, 31, 11, 0, tzinfo=ZoneInfo("UTC"))


def test_dst_change_on_a_round_the_clock_london_calendar_counts_real_hours(people, clock):
    """A 00:00–24:00 every-day calendar in Europe/London. Opened Saturday 29 March 2025
    12:00 GMT with 1,440 business minutes (24 h): the night of the change has only 23
    wall-clock hours, so 24 real hours end on Sunday at 13:00 BST (= 12:00 UTC)."""
    from servicedesk.models import BusinessCalendar, WorkingInterval

    cal = BusinessCalendar.objects.create(name="London 24x7", time_zone="Europe/London")
    WorkingInterval.objects.bulk_create(
        WorkingInterval(calendar=cal, weekday=d, start_minute=0, end_minute=1440) for d in range(7)
    )
    targets = {p: (60, 1440) for p in range(1, 6)}
    service = ServiceFactory(name="Grid", sla_policy=sla_policy("Round", cal, targets=targets))
    clock.set(london(2025, 3, 29, 12, 0))
    incident = open_incident(people, service, london(2025, 3, 29, 12, 0))
    assert incident.resolution_due == london(2025, 3, 30, 13, 0)


def test_priority_change_recomputes_the_targets_from_the_original_opening(people, service, clock):
    """Opened Friday 10 Jan 16:00 as P3 (due Monday 12:00). On Monday 10:00 the agent
    raises impact and urgency to high: P1, 60 business minutes, counted from the
    original opening → due Friday 17:00, already missed."""
    clock.set(london(2025, 1, 10, 16, 0))
    incident = open_incident(people, service, london(2025, 1, 10, 16, 0))
    clock.set(london(2025, 1, 13, 10, 0))
    incident = actions.incident_update(
        incident=incident,
        actor=people["agent"],
        expected_version=incident.version,
        changes={"impact": 1, "urgency": 1},
    )
    assert incident.priority == 1
    assert incident.resolution_due == london(2025, 1, 10, 17, 0)
    assert incident.response_due == london(2025, 1, 10, 16, 30)
    state = sla_state(incident, now=clock.now)
    assert state["resolution_breached"] is True and state["response_breached"] is True
    # Overdue by Monday 09:00–10:00 only: the weekend is not business time.
    assert state["remaining_business_minutes"] == -60

    # ...and back to P3: due Monday 12:00 again, no longer breached.
    incident = actions.incident_update(
        incident=incident,
        actor=people["agent"],
        expected_version=incident.version,
        changes={"impact": 2, "urgency": 2},
    )
    assert incident.resolution_due == london(2025, 1, 13, 12, 0)
    assert sla_state(incident, now=clock.now)["resolution_breached"] is False


def test_a_reopened_incident_keeps_its_clock_running_from_where_it_stopped(people, service, clock):
    """Opened Monday 6 Jan 2025 09:00, P3 (4 h) → due 13:00. Resolved at 11:00 with 2 h
    used. Reopened Tuesday 10:00: the 2 h left run from there → due Tuesday 12:00. While
    resolved the clock is paused and nothing counts."""
    clock.set(london(2025, 1, 6, 9, 0))
    incident = open_incident(people, service, london(2025, 1, 6, 9, 0))
    incident = move(incident=incident, action="start", actor=people["agent"])
    clock.set(london(2025, 1, 6, 11, 0))
    incident = resolve(incident, people["agent"])
    clock.set(london(2025, 1, 7, 9, 30))
    state = sla_state(incident, now=clock.now)
    assert state["paused"] is True and state["resolution_breached"] is False
    assert state["remaining_business_minutes"] is None

    clock.set(london(2025, 1, 7, 10, 0))
    incident = move(incident=incident, action="reopen", actor=people["requester"])
    assert incident.resolution_due == london(2025, 1, 7, 12, 0)
    assert sla_state(incident, now=clock.now)["remaining_business_minutes"] == 120


def test_hold_then_resolve_then_reopen_counts_each_stop_once(people, service, clock):
    """Opened Monday 6 Jan 09:00, P3 → due 13:00. Hold 10:00–11:00 (1 h): due 14:00.
    Hold again at 12:00 and resolve from hold at 12:30; reopen Tuesday 09:00: used so far
    09:00–10:00 + 11:00–12:00 = 2 h, so the other 2 h end Tuesday 11:00."""
    clock.set(london(2025, 1, 6, 9, 0))
    incident = open_incident(people, service, london(2025, 1, 6, 9, 0))
    incident = move(incident=incident, action="start", actor=people["agent"])
    for at, verb in [((10, 0), "hold"), ((11, 0), "resume"), ((12, 0), "hold")]:
        clock.set(london(2025, 1, 6, *at))
        incident = move(incident=incident, action=verb, actor=people["agent"])
    assert incident.resolution_due == london(2025, 1, 6, 14, 0)
    clock.set(london(2025, 1, 6, 12, 30))
    incident = resolve(incident, people["agent"])
    clock.set(london(2025, 1, 7, 9, 0))
    incident = move(incident=incident, action="reopen", actor=people["agent"])
    assert incident.resolution_due == london(2025, 1, 7, 11, 0)
    assert list(incident.pauses.values_list("reason", flat=True)) == [
        "on_hold",
        "on_hold",
        "resolved",
    ]


def test_resolving_late_flags_the_breach_with_an_audit_row(people, service, clock):
    clock.set(london(2025, 1, 6, 9, 0))
    incident = open_incident(people, service, london(2025, 1, 6, 9, 0))
    incident = move(incident=incident, action="start", actor=people["agent"])
    clock.set(london(2025, 1, 6, 14, 0))  # due 13:00
    incident = resolve(incident, people["agent"])
    assert incident.resolution_breached is True
    assert AuditEvent.objects.filter(action="incident.sla_breached").count() == 1
    assert sla_state(incident, now=clock.now)["resolution_breached"] is True


# --- the escalation scan ------------------------------------------------------------------


@pytest.fixture
def escalating(people, service, clock):
    """P3 opened Monday 6 Jan 09:00 (warn at 12:00, due 13:00), assigned to `agent`; the
    team lead is `agent2`."""
    people["team"].lead = people["agent2"]
    people["team"].save()
    clock.set(london(2025, 1, 6, 9, 0))
    incident = open_incident(people, service, london(2025, 1, 6, 9, 0))
    return move(
        incident=incident,
        action="assign",
        actor=people["agent"],
        data={"assignee": people["agent"]},
    )


def test_scan_warns_the_assignee_once_at_75_percent(
    people, escalating, clock, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    clock.set(london(2025, 1, 6, 11, 59))
    with django_capture_on_commit_callbacks(execute=True):
        assert sla_actions.sla_escalate(now=clock.now)["warned"] == 0
    clock.set(london(2025, 1, 6, 12, 0))
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            sla_actions.sla_escalate(now=clock.now)
    (message,) = mail.outbox
    assert message.to == [people["agent"].email] and "75%" in message.subject
    escalating.refresh_from_db()
    assert escalating.sla_escalation_level == 1 and escalating.resolution_breached is False


def test_scan_flags_the_breach_and_mails_the_team_lead_once(
    people, escalating, clock, django_capture_on_commit_callbacks
):
    clock.set(london(2025, 1, 6, 12, 30))
    with django_capture_on_commit_callbacks(execute=True):
        sla_actions.sla_escalate(now=clock.now)
    mail.outbox.clear()
    clock.set(london(2025, 1, 6, 13, 1))
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            sla_actions.sla_escalate(now=clock.now)
    (message,) = mail.outbox
    assert message.to == [people["agent2"].email] and "SLA breached" in message.subject
    escalating.refresh_from_db()
    assert (escalating.sla_escalation_level, escalating.resolution_breached) == (2, True)
    assert AuditEvent.objects.filter(
        action="incident.sla_breached", object_id=str(escalating.pk)
    ).exists()


def test_scan_jumping_past_the_due_time_sends_only_the_breach_mail(
    people, escalating, clock, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    clock.set(london(2025, 1, 7, 9, 0))
    with django_capture_on_commit_callbacks(execute=True):
        done = sla_actions.sla_escalate(now=clock.now)
    assert done["breached"] == 1 and done["warned"] == 0
    assert [m.to for m in mail.outbox] == [[people["agent2"].email]]


def test_scan_marks_unanswered_incidents_past_the_response_target(people, service, clock):
    clock.set(london(2025, 1, 6, 9, 0))
    incident = open_incident(people, service, london(2025, 1, 6, 9, 0))  # response due 10:00
    clock.set(london(2025, 1, 6, 10, 5))
    assert sla_actions.sla_escalate(now=clock.now)["response_breached"] == 1
    assert sla_actions.sla_escalate(now=clock.now)["response_breached"] == 0
    incident.refresh_from_db()
    assert incident.response_breached is True


def test_a_first_reply_after_the_response_target_breaches_it_at_once(people, service, clock):
    clock.set(london(2025, 1, 6, 9, 0))
    late = open_incident(people, service, london(2025, 1, 6, 9, 0))  # response due 10:00
    on_time = open_incident(people, service, london(2025, 1, 6, 9, 0))
    clock.set(london(2025, 1, 6, 9, 50))
    actions.incident_comment_add(incident=on_time, actor=people["agent"], body="Looking.")
    clock.set(london(2025, 1, 6, 10, 1))  # before any scan has run
    actions.incident_comment_add(incident=late, actor=people["agent"], body="Looking.")
    late.refresh_from_db()
    on_time.refresh_from_db()
    assert late.response_breached is True and on_time.response_breached is False
    event = AuditEvent.objects.get(action="incident.sla_breached", object_id=str(late.pk))
    assert event.changes == {"response_breached": [False, True]}
    assert event.actor == people["agent"]
    # The scan has nothing left to flag and writes no second row.
    assert sla_actions.sla_escalate(now=clock.now)["response_breached"] == 0
    assert AuditEvent.objects.filter(action="incident.sla_breached").count() == 1


def test_a_late_first_reply_racing_the_scan_leaves_one_breach_row(
    people, service, clock, monkeypatch
):
    """The minute scan flags the missed response (with its own audit row) after the reply
    has read the incident and before it writes: the reply finds the flag set and writes no
    second `incident.sla_breached` row (it used to judge the flag as read, and audit again)."""
    clock.set(london(2025, 1, 6, 9, 0))
    incident = open_incident(people, service, london(2025, 1, 6, 9, 0))  # response due 10:00
    clock.set(london(2025, 1, 6, 10, 5))
    stamp = actions.sla.business_minutes_stamp

    def scan_runs_meanwhile(read):
        assert sla_actions.sla_escalate(now=clock.now)["response_breached"] == 1
        stamp(read)

    monkeypatch.setattr(actions.sla, "business_minutes_stamp", scan_runs_meanwhile)
    actions.incident_comment_add(incident=incident, actor=people["agent"], body="Looking.")

    incident.refresh_from_db()
    assert incident.response_breached is True
    assert incident.first_responded_at == london(2025, 1, 6, 10, 5)
    events = AuditEvent.objects.filter(action="incident.sla_breached", object_id=str(incident.pk))
    assert [(e.actor, e.changes) for e in events] == [(None, {"response_breached": [False, True]})]


def test_a_late_first_move_breaches_the_response_target(people, service, clock):
    clock.set(london(2025, 1, 6, 9, 0))
    incident = open_incident(people, service, london(2025, 1, 6, 9, 0))  # response due 10:00
    clock.set(london(2025, 1, 6, 11, 0))
    moved = move(incident=incident, action="start", actor=people["agent"])
    assert moved.response_breached is True
    assert Incident.objects.get(pk=incident.pk).response_breached is True
    # A requester's own reply is not a response.
    other = open_incident(people, service, london(2025, 1, 6, 11, 0))  # due 12:00
    clock.set(london(2025, 1, 6, 12, 30))
    actions.incident_comment_add(incident=other, actor=people["requester"], body="Any news?")
    assert Incident.objects.get(pk=other.pk).response_breached is False


def test_scan_leaves_paused_clocks_alone(people, service, clock):
    clock.set(london(2025, 1, 6, 9, 0))
    incident = open_incident(people, service, london(2025, 1, 6, 9, 0))
    incident = move(incident=incident, action="start", actor=people["agent"])
    incident = move(incident=incident, action="hold", actor=people["agent"])
    clock.set(london(2025, 1, 8, 9, 0))
    assert sla_actions.sla_escalate(now=clock.now) == {
        "response_breached": 0,
        "warned": 0,
        "breached": 0,
    }


def test_the_sla_scan_is_on_the_beat_schedule():
    from core.celery import app

    assert app.conf.beat_schedule["servicedesk-sla-scan"]["task"] == "servicedesk.tasks.sla_scan"


# --- the API -------------------------------------------------------------------------------


def test_incident_api_returns_the_sla_object(people, service, clock):
    clock.set(london(2025, 1, 10, 16, 0))
    incident = open_incident(people, service, london(2025, 1, 10, 16, 0))
    clock.set(london(2025, 1, 13, 9, 30))
    body = assert_status(people["requester"], "get", f"/api/v1/incidents/{incident.pk}/", 200)
    sla = body.json()["sla"]
    assert set(sla) == {
        "policy",
        "response_due",
        "resolution_due",
        "responded_at",
        "response_breached",
        "resolution_breached",
        "paused",
        "remaining_business_minutes",
    }
    assert sla["policy"] == "Standard"
    assert sla["resolution_due"] == "2025-01-13T12:00:00Z"
    assert sla["response_breached"] is True  # due Friday 17:00, no response yet
    assert sla["resolution_breached"] is False and sla["paused"] is False
    assert sla["remaining_business_minutes"] == 150


def test_incident_list_sorts_by_resolution_due(people, service, clock):
    clock.set(london(2025, 1, 10, 16, 0))
    late = open_incident(people, service, london(2025, 1, 10, 9, 0), impact=3, urgency=3)
    soon = open_incident(people, service, london(2025, 1, 10, 15, 0), impact=1, urgency=1)
    rows = assert_status(
        people["agent"], "get", "/api/v1/incidents/?ordering=resolution_due", 200
    ).json()["results"]
    assert [r["number"] for r in rows] == [soon.number, late.number]


def test_incident_list_with_sla_policies_keeps_its_query_budget(
    people, service, clock, django_assert_max_num_queries
):
    clock.set(london(2025, 1, 10, 16, 0))
    for _ in range(20):
        open_incident(people, service, london(2025, 1, 10, 9, 0))
    assert Incident.objects.filter(resolution_due__isnull=False).count() == 20
    api = client_for(people["agent"])
    with django_assert_max_num_queries(8):
        assert len(api.get("/api/v1/incidents/?page_size=30").json()["results"]) == 20


# --- the console ---------------------------------------------------------------------------


def test_breaching_soon_lists_running_clocks_due_within_two_hours_by_due_time(
    people, service, client
):
    """Now is real time; incidents are opened now with P1 (60 min) on a 24x7 policy, or
    long ago (already breached), or on hold, or with a far due time (P5 on 24x7: 16 h)."""
    from django.utils import timezone

    from servicedesk.models import BusinessCalendar

    round_clock = sla_policy("Round the clock", BusinessCalendar.objects.get(is_builtin=True))
    svc = ServiceFactory(name="Always", sla_policy=round_clock)
    now = timezone.now()
    soon = open_incident(people, svc, now, impact=1, urgency=1)
    late = open_incident(people, svc, now - timedelta(days=2), impact=1, urgency=1)
    far = open_incident(people, svc, now, impact=3, urgency=3)
    held = open_incident(people, svc, now, impact=1, urgency=1)
    held = move(incident=held, action="start", actor=people["agent"])
    move(incident=held, action="hold", actor=people["agent"])
    client.force_login(people["agent"])
    page = client.get("/desk/?view=breaching").content.decode()
    assert page.index(late.number) < page.index(soon.number)
    assert far.number not in page and held.number not in page
    assert "Breached" in page and "left" in page
    api = assert_status(people["agent"], "get", "/api/v1/incidents/?sla=breaching", 200).json()
    assert {r["number"] for r in api["results"]} == {late.number, soon.number}
    paused = assert_status(people["agent"], "get", "/api/v1/incidents/?sla=paused", 200).json()
    assert [r["number"] for r in paused["results"]] == [held.number]


def test_queue_with_sla_badges_keeps_a_constant_query_count(
    people, service, client, clock, django_assert_max_num_queries
):
    clock.set(london(2025, 1, 10, 16, 0))
    for _ in range(25):
        incident = open_incident(people, service, london(2025, 1, 10, 9, 0))
        Incident.objects.filter(pk=incident.pk).update(assignee=people["agent"])
    client.force_login(people["agent"])
    client.get("/desk/?view=mine&sort=due")  # warm the session and calendar caches
    with django_assert_max_num_queries(16):
        page = client.get("/desk/?view=mine&sort=due").content.decode()
    assert page.count('data-testid="sla-badge"') == 25


@pytest.mark.parametrize(
    ("minutes", "text"), [(45, "45m"), (130, "2h 10m"), (-75, "1h 15m"), (120, "2h"), (3001, "50h")]
)
def test_business_duration_text(minutes, text):
    from servicedesk.templatetags.servicedesk_sla import business_duration

    assert business_duration(minutes) == text


def test_seed_demo_gives_clocks_surveys_outages_and_costs_and_is_idempotent(db):
    from django.core.management import call_command

    from servicedesk.models import Outage, ServiceCost, Survey
    from servicedesk.queries import csat

    call_command("seed_demo")
    counts = (Survey.objects.count(), Outage.objects.count(), ServiceCost.objects.count())
    call_command("seed_demo")
    assert (Survey.objects.count(), Outage.objects.count(), ServiceCost.objects.count()) == counts
    assert Incident.objects.exclude(status="cancelled").filter(resolution_due=None).count() == 0
    result = csat(Survey.objects.all())
    assert 0 < result["answered"] < result["sent"] and result["csat_pct"] is not None
    assert Incident.objects.filter(resolution_breached=True).exists()
    assert sla_actions.sla_escalate()["breached"] == 0  # the demo starts without a mail burst
