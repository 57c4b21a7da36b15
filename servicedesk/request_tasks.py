"""Thin Celery wrappers for request mail: ids in, a mail out (imported by tasks.py so the
worker registers them)."""

from celery import shared_task

from core.task_policy import task_policy
from servicedesk.models import RequestComment, ServiceRequest
from servicedesk.request_notifications import send_request_comment_mail, send_request_mail
from servicedesk.tasks import RETRY


@shared_task(**RETRY)
def notify_request(request_id: int, kind: str) -> int:
    request = (
        ServiceRequest.objects.select_related(
            "catalog_item", "requester", "approver", "assignee", "team__lead"
        )
        .filter(pk=request_id)
        .first()
    )
    return send_request_mail(request, kind) if request else 0


@shared_task(**RETRY)
def notify_request_comment(comment_id: int) -> int:
    comment = (
        RequestComment.objects.select_related(
            "author",
            "request__catalog_item",
            "request__requester",
            "request__assignee",
            "request__team",
        )
        .filter(pk=comment_id)
        .first()
    )
    return send_request_comment_mail(comment) if comment else 0


@shared_task(**task_policy(time_limit=55, max_retries=2, ignore_result=True))
def request_sla_scan() -> dict:
    """Every minute (beat, beside the incidents' sla_scan): flag missed request targets."""
    from servicedesk.request_actions import request_sla_scan as scan  # actions → tasks

    return scan()
