"""A KPI that goes off target in the current period raises `kpi.off_target` once."""

import datetime
import json
from decimal import Decimal as D

import pytest
from django.utils import timezone

from core.audit import history_for
from core.models import WebhookDelivery, WebhookEndpoint
from kpis.actions import kpi_target_set, kpis_compute
from kpis.models import KpiSnapshot, KpiTarget
from servicedesk.models import Survey
from tests.conftest import assert_status
from tests.core.factories import TeamFactory
from tests.core.test_webhooks import Receiver
from tests.servicedesk.factories import IncidentFactory, ServiceFactory

pytestmark = pytest.mark.django_db


def test_off_target_kpi_is_published_once(people, settings, django_capture_on_commit_callbacks):
    settings.WEBHOOKS_INLINE = True
    WebhookEndpoint.objects.create(
        name="ops", url="http://127.0.0.1:9/", secret="x" * 32, events=["kpi.off_target"]
    )
    # An incident that took a long time to resolve puts MTTR off target today.
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    IncidentFactory(
        status="resolved", opened_at=now - timedelta(days=3), resolved_at=now - timedelta(minutes=5)
    )
    with django_capture_on_commit_callbacks(execute=True):
        kpis_compute(codes=["mttr"])
    first = set(WebhookDelivery.objects.values_list("payload__data__period", flat=True))
    assert "day" in first
    scopes = {d.payload["data"]["scope"] for d in WebhookDelivery.objects.all()}
    assert "global" in scopes
    assert {d.payload["data"]["kpi"] for d in WebhookDelivery.objects.all()} == {"mttr"}
    count = WebhookDelivery.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        kpis_compute(codes=["mttr"])
    assert WebhookDelivery.objects.count() == count  # still off target: no new alarm


def test_a_target_change_that_puts_a_running_value_off_target_is_announced_once(
    people, settings, django_capture_on_commit_callbacks
):
    """Team T's CSAT this month is 75 % (3 of 4 answers satisfied), on target against a
    global 70. An admin sets T's own target to 95: the running day, week and month go off
    target, and a real receiver gets `kpi.off_target` for each, with the payload a run sends;
    the change is audited with what it announced. Sending the same target again, and the
    next run, announce nothing more; last month's value (also off now) raises no alarm."""
    settings.WEBHOOKS_INLINE = True
    receiver = Receiver([])
    try:
        WebhookEndpoint.objects.create(
            name="ops", url=receiver.url, secret="s3cret" * 4, events=["kpi.off_target"]
        )
        team, service = TeamFactory(name="T"), ServiceFactory(name="Mail")
        now = timezone.now()
        last_month = timezone.localdate(now).replace(day=1) - datetime.timedelta(days=10)
        answered = [(now - datetime.timedelta(minutes=5), r) for r in (5, 4, 4, 2)] + [
            (timezone.make_aware(datetime.datetime.combine(last_month, datetime.time(12))), r)
            for r in (5, 4, 4, 2)
        ]
        for at, rating in answered:
            incident = IncidentFactory(team=team, service=service, status="closed")
            Survey.objects.create(
                incident=incident,
                requester=incident.requester,
                created_at=at,
                answered_at=at,
                rating=rating,
            )
        with django_capture_on_commit_callbacks(execute=True):
            kpi_target_set(code="csat", scope="global", target=D("70"))
            kpis_compute(codes=["csat"], backfill_days=(now.date() - last_month).days)
        scope = f"team:{team.pk}"
        ours = KpiSnapshot.objects.filter(code="csat", scope=scope)
        assert set(ours.values_list("status", flat=True)) == {"on_target"}
        assert ours.filter(period_end__lt=timezone.localdate(now)).exists()  # a closed period
        assert receiver.requests == []

        body = {"scope": scope, "target": 95}
        with django_capture_on_commit_callbacks(execute=True):
            assert_status(people["admin"], "PUT", "/api/v1/kpis/csat/targets/", 200, body)

        sent = [json.loads(b) for _, b in receiver.requests]
        assert {e["event"] for e in sent} == {"kpi.off_target"}
        running = ours.filter(period_end__gte=timezone.localdate(now))
        assert sorted(e["data"]["period"] for e in sent) == ["day", "month", "week"]
        for event in sent:
            row = running.get(period_kind=event["data"]["period"])
            assert event["data"] == {
                "kpi": "csat",
                "scope": scope,
                "period": row.period_kind,
                "period_start": row.period_start.isoformat(),
                "value": str(row.value),
                "target": str(row.target),
            }
            assert row.status == "off_target" and row.value == D("75")
        assert ours.filter(period_end__lt=timezone.localdate(now), status="off_target").exists()

        (event,) = history_for(KpiTarget.objects.get(code="csat", scope=scope))
        assert event.action == "kpi_target.created" and event.actor == people["admin"]
        assert len(event.changes["announced_off_target"][1]) == 3

        with django_capture_on_commit_callbacks(execute=True):
            assert_status(people["admin"], "PUT", "/api/v1/kpis/csat/targets/", 200, body)
            kpis_compute(codes=["csat"])
        assert len(receiver.requests) == 3  # still off target: told once
    finally:
        receiver.close()
