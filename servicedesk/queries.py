"""Every non-trivial read of the service desk: visibility first, joins stated."""

from django.db.models import Q, QuerySet

from core.roles import is_staff_member, works_tickets
from servicedesk.choices import OPEN_INCIDENT_STATES, ServiceStatus
from servicedesk.models import Attachment, Incident, IncidentComment, Service


def incidents_visible_to(user) -> QuerySet[Incident]:
    """Staff see every incident; a requester their own, plus their shared organisation's."""
    qs = Incident.objects.all()
    if not (user and user.is_authenticated):
        return qs.none()
    if is_staff_member(user):
        return qs
    mine = Q(requester=user)
    if user.organisation_id and user.organisation.shared:
        mine |= Q(organisation_id=user.organisation_id)
    return qs.filter(mine)


def incident_list_for(user) -> QuerySet[Incident]:
    """The queue/portal list: visible incidents with what a row shows joined in."""
    return incidents_visible_to(user).select_related(
        "service", "team", "assignee", "requester", "organisation", "sla_policy__calendar"
    )


def incident_detail_for(user, **lookup) -> Incident:
    """One visible incident, or Incident.DoesNotExist (→ 404, never 403)."""
    return incident_list_for(user).get(**lookup)


def comments_visible_to(user, incident: Incident) -> QuerySet[IncidentComment]:
    qs = incident.comments.select_related("author").prefetch_related("attachments")
    return qs if works_tickets(user) or is_staff_member(user) else qs.filter(internal=False)


def attachments_visible_to(user, incident: Incident) -> QuerySet[Attachment]:
    qs = incident.attachments.select_related("comment", "uploaded_by")
    if is_staff_member(user):
        return qs
    return qs.filter(Q(comment__isnull=True) | Q(comment__internal=False))


def queue_counts(user) -> dict[str, int]:
    """Counts for the saved filters of the console (bounded by indexed predicates)."""
    open_qs = Incident.objects.filter(status__in=OPEN_INCIDENT_STATES)
    team_ids = list(user.teams.values_list("id", flat=True))
    return {
        "mine": open_qs.filter(assignee=user).count(),
        "unassigned": open_qs.filter(assignee__isnull=True, status__in=["new", "assigned"]).count(),
        "team": open_qs.filter(team_id__in=team_ids).count() if team_ids else 0,
    }


def services_live() -> QuerySet[Service]:
    return Service.objects.filter(status=ServiceStatus.LIVE).select_related("owner", "support_team")


def services_visible_to(user) -> QuerySet[Service]:
    """The catalog: requesters see live services; staff see all."""
    qs = Service.objects.select_related("owner", "support_team")
    return qs if is_staff_member(user) else qs.filter(status=ServiceStatus.LIVE)
