"""Webhooks against a real HTTP receiver on loopback: signing, retries, records, re-send."""

import json
import threading
import time
import uuid
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from core.models import WebhookDelivery, WebhookEndpoint
from core.webhooks import MAX_ATTEMPTS, sign, verify_signature
from servicedesk.actions import incident_transition
from tests.conftest import assert_status, client_for
from tests.servicedesk.factories import IncidentFactory

pytestmark = pytest.mark.django_db


class Receiver:
    """A loopback HTTP server answering with the status codes it is given, in order."""

    def __init__(self, codes):
        self.codes = list(codes)
        self.requests = []
        self.delay = 0.0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                time.sleep(receiver.delay)
                code = receiver.codes.pop(0) if receiver.codes else 200
                self.send_response(code)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


@pytest.fixture
def receiver():
    made = []

    def make(codes=()):
        r = Receiver(codes)
        made.append(r)
        return r

    yield make
    for r in made:
        r.close()


@pytest.fixture(autouse=True)
def inline(settings):
    settings.WEBHOOKS_INLINE = True


def endpoint_for(url, events=("incident.transitioned",), **kw):
    return WebhookEndpoint.objects.create(
        name="ci", url=url, secret="s3cret" * 4, events=list(events), **kw
    )


def test_signature_verifies_and_rejects_tampering_and_replays():
    body = b'{"a":1}'
    now = int(time.time())
    header = sign("k", body, now)
    assert verify_signature("k", body, header, now=now)
    assert not verify_signature("k", b'{"a":2}', header, now=now)
    assert not verify_signature("other", body, header, now=now)
    assert not verify_signature("k", body, header, now=now + 301)


def test_transition_is_delivered_signed_after_commit(
    people, receiver, django_capture_on_commit_callbacks
):
    r = receiver()
    endpoint = endpoint_for(r.url)
    incident = IncidentFactory(team=people["team"])
    with django_capture_on_commit_callbacks(execute=True):
        incident_transition(incident=incident, action="start", actor=people["agent"])
    ((headers, body),) = r.requests
    assert verify_signature(endpoint.secret, body, headers["X-Servicehub-Signature"])
    envelope = json.loads(body)
    assert set(envelope) == {"id", "event", "occurred_at", "data"}
    assert envelope["event"] == "incident.transitioned"
    assert envelope["data"]["object"]["number"] == incident.number
    assert (envelope["data"]["from"], envelope["data"]["to"]) == ("new", "in_progress")
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "delivered" and delivery.attempts == 1
    assert headers["X-Servicehub-Delivery"] == str(delivery.event_id) == envelope["id"]


def test_nothing_is_sent_when_the_transaction_rolls_back(
    people, receiver, django_capture_on_commit_callbacks
):
    r = receiver()
    endpoint_for(r.url)
    incident = IncidentFactory()
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        incident_transition(incident=incident, action="start", actor=people["agent"])
        raise RuntimeError("boom")
    assert r.requests == [] and WebhookDelivery.objects.count() == 0


def test_unsubscribed_and_inactive_endpoints_get_nothing(
    people, receiver, django_capture_on_commit_callbacks
):
    r = receiver()
    endpoint_for(r.url, events=["project.phase_changed"])
    endpoint_for(r.url, active=False)
    with django_capture_on_commit_callbacks(execute=True):
        incident_transition(incident=IncidentFactory(), action="start", actor=people["agent"])
    assert r.requests == []


def test_failing_receiver_is_retried_and_every_attempt_recorded(
    people, receiver, settings, django_capture_on_commit_callbacks
):
    from core.celery import app

    r = receiver(codes=[500, 503])
    endpoint_for(r.url)
    app.conf.task_always_eager = False  # let the task reach its retry logic
    try:
        from core.tasks import deliver_webhook

        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            incident_transition(incident=IncidentFactory(), action="start", actor=people["agent"])
        # Run the fan-out ourselves, then drive retries by hand (no broker needed).
        app.conf.task_always_eager = True
        for callback in callbacks:
            callback()
    finally:
        app.conf.task_always_eager = True
    delivery = WebhookDelivery.objects.get()
    while delivery.status == "pending":
        deliver_webhook.apply(args=(delivery.pk,))
        delivery.refresh_from_db()
    assert delivery.status == "delivered" and delivery.attempts == 3
    assert [t.status_code for t in delivery.tries.all()] == [500, 503, 200]


def test_dead_receiver_gives_up_after_bounded_attempts(people, django_capture_on_commit_callbacks):
    endpoint_for("http://127.0.0.1:9/nothing-listens-here")
    from core.tasks import deliver_webhook

    with django_capture_on_commit_callbacks(execute=True):
        incident_transition(incident=IncidentFactory(), action="start", actor=people["agent"])
    delivery = WebhookDelivery.objects.get()
    for _ in range(MAX_ATTEMPTS + 2):
        deliver_webhook.apply(args=(delivery.pk,))
    delivery.refresh_from_db()
    assert delivery.status == "failed" and delivery.attempts == MAX_ATTEMPTS
    assert all(t.status_code is None and t.error for t in delivery.tries.all())


def test_admin_registers_endpoint_sees_deliveries_and_resends(
    people, receiver, django_capture_on_commit_callbacks
):
    r = receiver(codes=[500])
    created = assert_status(
        people["admin"],
        "post",
        "/api/v1/webhooks/",
        201,
        {"name": "erp", "url": r.url, "events": ["incident.*"]},
    ).json()
    assert len(created["secret"]) == 64
    with django_capture_on_commit_callbacks(execute=True):
        incident_transition(incident=IncidentFactory(), action="start", actor=people["agent"])
    listing = assert_status(
        people["admin"], "get", f"/api/v1/webhooks/{created['id']}/deliveries/", 200
    ).json()
    (delivery,) = listing["results"]
    assert delivery["tries"][0]["status_code"] == 500
    with django_capture_on_commit_callbacks(execute=True):
        assert_status(
            people["admin"],
            "post",
            f"/api/v1/webhooks/{created['id']}/deliveries/{delivery['id']}/redeliver/",
            202,
        )
    assert WebhookDelivery.objects.get().status == "delivered"
    assert len(r.requests) == 2
    assert json.loads(r.requests[0][1])["id"] == json.loads(r.requests[1][1])["id"]


@pytest.mark.parametrize("who", ["agent", "manager", "requester"])
def test_only_admins_manage_webhooks(people, who):
    assert_status(people[who], "get", "/api/v1/webhooks/", 403)
    assert_status(
        people[who],
        "post",
        "/api/v1/webhooks/",
        403,
        {"name": "x", "url": "http://x", "events": ["*"]},
    )


def test_bad_endpoint_definitions_are_400(people):
    body = assert_status(
        people["admin"],
        "post",
        "/api/v1/webhooks/",
        400,
        {"name": "x", "url": "ftp://x", "events": ["nope"]},
    ).json()
    assert set(body["fields"]) == {"url", "events"}


def test_incident_created_and_public_comment_events(
    people, receiver, django_capture_on_commit_callbacks
):
    from servicedesk.actions import incident_comment_add, incident_open

    r = receiver()
    endpoint_for(r.url, events=["incident.created", "incident.commented"])
    with django_capture_on_commit_callbacks(execute=True):
        incident = incident_open(actor=people["requester"], title="Mail down")
    with django_capture_on_commit_callbacks(execute=True):
        incident_comment_add(incident=incident, actor=people["agent"], body="looking")
    with django_capture_on_commit_callbacks(execute=True):
        incident_comment_add(incident=incident, actor=people["agent"], body="secret", internal=True)
    events = [json.loads(body)["event"] for _, body in r.requests]
    assert events == ["incident.created", "incident.commented"]  # the internal note is not sent


def test_internal_endpoint_also_hears_internal_notes(
    people, receiver, django_capture_on_commit_callbacks
):
    from servicedesk.actions import incident_comment_add

    r = receiver()
    endpoint_for(r.url, events=["incident.commented"], include_internal=True)
    with django_capture_on_commit_callbacks(execute=True):
        incident_comment_add(
            incident=IncidentFactory(), actor=people["agent"], body="n", internal=True
        )
    ((_, body),) = r.requests
    assert json.loads(body)["data"]["comment"]["internal"] is True


def test_the_deliveries_list_costs_the_same_statements_for_any_number_of_rows(people):
    """A related manager's rows used to read their endpoint's key one row at a time in the
    keyset keys query (one statement per delivery on the page)."""
    endpoint = WebhookEndpoint.objects.create(
        name="erp", url="http://127.0.0.1:9/hook", secret="s", created_by=people["admin"]
    )
    client, url = client_for(people["admin"]), f"/api/v1/webhooks/{endpoint.pk}/deliveries/"

    def statements(deliveries: int) -> int:
        for _ in range(deliveries - WebhookDelivery.objects.count()):
            delivery = WebhookDelivery.objects.create(
                endpoint=endpoint, event_id=uuid.uuid4(), event="incident.updated", payload={}
            )
            delivery.tries.create(status_code=500)
        with CaptureQueriesContext(connection) as queries:
            rows = client.get(url).json()["results"]
        assert len(rows) == deliveries and rows[0]["tries"][0]["status_code"] == 500
        return sum(1 for q in queries if "SAVEPOINT" not in q["sql"])

    assert statements(2) == statements(12) <= 8


def test_a_delivery_deleted_before_it_is_sent_is_dropped_quietly(people):
    """An endpoint deleted (with its deliveries) while a delivery waits in the queue: the
    task finds nothing to send and says so, instead of failing."""
    from core.tasks import deliver_webhook

    endpoint = WebhookEndpoint.objects.create(
        name="erp", url="http://127.0.0.1:9/hook", secret="s", created_by=people["admin"]
    )
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event_id=uuid.uuid4(), event="incident.updated", payload={}
    )
    gone = delivery.pk
    endpoint.delete()
    result = deliver_webhook.apply(args=(gone,))
    assert result.successful() and result.get() is False
    assert not WebhookDelivery.objects.filter(pk=gone).exists()


def _lifecycles():
    """Every lifecycle the apps define (each module-level Lifecycle of their lifecycle modules)."""
    import importlib

    from django.apps import apps

    from core.lifecycle import Lifecycle
    from core.webhooks import LIFECYCLE_MODULES

    found = []
    for config in apps.get_app_configs():
        for module in LIFECYCLE_MODULES:
            try:
                loaded = importlib.import_module(f"{config.name}.{module}")
            except ModuleNotFoundError:
                continue
            found += [v for v in vars(loaded).values() if isinstance(v, Lifecycle)]
    return found


def test_every_event_a_lifecycle_publishes_can_be_subscribed_to_by_name(people):
    """improvement.transitioned and handoff.transitioned were sent to "*" subscribers but
    refused by name ("Unknown event types")."""
    lifecycles = _lifecycles()
    assert {lc.name for lc in lifecycles} >= {
        "incident", "request", "improvement", "service", "project", "handoff"
    }  # fmt: skip
    events = sorted({e for lc in lifecycles for e in lc.events})
    assert {"improvement.transitioned", "handoff.transitioned", "handoff.accepted"} <= set(events)
    explicit = ["incident.created", "incident.commented", "request.created", "request.commented"]
    body = assert_status(
        people["admin"],
        "post",
        "/api/v1/webhooks/",
        201,
        {"name": "all", "url": "http://127.0.0.1:9/", "events": events + explicit + ["kpi.*"]},
    ).json()
    assert set(body["events"]) == set(events + explicit + ["kpi.*"])
    schema = client_for(people["admin"]).get("/api/schema/").content.decode()
    assert "improvement.transitioned" in schema and "handoff.transitioned" in schema


def test_an_improvement_move_reaches_an_endpoint_subscribed_to_it_by_name(
    people, receiver, django_capture_on_commit_callbacks
):
    from decimal import Decimal

    from servicedesk.improvement_actions import improvement_create, improvement_transition
    from tests.servicedesk.factories import ServiceFactory

    r = receiver()
    assert_status(
        people["admin"],
        "post",
        "/api/v1/webhooks/",
        201,
        {"name": "csi", "url": r.url, "events": ["improvement.transitioned"]},
    )
    improvement = improvement_create(
        actor=people["service_owner"],
        title="Fewer mailbox tickets",
        service=ServiceFactory(name="Email"),
        problem_statement="Mailboxes fill up",
        expected_benefit="Fewer tickets",
        metric="Tickets per week",
        baseline_value=Decimal("10"),
        target_value=Decimal("5"),
        planned_quarter="2026-Q2",
    )
    with django_capture_on_commit_callbacks(execute=True):
        improvement_transition(improvement=improvement, action="approve", actor=people["admin"])
    ((_, sent),) = r.requests
    assert json.loads(sent)["event"] == "improvement.transitioned"


def test_an_undeclared_event_is_refused_where_it_is_published():
    from core.webhooks import publish

    with pytest.raises(ValueError, match="Undeclared webhook event"):
        publish(event="widget.exploded", data={})


def test_an_unknown_event_type_is_400_with_the_known_ones(people):
    body = assert_status(
        people["admin"],
        "post",
        "/api/v1/webhooks/",
        400,
        {"name": "x", "url": "http://127.0.0.1:9/", "events": ["project.phase_changed"]},
    ).json()
    assert "project.phase_changed" in str(body["fields"]["events"])
    assert "project.transitioned" in str(body["fields"]["events"])


def _pending(endpoint):
    from django.utils import timezone

    return WebhookDelivery.objects.create(
        endpoint=endpoint,
        event_id=uuid.uuid4(),
        event="incident.transitioned",
        payload={"event": "incident.transitioned"},
        next_attempt_at=timezone.now() - timedelta(seconds=1),
    )


@pytest.mark.django_db(transaction=True)
def test_a_due_delivery_is_claimed_before_it_is_sent(receiver):
    """Two sweeps (the server and a command beside it) reaching one due delivery at once:
    the first claims it before its POST, the other finds it not due and sends nothing."""
    from django.db import connections

    from core.webhooks import attempt_delivery

    r = receiver()
    r.delay = 1.0  # the receiver takes a second: both tries would be in flight together
    delivery = _pending(endpoint_for(r.url))
    results = []

    def sweep():
        try:
            results.append(attempt_delivery(delivery.pk, due_only=True))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(results) == [False, True]
    assert len(r.requests) == 1
    assert WebhookDelivery.objects.get(pk=delivery.pk).status == "delivered"


@pytest.mark.django_db(transaction=True)
def test_the_sender_sweeps_due_retries_while_new_deliveries_keep_coming(receiver):
    """A steady stream of new deliveries kept the queue busy and retries never ran."""
    from core.webhooks import EmbeddedSender

    r = receiver()
    endpoint = endpoint_for(r.url)
    retry = _pending(endpoint)  # due, waiting for a sweep: never submitted
    sender = EmbeddedSender(poll_seconds=0.3)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            sender.submit(_pending(endpoint).pk)  # a new one every 0.1 s: never idle
            time.sleep(0.1)
            if WebhookDelivery.objects.get(pk=retry.pk).status == "delivered":
                break
    finally:
        sender.stop()
    assert not sender.thread.is_alive()
    assert WebhookDelivery.objects.get(pk=retry.pk).status == "delivered"


@pytest.mark.django_db(transaction=True)
def test_subscriptions_to_events_never_sent_are_moved_to_what_is_sent():
    """project.phase_changed becomes project.transitioned; milestone.completed is dropped,
    an endpoint left with nothing switched off; every endpoint can be saved again."""
    from django.db.migrations.executor import MigrationExecutor

    before = ("core", "0010_webhook_delivery_next_attempt")
    after = ("core", "0011_webhook_events_renamed")
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    try:
        old = executor.loader.project_state([before]).apps.get_model("core", "WebhookEndpoint")
        made = {
            name: old.objects.create(
                name=name, url="http://127.0.0.1:9/", secret="s" * 24, events=events
            )
            for name, events in {
                "phases": ["project.phase_changed", "incident.created"],
                "both": ["project.transitioned", "project.phase_changed"],
                "milestones": ["milestone.completed"],
                "untouched": ["incident.*"],
            }.items()
        }
        MigrationExecutor(connection).migrate([after])
    finally:
        MigrationExecutor(connection).migrate(
            MigrationExecutor(connection).loader.graph.leaf_nodes()
        )
    now = {
        e.name: (e.events, e.active)
        for e in WebhookEndpoint.objects.filter(pk__in=[m.pk for m in made.values()])
    }
    assert now == {
        "phases": (["project.transitioned", "incident.created"], True),
        "both": (["project.transitioned"], True),
        "milestones": ([], False),
        "untouched": (["incident.*"], True),
    }
