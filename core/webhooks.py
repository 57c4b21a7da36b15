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
import queue
import threading
import time
import urllib.error
import urllib.request
import uuid
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import close_old_connections, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

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


# Every event `publish` sends, so that each can be subscribed to by name. The lifecycles
# (core.lifecycle.Lifecycle) add their `<name>.transitioned` and their moves' extra events as
# they are defined; the events published by explicit `publish()` calls are declared here, and
# `publish` refuses any other, so the list cannot drift from what is sent.
EVENTS: set[str] = {
    "incident.created",
    "incident.commented",
    "request.created",
    "request.commented",
    "kpi.off_target",
}
# The modules that define the apps' lifecycles (imported in every installed app that has one).
LIFECYCLE_MODULES = ("lifecycle", "request_lifecycle", "handoff_lifecycle")


def register_events(*events: str) -> None:
    EVENTS.update(e for e in events if e)


def known_events() -> list[str]:
    """Every event that can be sent, sorted (the lifecycles' modules loaded first)."""
    autodiscover_modules(*LIFECYCLE_MODULES)
    return sorted(EVENTS)


def subscribable() -> set[str]:
    """What an endpoint may subscribe to: each event, `<object>.*`, and `*`."""
    events = known_events()
    return {"*", *events, *(e.split(".")[0] + ".*" for e in events)}


def publish(*, event: str, data: dict, internal: bool = False) -> None:
    """Queue `event` for every subscribed endpoint once the current transaction commits."""
    if event not in EVENTS:
        raise ValueError(f"Undeclared webhook event {event!r}: add it to core.webhooks.EVENTS.")
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
            next_attempt_at=occurred_at,
        )
        dispatch(delivery.pk)


def dispatch(delivery_id: int) -> None:
    """Hand a delivery to Celery; in-process mode hands it to the one sender thread, so requests
    never wait for a receiver."""
    from core.tasks import deliver_webhook

    if deliver_webhook.app.conf.task_always_eager and not settings.WEBHOOKS_INLINE:
        SENDER.submit(delivery_id)
        return
    try:
        deliver_webhook.delay(delivery_id)
    except Exception:  # noqa: BLE001 - a broker outage must not fail the user's request
        logger.exception("could not queue webhook delivery %s; it stays pending", delivery_id)


def backoff_seconds(attempts: int) -> int:
    """How long after its `attempts`-th failed try a delivery is tried again."""
    return min(settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), 3600)


def due_deliveries(now=None) -> list[int]:
    """Pending deliveries whose next try is due (oldest first)."""
    now = now or timezone.now()
    due = WebhookDelivery.objects.filter(
        status=WebhookDelivery.PENDING, next_attempt_at__lte=now
    ).order_by("next_attempt_at", "id")
    return list(due.values_list("pk", flat=True)[:500])


class EmbeddedSender:
    """In-process mode (no broker): one daemon thread sends every delivery, one at a time, and
    every few seconds picks up the deliveries whose retry is due. One writer for the delivery
    log instead of a thread per delivery all writing to SQLite at once, and retries with backoff
    without a worker or a beat."""

    def __init__(self, poll_seconds: float = 2.0):
        self.poll_seconds = poll_seconds
        self.queue: queue.Queue[int] = queue.Queue()
        self.queued: set[int] = set()
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None
        self.stopping = threading.Event()

    def start(self) -> None:
        """Run the thread now (the serving process starts it: deliveries left pending by a
        restart or by a command that ended are swept at once, not at the next event)."""
        with self.lock:
            self._ensure_thread()

    def _ensure_thread(self) -> None:
        if self.thread is None or not self.thread.is_alive():
            self.stopping.clear()
            self.thread = threading.Thread(target=self._run, name="webhook-sender", daemon=True)
            self.thread.start()

    def stop(self, timeout: float = 10) -> None:
        """End the thread after the delivery it is sending (tests; a server ends it by
        exiting)."""
        self.stopping.set()
        thread = self.thread
        if thread is not None:
            thread.join(timeout)

    def submit(self, delivery_id: int) -> None:
        with self.lock:
            self._ensure_thread()
            if delivery_id in self.queued:
                return
            self.queued.add(delivery_id)
        self.queue.put(delivery_id)

    def _run(self) -> None:
        swept = float("-inf")
        while not self.stopping.is_set():
            # Due retries are swept every poll_seconds whatever the queue holds (a steady
            # stream of new events kept the queue from ever being empty, and retries waited).
            if time.monotonic() - swept >= self.poll_seconds:
                swept = time.monotonic()
                self._guarded(self._sweep)
            try:
                delivery_id = self.queue.get(timeout=self.poll_seconds)
            except queue.Empty:
                continue
            try:
                self._guarded(partial(self._send, delivery_id))
            finally:
                with self.lock:
                    self.queued.discard(delivery_id)

    def _sweep(self) -> None:
        for delivery_id in due_deliveries():
            self.submit(delivery_id)

    def _send(self, delivery_id: int) -> None:
        from core.tasks import deliver_webhook

        deliver_webhook.apply(args=(delivery_id,), kwargs={"due_only": True})

    def _guarded(self, work) -> None:
        close_old_connections()
        try:
            work()
        except Exception:  # noqa: BLE001 - the sender goes on; the row is retried when due
            logger.exception("webhook sender: %s failed", getattr(work, "__name__", work))
        finally:
            connection.close()


SENDER = EmbeddedSender()


def claim_lease(now=None):
    """Until when a delivery being sent is left alone by other sweeps (its try's time-out,
    twice, and a margin); a sender that died mid-try leaves it due again after that."""
    return (now or timezone.now()) + timedelta(seconds=settings.WEBHOOK_TIMEOUT_SECONDS * 2 + 5)


def attempt_delivery(delivery_id: int, *, due_only: bool = False) -> bool:
    """One try: POST the signed envelope, record the attempt and when the next one is due (none
    once delivered or out of attempts); True when delivered. `due_only`: not before its time."""
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    if delivery.status != WebhookDelivery.PENDING:
        return delivery.status == WebhookDelivery.DELIVERED
    if due_only:
        # Claimed before the POST: a sweep in another process (a command beside the server)
        # finds it not due and leaves it, instead of sending it a second time.
        now = timezone.now()
        claimed = (
            WebhookDelivery.objects.filter(pk=delivery_id, status=WebhookDelivery.PENDING)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .update(next_attempt_at=claim_lease(now))
        )
        if not claimed:
            return False
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
        locked.last_error = "" if ok else error or f"HTTP {status_code}"
        locked.next_attempt_at = None
        if ok:
            locked.status, locked.delivered_at = WebhookDelivery.DELIVERED, timezone.now()
        elif locked.attempts >= MAX_ATTEMPTS:
            locked.status = WebhookDelivery.FAILED
        else:
            locked.next_attempt_at = timezone.now() + timedelta(
                seconds=backoff_seconds(locked.attempts)
            )
        locked.save(
            update_fields=["attempts", "status", "delivered_at", "next_attempt_at", "last_error"]
        )
    return ok


def redeliver(delivery: WebhookDelivery) -> None:
    """Send a delivery again (from the admin pages or the API), with a fresh attempt budget."""
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=WebhookDelivery.PENDING, attempts=0, next_attempt_at=timezone.now()
    )
    transaction.on_commit(partial(dispatch, delivery.pk))
