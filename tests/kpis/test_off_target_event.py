"""A KPI that goes off target in the current period raises `kpi.off_target` once."""

import pytest

from core.models import WebhookDelivery, WebhookEndpoint
from kpis.actions import kpis_compute
from tests.servicedesk.factories import IncidentFactory

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
