"""Every non-trivial read of the service desk: visibility first, joins stated."""

from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from core.roles import is_staff_member, works_tickets
from servicedesk.availability import AvailabilityFigures, availability
from servicedesk.catalogue import with_catalogue
from servicedesk.choices import OPEN_INCIDENT_STATES, ServiceStatus
from servicedesk.lifecycle import service_states_for_incidents
from servicedesk.models import (
    Attachment,
    Incident,
    IncidentComment,
    Service,
    Survey,
)
from servicedesk.sla import breaching_soon_q, service_hours_for


def requester_scope_q(user) -> Q:
    """A requester's own tickets, plus their shared organisation's (incidents and requests:
    both carry `requester` and the `organisation` copied at opening)."""
    mine = Q(requester=user)
    if user.organisation_id and user.organisation.shared:
        mine |= Q(organisation_id=user.organisation_id)
    return mine


def incidents_visible_to(user) -> QuerySet[Incident]:
    """Staff see every incident; a requester their own, plus their shared organisation's."""
    qs = Incident.objects.all()
    if not (user and user.is_authenticated):
        return qs.none()
    if is_staff_member(user):
        return qs
    return qs.filter(requester_scope_q(user))


def incident_list_for(user) -> QuerySet[Incident]:
    """The queue/portal list: visible incidents with what a row shows.

    People are joined; the small catalogue tables (services, teams, organisations, SLA
    policies with their calendars) come from each worker's memory (servicedesk.catalogue):
    a seven-table join costs PostgreSQL more to plan than to run at a million rows, and
    reading them per page cost four statements (see docs/performance.md)."""
    return with_catalogue(incidents_visible_to(user).select_related("assignee", "requester"))


def incident_details_for(user) -> QuerySet[Incident]:
    """Visible incidents with everything one incident's page shows: people and survey joined,
    the catalogue rows from the worker's memory as for the lists (an eight-table join took
    PostgreSQL ~4 ms to plan for a 0.3 ms read of one row)."""
    return with_catalogue(
        incidents_visible_to(user).select_related("assignee", "requester", "survey")
    )


def incident_records_for(user) -> QuerySet[Incident]:
    """Visible incidents with what the API's incident object shows: people joined, the
    catalogue rows (service, team, SLA policy and its calendar) as for the lists."""
    return with_catalogue(incidents_visible_to(user).select_related("assignee", "requester"))


def incident_detail_for(user, **lookup) -> Incident:
    """One visible incident, or Incident.DoesNotExist (→ 404, never 403)."""
    return incident_details_for(user).get(**lookup)


def comments_visible_to(user, incident: Incident) -> QuerySet[IncidentComment]:
    qs = incident.comments.select_related("author").prefetch_related("attachments")
    return qs if works_tickets(user) or is_staff_member(user) else qs.filter(internal=False)


def conversation_for(user, incident: Incident) -> tuple[list[IncidentComment], list[Attachment]]:
    """The ticket page's comments, each with its visible attachments, and the attachments of
    the ticket itself: two statements (the attachments are read once and shared out)."""
    comments = list(comments_visible_to(user, incident).prefetch_related(None))
    return comments, share_out_attachments(comments, attachments_visible_to(user, incident))


def share_out_attachments(comments: list, attachments) -> list:
    """Give each comment its `visible_attachments` from one read of a ticket's attachments;
    returns those of the ticket itself (no comment)."""
    by_comment: dict[int, list] = {c.pk: [] for c in comments}
    own = []
    for attachment in attachments:
        if attachment.comment_id is None:
            own.append(attachment)
        elif attachment.comment_id in by_comment:
            by_comment[attachment.comment_id].append(attachment)
    for comment in comments:
        comment.visible_attachments = by_comment[comment.pk]
    return own


def attachments_visible_to(user, incident: Incident) -> QuerySet[Attachment]:
    qs = incident.attachments.select_related("comment", "uploaded_by")
    if is_staff_member(user):
        return qs
    return qs.filter(Q(comment__isnull=True) | Q(comment__internal=False))


def queue_counts(user) -> dict[str, int]:
    """Counts for the saved filters of the console, in one aggregate over open incidents
    (an index-only scan of the open ones, a small slice of a large table)."""
    soon = breaching_soon_q(now=timezone.now(), within=timedelta(hours=2))
    # Every column read is in the covering index `inc_open_counts`: it answers alone.
    counts = Incident.objects.filter(status__in=OPEN_INCIDENT_STATES).aggregate(
        breaching=Count("id", filter=soon),
        mine=Count("id", filter=Q(assignee=user)),
        unassigned=Count("id", filter=Q(assignee__isnull=True, status__in=["new", "assigned"])),
        team=Count("id", filter=Q(team_id__in=user.teams.order_by().values("id"))),
    )
    return {key: value or 0 for key, value in counts.items()}


def services_taking_incidents(*, staff: bool) -> QuerySet[Service]:
    """What the service pickers of new incidents and of moves offer: the services that take
    incidents (lifecycle.service_incident_refusal: live ones, planned ones too for staff; never
    retired ones). The actions refuse the others whatever the form offered."""
    return Service.objects.filter(status__in=sorted(service_states_for_incidents(staff=staff)))


def services_visible_to(user) -> QuerySet[Service]:
    """The catalog: requesters see live services; staff see all."""
    qs = Service.objects.select_related("owner", "support_team")
    return qs if is_staff_member(user) else qs.filter(status=ServiceStatus.LIVE)


# --- service levels ------------------------------------------------------------------------


def csat(surveys: QuerySet[Survey]) -> dict:
    """CSAT of a set of surveys, in one aggregate query.

    csat_pct = answered ratings of 4 or 5 ÷ all answered ratings × 100 (unanswered surveys
    are not counted); response_rate_pct = answered ÷ sent × 100. Both are Decimals with
    three decimals (rounded half up), or None when there is nothing to divide by.
    """
    figures = surveys.aggregate(
        sent=Count("pk"),
        answered=Count("pk", filter=Q(answered_at__isnull=False)),
        satisfied=Count("pk", filter=Q(answered_at__isnull=False, rating__gte=4)),
    )
    sent, answered, satisfied = figures["sent"], figures["answered"], figures["satisfied"]
    return {
        "csat_pct": _percent(satisfied, answered),
        "answered": answered,
        "satisfied": satisfied,
        "sent": sent,
        "response_rate_pct": _percent(answered, sent),
    }


def _percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.001"), ROUND_HALF_UP)


def surveys_visible_to(user) -> QuerySet[Survey]:
    """Staff see every survey; a requester only their own."""
    qs = Survey.objects.select_related("incident", "requester")
    if is_staff_member(user):
        return qs
    if not (user and user.is_authenticated):
        return qs.none()
    return qs.filter(requester=user)


def outages_overlapping(service: Service, *, start: datetime, end: datetime):
    """The service's outages that overlap [start, end) (ongoing ones included)."""
    return service.outages.filter(started_at__lt=end).filter(
        Q(ended_at__isnull=True) | Q(ended_at__gt=start)
    )


def outages_since(service: Service, *, start: datetime):
    """The service's outages that had not ended by `start`: those overlapping [start, now),
    the ongoing ones and the ones still to come (the service page reads them at once)."""
    return service.outages.filter(Q(ended_at__isnull=True) | Q(ended_at__gt=start))


def service_availability(
    service: Service, *, start: datetime, end: datetime, now: datetime
) -> AvailabilityFigures:
    """Availability of `service` over [start, end) from its outages and service hours
    (see servicedesk/availability.py for the definition)."""
    _, cal = service_hours_for(service)
    outages = list(
        outages_overlapping(service, start=start, end=end).values_list(
            "started_at", "ended_at", "kind"
        )
    )
    return availability(cal, window_start=start, window_end=end, outages=outages, now=now)
