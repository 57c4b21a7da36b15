"""What every Celery task of ours declares: acknowledged after it ran (a worker that dies
mid-task leaves the message to be redelivered), hard and soft time limits, and retries with
exponential backoff and jitter on transient failures (network, database connection). Tasks
are idempotent, so a retry or a redelivery never doubles an effect."""

from django.db import InterfaceError, OperationalError

TRANSIENT_ERRORS = (OSError, OperationalError, InterfaceError)


def task_policy(*, time_limit: int, max_retries: int = 5, **options) -> dict:
    return {
        "acks_late": True,
        "time_limit": time_limit,
        "soft_time_limit": max(time_limit - 10, int(time_limit * 0.9)),
        "autoretry_for": TRANSIENT_ERRORS,
        "retry_backoff": True,
        "retry_backoff_max": 600,
        "retry_jitter": True,
        "max_retries": max_retries,
        **options,
    }
