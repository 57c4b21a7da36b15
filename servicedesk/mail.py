"""Building the notification mails: recipients by rule, bodies from templates."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from core.fields import subject_line
from core.notifications import threading_headers, wanted
from core.roles import works_tickets
from servicedesk.models import Incident, IncidentComment, Survey


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
    to = wanted(sorted(set(recipients_for(incident, kind, comment))), kind)
    if not to:
        return 0
    to_requester = incident.requester.email in to and not works_tickets(incident.requester)
    view = "servicedesk:portal_incident" if to_requester else "servicedesk:incident_detail"
    context = {
        "incident": incident,
        "kind": kind,
        "comment": comment,
        "link": settings.SITE_URL.rstrip("/") + reverse(view, args=[incident.number]),
        "survey_link": None,
    }
    if kind == "resolved" and to_requester:
        # The CSAT survey link rides on the resolution mail: one mail, one click.
        survey = Survey.objects.filter(incident=incident, answered_at__isnull=True).first()
        if survey is not None:
            context["survey_link"] = settings.SITE_URL.rstrip("/") + reverse(
                "servicedesk:survey", args=[survey.token]
            )
    return _send(incident, "subject.txt", "incident.txt", context, to)


def sla_recipients(incident: Incident, level: int) -> list[str]:
    """Level 1 (75% used): the assignee, else the team. Level 2 (breached): the team lead,
    else the team."""
    if level >= 2:
        lead = incident.team.lead if incident.team_id else None
        if lead is not None and lead.email:
            return [lead.email]
        return _team_addresses(incident)
    return _agent_addresses(incident)


def send_sla_mail(incident: Incident, level: int) -> int:
    """One escalation mail for one level; the link goes to the console."""
    to = wanted(sorted(set(sla_recipients(incident, level))), "sla")
    if not to:
        return 0
    context = {
        "incident": incident,
        "level": level,
        "link": settings.SITE_URL.rstrip("/")
        + reverse("servicedesk:incident_detail", args=[incident.number]),
    }
    return _send(incident, "sla_subject.txt", "sla.txt", context, to)


def _send(incident: Incident, subject_template: str, text_template: str, context, to) -> int:
    """One mail in text and HTML, threaded per ticket, replies routed to email-in."""
    # A subject is one header line: a title stored with a line break must not stop the mail.
    subject = subject_line(render_to_string(f"servicedesk/email/{subject_template}", context))
    body = render_to_string(f"servicedesk/email/{text_template}", context)
    message = EmailMultiAlternatives(
        subject=subject, body=body, to=to, headers=threading_headers(incident.number)
    )
    settings_link = settings.SITE_URL.rstrip("/") + reverse("notification_settings")
    html = render_to_string(
        "email/layout.html",
        {**context, "subject": subject, "text": body, "settings_link": settings_link},
    )
    message.attach_alternative(html, "text/html")
    return message.send()
