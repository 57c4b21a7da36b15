"""Thin Celery wrappers of the projects app: ids in, a mail out."""

from celery import shared_task

from projects.mail import send_handoff_accepted_mail
from projects.models import Handoff

RETRY = {"autoretry_for": (OSError,), "retry_backoff": True, "max_retries": 5, "acks_late": True}


@shared_task(**RETRY)
def notify_handoff_accepted(handoff_id: int) -> int:
    """Tell the support team that the service is theirs now (with the hypercare window)."""
    handoff = (
        Handoff.objects.select_related("project", "service", "support_team", "decided_by")
        .filter(pk=handoff_id)
        .first()
    )
    return send_handoff_accepted_mail(handoff) if handoff else 0
