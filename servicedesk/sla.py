"""SLA clocks on business calendars: building calendars, due times, and the `sla` state.

The arithmetic lives in `business_time` (pure, exact, DST-correct); this module feeds
it from the database:

- `calendar_for(row)` turns a `BusinessCalendar` row into a `business_time.Calendar`,
  cached per process and keyed by the row's id, `version` and `updated_at` (every change
  to a calendar, its intervals or its holidays saves the row: the pages and the API move
  its version, the admin its `updated_at`; two saves in the same clock tick still differ
  by version, so a stale entry is never hit).
- `incident_clock_apply` (re)computes `response_due`, `resolution_due` and the 75% warning
  point from `opened_at`, the target for the incident's *current* priority and its pause
  rows, so a priority change, a resume or a reopen always gives the exact answer from the
  original opening.
- `sla_state` is the `sla` object of the API and the console badges.

Clock rules: the response clock runs from opening, never paused (a hold counts as a
response anyway). The resolution clock stops while the incident is on hold or resolved
(each stop is an `IncidentPause`); a reopen continues it from where it stopped. An open
pause is treated as ending where it started, so stored due times stay frozen while the
clock stands still and move on by exactly the paused business time once it runs again.
"""

from __future__ import annotations

import threading
from datetime import datetime

from django.db.models import Q

from core.audit import audit_record
from servicedesk import business_time
from servicedesk.business_time import Calendar
from servicedesk.choices import IncidentStatus, PauseReason
from servicedesk.models import (
    BusinessCalendar,
    Incident,
    IncidentPause,
    Service,
    SLAPolicy,
    SLATarget,
)

# The warning (escalation level 1) fires at this share of the resolution target.
WARN_NUMERATOR, WARN_DENOMINATOR = 3, 4
RUNNING_STATES = (IncidentStatus.NEW, IncidentStatus.ASSIGNED, IncidentStatus.IN_PROGRESS)
_CACHE_MAX = 256
_cache: dict[tuple, Calendar] = {}
_cache_lock = threading.Lock()


# --- calendars ------------------------------------------------------------------------


def calendar_for(row: BusinessCalendar) -> Calendar:
    """The `business_time.Calendar` of a calendar row (two queries on a cache miss only)."""
    key = (row.pk, row.version, row.updated_at, row.time_zone)
    cached = _cache.get(key)
    if cached is not None:
        return cached
    intervals = tuple(row.intervals.values_list("weekday", "start_minute", "end_minute"))
    holidays = frozenset(row.holidays.values_list("date", flat=True))
    calendar = Calendar(tz=row.time_zone, intervals=intervals, holidays=holidays)
    with _cache_lock:
        if len(_cache) >= _CACHE_MAX:
            _cache.clear()
        _cache[key] = calendar
    return calendar


def calendar_cache_clear() -> None:
    with _cache_lock:
        _cache.clear()


def builtin_24x7() -> BusinessCalendar:
    """The built-in 24x7 calendar row (created by a migration)."""
    row = BusinessCalendar.objects.filter(is_builtin=True).order_by("pk").first()
    if row is None:  # only if someone deleted it behind the API's back
        row = BusinessCalendar.objects.create(name="24x7", time_zone="UTC", is_builtin=True)
        row.intervals.bulk_create(
            row.intervals.model(calendar=row, weekday=d, start_minute=0, end_minute=1440)
            for d in range(7)
        )
    return row


def service_hours_for(service: Service) -> tuple[BusinessCalendar, Calendar]:
    """The service's agreed service hours: its calendar, else the built-in 24x7."""
    row = service.service_hours if service.service_hours_id else builtin_24x7()
    return row, calendar_for(row)


# --- policies and due times -------------------------------------------------------------


def policy_for(service: Service | None) -> SLAPolicy | None:
    """The service's SLA policy, else the default policy, else None (no SLA)."""
    if service is not None and service.sla_policy_id:
        return SLAPolicy.objects.select_related("calendar").get(pk=service.sla_policy_id)
    return SLAPolicy.objects.select_related("calendar").filter(is_default=True).first()


def _pauses(incident: Incident) -> list[business_time.Pause]:
    # An open pause counts as ending where it started: due times freeze while paused.
    return [
        (start, end if end is not None else start)
        for start, end in IncidentPause.objects.filter(incident=incident).values_list(
            "started_at", "ended_at"
        )
    ]


def incident_clock_apply(incident: Incident) -> None:
    """Set the incident's due times from `opened_at`, the current priority's targets and
    the pause rows (no save). Without a policy or a target the SLA fields are cleared."""
    policy = incident.sla_policy
    target = (
        SLATarget.objects.filter(policy=policy, priority=incident.priority).first()
        if policy is not None
        else None
    )
    if target is None:
        incident.response_due = incident.resolution_due = incident.resolution_warn_at = None
        return
    cal = calendar_for(policy.calendar)
    pauses = _pauses(incident) if incident.pk else []
    incident.response_due = business_time.add_business_time(
        cal, start=incident.opened_at, minutes=target.response_minutes
    )
    incident.resolution_due = business_time.due_with_pauses(
        cal,
        opened_at=incident.opened_at,
        target_minutes=target.resolution_minutes,
        pauses=pauses,
    )
    # 75% of the target in whole minutes (rounded down): 240 → 180 business minutes.
    incident.resolution_warn_at = business_time.due_with_pauses(
        cal,
        opened_at=incident.opened_at,
        target_minutes=target.resolution_minutes * WARN_NUMERATOR // WARN_DENOMINATOR,
        pauses=pauses,
    )


def business_minutes_stamp(incident: Incident) -> None:
    """Stamp the business minutes to first response and to resolution (no save), from the
    SLA calendar, with holds excluded from the resolution time. Without a policy: none."""
    policy = incident.sla_policy
    if policy is None:
        return
    cal = calendar_for(policy.calendar)
    if incident.first_responded_at and incident.response_business_minutes is None:
        seconds = business_time.business_seconds_between(
            cal, start=incident.opened_at, end=incident.first_responded_at
        )
        incident.response_business_minutes = seconds // 60
    if incident.resolved_at is None:
        incident.resolution_business_minutes = None
    else:
        holds = [(s, e) for s, e in _pauses(incident) if e <= incident.resolved_at and s < e]
        seconds = business_time.elapsed_business_seconds(
            cal, start=incident.opened_at, end=incident.resolved_at, pauses=holds
        )
        incident.resolution_business_minutes = seconds // 60


def breaches_mark(
    incident: Incident, *, at: datetime, actor=None, resolution: bool = True
) -> list[str]:
    """Set the breach flags that are true at `at` (no save); one audit row for the new ones.
    `resolution=False` judges the response alone (a first response given late).

    A breach flag, once set, stays set (the clock cannot un-breach by pausing)."""
    responded = incident.first_responded_at or at
    missed = {"response_breached": missed_by(incident.response_due, responded)}
    if resolution:
        missed["resolution_breached"] = missed_by(incident.resolution_due, at)
    return flags_mark(incident, missed, action="incident.sla_breached", actor=actor)


def missed_by(due: datetime | None, end: datetime) -> bool:
    """Whether a target due at `due` (None: no target) was missed by a wait ending at `end`."""
    return due is not None and end > due


def flags_mark(obj, missed: dict[str, bool], *, action: str, actor=None) -> list[str]:
    """Set each breach flag of `obj` (an incident, a service request) whose target `missed`
    says was missed and is not set yet (no save); one audit row for those it sets."""
    newly = [name for name, was in missed.items() if was and not getattr(obj, name)]
    for name in newly:
        setattr(obj, name, True)
    if newly:
        audit_record(
            actor=actor, action=action, obj=obj, changes={name: [False, True] for name in newly}
        )
    return newly


def pause_start(incident: Incident, *, at: datetime, reason: str) -> None:
    """Stop the resolution clock at `at` (called under the incident's row lock)."""
    if incident.resolution_due is None:
        incident.sla_paused_since = None
        return
    open_pause = IncidentPause.objects.filter(incident=incident, ended_at__isnull=True).first()
    if open_pause is not None and open_pause.reason == reason:
        return
    if open_pause is not None:  # on hold → resolved: one stop ends where the next begins
        IncidentPause.objects.filter(pk=open_pause.pk).update(ended_at=at)
    IncidentPause.objects.create(incident=incident, started_at=at, reason=reason)
    incident.sla_paused_since = at


def pause_end(incident: Incident, *, at: datetime) -> None:
    """Run the clock again from `at`: close the open pause and recompute the due times."""
    IncidentPause.objects.filter(incident=incident, ended_at__isnull=True).update(ended_at=at)
    incident.sla_paused_since = None
    incident_clock_apply(incident)


# --- the `sla` object -------------------------------------------------------------------


def _clock_stopped_at(incident: Incident) -> datetime | None:
    """Where the resolution clock stands still, or None while it runs."""
    status = incident.status
    if status in (IncidentStatus.RESOLVED, IncidentStatus.CLOSED):
        return incident.resolved_at or incident.sla_paused_since or incident.closed_at
    if status == IncidentStatus.CANCELLED:
        return incident.sla_paused_since or incident.closed_at
    if status == IncidentStatus.ON_HOLD:
        return incident.sla_paused_since
    return None


def _whole_minutes(seconds: int) -> int:
    """Seconds → whole minutes, truncated towards zero (−90 s is −1, 90 s is 1)."""
    return seconds // 60 if seconds >= 0 else -((-seconds) // 60)


def sla_state(incident: Incident, *, now: datetime) -> dict:
    """The incident's `sla` object (API, console badges, ticket page).

    - `response_breached`: first response (or now, if none yet) later than response_due.
    - `resolution_breached`: resolved (or now; or where the clock stopped) later than
      resolution_due, or flagged earlier by the escalation scan.
    - `paused`: the resolution clock stands still (on hold, or resolved and reopenable).
    - `remaining_business_minutes`: business minutes from now (or from where the clock
      stopped, while on hold) to resolution_due, negative once overdue, truncated to
      whole minutes; null when there is no SLA or the incident is resolved, closed or
      cancelled.
    """
    policy = incident.sla_policy
    state = {
        "policy": policy.name if policy is not None else None,
        "response_due": incident.response_due,
        "resolution_due": incident.resolution_due,
        "responded_at": incident.first_responded_at,
        "response_breached": bool(incident.response_breached),
        "resolution_breached": bool(incident.resolution_breached),
        "paused": False,
        "remaining_business_minutes": None,
    }
    if policy is None or incident.resolution_due is None:
        return state
    if incident.response_due is not None:
        responded = incident.first_responded_at
        if responded is None and incident.status in (
            IncidentStatus.CLOSED,
            IncidentStatus.CANCELLED,
        ):
            responded = incident.closed_at
        state["response_breached"] |= (responded or now) > incident.response_due
    stopped = _clock_stopped_at(incident)
    clock = stopped or now
    state["resolution_breached"] |= clock > incident.resolution_due
    state["paused"] = incident.status in (IncidentStatus.ON_HOLD, IncidentStatus.RESOLVED)
    if incident.is_open:
        cal = calendar_for(policy.calendar)
        seconds = business_time.remaining_business_seconds(
            cal, now=clock, due=incident.resolution_due
        )
        state["remaining_business_minutes"] = _whole_minutes(seconds)
    return state


def running_clocks():
    """Incidents whose resolution clock runs now (open and not on hold)."""
    return Incident.objects.filter(status__in=RUNNING_STATES)


def breaching_soon_q(*, now: datetime, within) -> Q:
    """Running clocks due within `within` (a timedelta) of `now`, or already overdue."""
    return Q(status__in=RUNNING_STATES, resolution_due__lte=now + within)


__all__ = [
    "PauseReason",
    "breaches_mark",
    "breaching_soon_q",
    "builtin_24x7",
    "calendar_cache_clear",
    "calendar_for",
    "incident_clock_apply",
    "pause_end",
    "pause_start",
    "policy_for",
    "running_clocks",
    "service_hours_for",
    "sla_state",
]
