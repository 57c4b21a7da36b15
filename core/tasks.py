import socket

from celery import shared_task


@shared_task(acks_late=True, time_limit=30)
def worker_ping(token: str) -> dict:
    """Round-trip check used by health tooling and the worker test."""
    return {"token": token, "host": socket.gethostname()}
