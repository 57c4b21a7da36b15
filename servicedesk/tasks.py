"""Thin Celery wrappers: ids in, an action or a mail out."""

from celery import shared_task

from core.task_policy import task_policy
from servicedesk.mail import send_incident_mail, send_sla_mail
from servicedesk.models import Incident, IncidentComment

RETRY = task_policy(time_limit=120)  # mail: transient SMTP/database errors are retried


@shared_task(**RETRY)
def notify_incident(incident_id: int, kind: str) -> int:
    incident = (
        Incident.objects.select_related("requester", "assignee", "team")
        .filter(pk=incident_id)
        .first()
    )
    return send_incident_mail(incident, kind) if incident else 0


@shared_task(**RETRY)
def notify_comment(comment_id: int) -> int:
    comment = (
        IncidentComment.objects.select_related(
            "author", "incident__requester", "incident__assignee", "incident__team"
        )
        .filter(pk=comment_id)
        .first()
    )
    return send_incident_mail(comment.incident, "commented", comment) if comment else 0


@shared_task(**RETRY)
def notify_sla(incident_id: int, level: int) -> int:
    incident = (
        Incident.objects.select_related("assignee", "team__lead").filter(pk=incident_id).first()
    )
    return send_sla_mail(incident, level) if incident else 0


@shared_task(**task_policy(time_limit=55, max_retries=2, ignore_result=True))
def sla_scan() -> dict:
    """Every minute (beat): mark breaches and escalate once per level."""
    from servicedesk.sla_actions import sla_escalate  # sla_actions → notifications → tasks

    return sla_escalate()


@shared_task(**task_policy(time_limit=300, max_retries=2, ignore_result=True))
def poll_mailbox() -> dict:
    """Email in from IMAP (beat runs it every minute when EMAIL_IN_IMAP_URL is set)."""
    from django.conf import settings

    from servicedesk.mailbox import mailbox_poll

    if not settings.EMAIL_IN_IMAP_URL:
        return {}
    return mailbox_poll(url=settings.EMAIL_IN_IMAP_URL)


# Request mail tasks live beside the request code; importing them registers them here.
import servicedesk.request_tasks  # noqa: E402, F401
