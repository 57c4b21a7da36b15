"""Thin Celery wrappers of the projects app: ids in, a mail out."""

from celery import shared_task

from core.task_policy import task_policy
from projects.mail import send_handoff_accepted_mail
from projects.models import Handoff

RETRY = task_policy(time_limit=120)


@shared_task(**RETRY)
def notify_handoff_accepted(handoff_id: int) -> int:
    """Tell the support team that the service is theirs now (with the hypercare window)."""
    handoff = (
        Handoff.objects.select_related("project", "service", "support_team", "decided_by")
        .filter(pk=handoff_id)
        .first()
    )
    return send_handoff_accepted_mail(handoff) if handoff else 0
