"""Outgoing webhooks: publish after commit, sign with HMAC-SHA256, deliver with retries.

Receivers verify `X-Servicehub-Signature: t=<unix>,v1=<hex>` where
hex = HMAC-SHA256(secret, f"{t}.{body}") and reject timestamps outside their replay
window (`verify_signature` below does both). `id` in the envelope is stable across
retries, so receivers can drop duplicates.
"""

import hashlib
import hmac
import json
import logging
import threading
import time
import urllib.error
import urllib.request
import uuid
from functools import partial

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from core.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 6
REPLAY_WINDOW_SECONDS = 300


def sign(secret: str, body: bytes, timestamp: int) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify_signature(secret: str, body: bytes, header: str, *, now: int | None = None) -> bool:
    """What a receiver does: check the MAC and that the timestamp is recent."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (ValueError, KeyError):
        return False
    now = int(time.time()) if now is None else now
    if abs(now - timestamp) > REPLAY_WINDOW_SECONDS:
        return False
    return hmac.compare_digest(sign(secret, body, timestamp), header)


def publish(*, event: str, data: dict, internal: bool = False) -> None:
    """Queue `event` for every subscribed endpoint once the current transaction commits."""
    occurred_at = timezone.now()
    transaction.on_commit(partial(_fan_out, event, data, internal, occurred_at))


def _fan_out(event: str, data: dict, internal: bool, occurred_at) -> None:
    endpoints = [e for e in WebhookEndpoint.objects.filter(active=True) if e.wants(event)]
    for endpoint in endpoints:
        if internal and not endpoint.include_internal:
            continue
        event_id = uuid.uuid4()
        envelope = {
            "id": str(event_id),
            "event": event,
            "occurred_at": occurred_at.isoformat(),
            "data": data,
        }
        delivery = WebhookDelivery.objects.create(
            endpoint=endpoint,
            event_id=event_id,
            event=event,
            payload=json.loads(json.dumps(envelope, cls=DjangoJSONEncoder)),
        )
        dispatch(delivery.pk)


def dispatch(delivery_id: int) -> None:
    """Hand a delivery to Celery; in-process mode uses a thread so requests never wait."""
    from core.tasks import deliver_webhook

    if deliver_webhook.app.conf.task_always_eager and not settings.WEBHOOKS_INLINE:
        threading.Thread(target=_deliver_in_thread, args=(delivery_id,), daemon=True).start()
        return
    try:
        deliver_webhook.delay(delivery_id)
    except Exception:  # noqa: BLE001 - a broker outage must not fail the user's request
        logger.exception("could not queue webhook delivery %s; it stays pending", delivery_id)


def _deliver_in_thread(delivery_id: int) -> None:
    from core.tasks import deliver_webhook

    try:
        deliver_webhook.apply(args=(delivery_id,))
    finally:
        connection.close()


def attempt_delivery(delivery_id: int) -> bool:
    """One try: POST the signed envelope, record the attempt; True when delivered."""
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    if delivery.status != WebhookDelivery.PENDING:
        return delivery.status == WebhookDelivery.DELIVERED
    body = json.dumps(delivery.payload, separators=(",", ":")).encode()
    request = urllib.request.Request(
        delivery.endpoint.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Servicehub-Webhooks/1",
            "X-Servicehub-Event": delivery.event,
            "X-Servicehub-Delivery": str(delivery.event_id),
            "X-Servicehub-Signature": sign(delivery.endpoint.secret, body, int(time.time())),
        },
    )
    started = time.monotonic()
    status_code, error = None, ""
    try:
        with urllib.request.urlopen(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            status_code = response.status
    except urllib.error.HTTPError as exc:
        status_code, error = exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        error = f"{exc.__class__.__name__}: {exc}"[:300]
    duration = int((time.monotonic() - started) * 1000)
    ok = status_code is not None and 200 <= status_code < 300
    with transaction.atomic():
        locked = WebhookDelivery.objects.select_for_update().get(pk=delivery_id)
        WebhookAttempt.objects.create(
            delivery=locked, status_code=status_code, error=error, duration_ms=duration
        )
        locked.attempts += 1
        if ok:
            locked.status, locked.delivered_at = WebhookDelivery.DELIVERED, timezone.now()
        elif locked.attempts >= MAX_ATTEMPTS:
            locked.status = WebhookDelivery.FAILED
        locked.save(update_fields=["attempts", "status", "delivered_at"])
    return ok


def redeliver(delivery: WebhookDelivery) -> None:
    """Send a delivery again (from the admin pages or the API), with a fresh attempt budget."""
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=WebhookDelivery.PENDING, attempts=0
    )
    transaction.on_commit(partial(dispatch, delivery.pk))
