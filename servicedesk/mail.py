"""Building the notification mails: recipients by rule, bodies from templates."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from core.roles import works_tickets
from servicedesk.models import Incident, IncidentComment


def _team_addresses(incident: Incident) -> list[str]:
    if incident.team is None:
        return []
    if incident.team.email:
        return [incident.team.email]
    return [u.email for u in incident.team.members.all() if u.email]


def _agent_addresses(incident: Incident) -> list[str]:
    if incident.assignee and incident.assignee.email:
        return [incident.assignee.email]
    return _team_addresses(incident)


def recipients_for(incident: Incident, kind: str, comment: IncidentComment | None = None):
    """Addresses for an event; requesters are never told about internal notes."""
    requester = [incident.requester.email] if incident.requester.email else []
    if kind in {"resolved", "opened"}:
        return requester
    if kind in {"assigned", "reopened"}:
        return _agent_addresses(incident)
    if kind == "commented" and comment is not None:
        if comment.internal:
            return [a for a in _agent_addresses(incident) if a != comment.author.email]
        if works_tickets(comment.author):
            return requester
        return _agent_addresses(incident)  # the requester replied
    return []


def send_incident_mail(
    incident: Incident, kind: str, comment: IncidentComment | None = None
) -> int:
    """Send one event's mail; the link goes to the portal for requesters, the console for agents."""
    to = sorted(set(recipients_for(incident, kind, comment)))
    if not to:
        return 0
    to_requester = incident.requester.email in to and not works_tickets(incident.requester)
    view = "servicedesk:portal_incident" if to_requester else "servicedesk:incident_detail"
    context = {
        "incident": incident,
        "kind": kind,
        "comment": comment,
        "link": settings.SITE_URL.rstrip("/") + reverse(view, args=[incident.number]),
    }
    subject = render_to_string("servicedesk/email/subject.txt", context).strip()
    body = render_to_string("servicedesk/email/incident.txt", context)
    message = EmailMultiAlternatives(subject=subject, body=body, to=to)
    message.extra_headers["References"] = f"<{incident.number}@servicehub>"
    return message.send()
