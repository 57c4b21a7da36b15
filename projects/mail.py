"""The handoff mails: who gets them and what they say (text and HTML)."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from core.fields import subject_line
from core.notifications import wanted
from projects.hypercare import Hypercare
from projects.models import Handoff

EVENT = "handoff_accepted"


def support_team_addresses(handoff: Handoff) -> list[str]:
    """The support team's mailbox, else each member with an address."""
    team = handoff.support_team
    if team is None:
        return []
    if team.email:
        return [team.email]
    return sorted({u.email for u in team.members.all() if u.email})


def send_handoff_accepted_mail(handoff: Handoff) -> int:
    to = wanted(support_team_addresses(handoff), EVENT)
    if not to:
        return 0
    site = settings.SITE_URL.rstrip("/")
    context = {
        "handoff": handoff,
        "project": handoff.project,
        "hypercare": Hypercare.of(handoff.project),
        "service": handoff.service,
        "link": site + reverse("servicedesk:service_detail", args=[handoff.service_id]),
        "link_label": "Open the service",
    }
    subject = subject_line(render_to_string("projects/email/handoff_accepted_subject.txt", context))
    body = render_to_string("projects/email/handoff_accepted.txt", context)
    message = EmailMultiAlternatives(subject=subject, body=body, to=to)
    html = render_to_string(
        "email/layout.html",
        {
            **context,
            "subject": subject,
            "text": body,
            "settings_link": site + reverse("notification_settings"),
        },
    )
    message.attach_alternative(html, "text/html")
    return message.send()
