"""Who wants which email: per-user preferences and the threading headers of our mail."""

import logging
from email.utils import make_msgid

from django.conf import settings

from core.models import NotificationSetting

logger = logging.getLogger(__name__)


def queue(task, *args) -> None:
    """Hand a notification task to Celery, after the write it tells about has committed.

    A notification never undoes or hides that write: if the task cannot be queued (broker
    down) or, in the embedded mode where Celery runs it in-process at once and does not
    retry, it fails (SMTP down, a header the mail backend refuses), the failure is logged
    and the request answers as it would have. With a broker the worker runs the task and
    retries transient failures with backoff (core/task_policy.py)."""
    try:
        task.delay(*args)
    except Exception:
        logger.exception(
            "Notification %s%r failed; the change it tells about is saved", task.name, args
        )


def wanted(addresses: list[str], event: str) -> list[str]:
    """`addresses` minus users who switched this event off (team mailboxes always get it)."""
    if not addresses:
        return []
    muted = set(
        NotificationSetting.objects.filter(
            user__email__in=addresses, event=event, email=False
        ).values_list("user__email", flat=True)
    )
    return [a for a in addresses if a not in muted]


def threading_headers(thread_key: str) -> dict[str, str]:
    """Headers that thread every mail about one ticket together in mail clients, with
    replies routed to the service desk mailbox (email in matches the thread key)."""
    root = f"<{thread_key}@servicehub>"
    return {
        "Message-ID": make_msgid(idstring=thread_key, domain="servicehub"),
        "In-Reply-To": root,
        "References": root,
        "Reply-To": settings.EMAIL_IN_ADDRESS,
    }
