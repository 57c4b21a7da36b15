"""Service levels of requests: when a request waits for which milestone, whether it missed it,
and the `sla` filter's conditions.

A request waits for two milestones, each with its due time (servicedesk/request_lifecycle.py
sets them): its **response** (`response_due`, from the SLA policy's priority-4 target) from
submission until an agent starts it, answers publicly or fulfils it; its **delivery**
(`resolution_due`, the item's delivery days from when the work may start; none while it
awaits approval) until it is fulfilled. Cancelling or rejecting ends both waits.

A flag (`response_breached`, `resolution_breached`) is set when the due time passed while the
request still waited for that milestone: by the minute scan
(`request_actions.request_sla_scan`, SQL over all open requests) or by the move that ends the
wait late (`request_breaches_mark`, under the row lock), whichever comes first. Once set it
stays set, as an incident's does; each setting leaves one audit row.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q

from servicedesk import business_time, catalogue
from servicedesk.choices import RequestStatus
from servicedesk.models import BusinessCalendar, Service, ServiceRequest
from servicedesk.models.requests import OPEN_REQUEST_STATES
from servicedesk.sla import builtin_24x7, calendar_for, flags_mark, missed_by, policy_for

BREACHING_SOON = timedelta(hours=2)
DONE_STATES = (RequestStatus.FULFILLED, RequestStatus.CLOSED)
ENDED_STATES = (RequestStatus.CANCELLED, RequestStatus.REJECTED)
SLA_CHOICES = [
    (
        "breaching",
        "Breaching soon: an open request whose response or delivery is due within 2 h, or overdue",
    ),
    (
        "breached",
        "A response or delivery target missed: flagged, or overdue now while still waiting",
    ),
    ("ok", "No target missed (so far)"),
]

_OPEN = [str(state) for state in OPEN_REQUEST_STATES]


# --- the filter's conditions ----------------------------------------------------------------


def _waiting_for_response() -> Q:
    return Q(status__in=_OPEN, first_responded_at__isnull=True)


def breached_q(*, now: datetime) -> Q:
    """Requests that missed a target: flagged, or overdue now and still waiting (the scan
    has not run since), so the answer never depends on when the scan last ran."""
    return (
        Q(response_breached=True)
        | Q(resolution_breached=True)
        | (_waiting_for_response() & Q(response_due__lt=now))
        | Q(status__in=_OPEN, resolution_due__lt=now)
    )


def breaching_soon_q(*, now: datetime, within: timedelta = BREACHING_SOON) -> Q:
    """Open requests whose awaited response or delivery is due within `within`, or overdue."""
    soon = now + within
    return (_waiting_for_response() & Q(response_due__lte=soon)) | Q(
        status__in=_OPEN, resolution_due__lte=soon
    )


def filter_sla(qs, value: str, *, now: datetime):
    """`?sla=breaching|breached|ok` of the API and the request queue."""
    if value == "breaching":
        return qs.filter(breaching_soon_q(now=now))
    if value == "breached":
        return qs.filter(breached_q(now=now))
    if value == "ok":
        return qs.exclude(breached_q(now=now))
    return qs


# --- one request ------------------------------------------------------------------------------


def _waits_ended(request: ServiceRequest, *, at: datetime | None) -> tuple:
    """When the request stopped waiting for its response and for its delivery; `at` (or None:
    it still waits) for a wait that has not ended."""
    ended = None
    if not request.is_open:
        ended = request.fulfilled_at or request.closed_at or request.decided_at
    response = request.first_responded_at or request.fulfilled_at or ended or at
    delivery = request.fulfilled_at or ended or at
    return response, delivery


def request_breaches(request: ServiceRequest, *, now: datetime) -> tuple[bool, bool]:
    """(response missed, delivery missed): the flags, or what the scan would set now."""
    response_end, delivery_end = _waits_ended(request, at=None)
    return (
        request.response_breached or missed_by(request.response_due, response_end or now),
        request.resolution_breached or missed_by(request.resolution_due, delivery_end or now),
    )


def request_breaches_mark(request: ServiceRequest, *, at: datetime, actor=None) -> list[str]:
    """Set the flags of the targets missed by `at` (no save): call it under the row lock
    in a move that may end a wait (`at` = when the move happens). One audit row for the
    flags it sets; none when the scan set them already."""
    response_end, delivery_end = _waits_ended(request, at=at)
    missed = {
        "response_breached": missed_by(request.response_due, response_end or at),
        "resolution_breached": missed_by(request.resolution_due, delivery_end or at),
    }
    return flags_mark(request, missed, action="request.sla_breached", actor=actor)


def clock_calendar_row(service: Service, *, kept: dict | None = None) -> BusinessCalendar:
    """The calendar the request's clock runs on (request_lifecycle._clock_calendar's rule:
    the service's SLA policy, else the default policy, else the service hours, else 24x7),
    from the loaded service and the rows each worker keeps (servicedesk.catalogue). `kept`
    holds the default policy and 24x7 rows across the requests of one page."""
    kept = {} if kept is None else kept
    if service.sla_policy_id:
        return service.sla_policy.calendar
    if "default_policy" not in kept:
        kept["default_policy"] = catalogue.kept_row("default_policy", lambda: policy_for(None))
    if kept["default_policy"] is not None:
        return kept["default_policy"].calendar
    if service.service_hours_id:
        return service.service_hours
    if "builtin_24x7" not in kept:
        kept["builtin_24x7"] = catalogue.kept_row("builtin_24x7", builtin_24x7)
    return kept["builtin_24x7"]


def request_sla_state(request: ServiceRequest, *, now: datetime, cal=None) -> dict:
    """The request's service level in the shape of an incident's `sla` object (the SLA
    badge reads it): due times, whether each target is missed, and, while the delivery
    clock runs and a calendar `cal` is given, the business minutes left (negative once
    overdue). `done`/`ended` tell the badge a request fulfilled (Met/Missed) or cancelled."""
    response, resolution = request_breaches(request, now=now)
    state = {
        "response_due": request.response_due,
        "resolution_due": request.resolution_due,
        "responded_at": request.first_responded_at,
        "response_breached": response,
        "resolution_breached": resolution,
        "paused": False,
        "remaining_business_minutes": None,
        "done": request.status in DONE_STATES,
        "ended": request.status in ENDED_STATES,
    }
    if cal is not None and request.is_open and request.resolution_due is not None:
        seconds = business_time.remaining_business_seconds(cal, now=now, due=request.resolution_due)
        state["remaining_business_minutes"] = seconds // 60 if seconds >= 0 else -((-seconds) // 60)
    return state


def request_sla_states(requests, *, now: datetime) -> None:
    """Give each request of a page its `sla_info`: no statement per row (the services'
    policies and hours come joined, the default policy is read once per page, or not at
    all while the worker keeps it, and calendars are kept per process)."""
    kept: dict = {}
    for request in requests:
        cal = calendar_for(clock_calendar_row(request.service, kept=kept))
        request.sla_info = request_sla_state(request, now=now, cal=cal)


__all__ = [
    "BREACHING_SOON",
    "SLA_CHOICES",
    "breached_q",
    "breaching_soon_q",
    "clock_calendar_row",
    "filter_sla",
    "request_breaches",
    "request_breaches_mark",
    "request_sla_state",
    "request_sla_states",
]
