import logging
import socket

from celery import shared_task

from core.task_policy import task_policy

logger = logging.getLogger(__name__)


@shared_task(**task_policy(time_limit=30, max_retries=0))
def worker_ping(token: str) -> dict:
    """Round-trip check used by health tooling and the worker test."""
    return {"token": token, "host": socket.gethostname()}


@shared_task(bind=True, **task_policy(time_limit=60, max_retries=None))
def deliver_webhook(self, delivery_id: int, due_only: bool = False) -> bool:
    """Try a delivery; on failure retry with exponential backoff, bounded by the delivery's own
    attempt count (MAX_ATTEMPTS) rather than by Celery's. In-process mode does not sleep through
    the backoff: the delivery records when it is due and the embedded sender tries it then."""
    from core.models import WebhookDelivery
    from core.webhooks import MAX_ATTEMPTS, attempt_delivery, backoff_seconds

    try:
        if attempt_delivery(delivery_id, due_only=due_only):
            return True
        attempts = WebhookDelivery.objects.values_list("attempts", flat=True).get(pk=delivery_id)
    except WebhookDelivery.DoesNotExist:  # deleted with its endpoint meanwhile
        logger.info("webhook delivery %s no longer exists; nothing to deliver", delivery_id)
        return False
    if attempts >= MAX_ATTEMPTS or self.app.conf.task_always_eager:
        return False
    raise self.retry(countdown=backoff_seconds(attempts))
