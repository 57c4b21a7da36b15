"""The demo's incidents have histories that could have happened: moves in order, never in the
future, and the status each ended in is the one its last move left it in."""

import pytest
from django.core.management import call_command
from django.db.models import F, Q
from django.utils import timezone

from core.models import AuditEvent
from servicedesk.demo import SERVICES
from servicedesk.models import Incident

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    call_command("seed_demo", verbosity=0)
    return Incident.objects.all()


def test_no_demo_incident_is_resolved_before_it_was_answered_or_closed_in_the_future(demo):
    now = timezone.now()
    assert demo.filter(resolved_at__isnull=False).count() > 50
    assert not demo.filter(resolved_at__lt=F("first_responded_at"))
    assert not demo.filter(Q(resolved_at__gt=now) | Q(closed_at__gt=now) | Q(opened_at__gt=now))
    assert not demo.filter(first_responded_at__lt=F("opened_at"))


def test_each_demo_incident_s_last_move_left_it_in_its_status(demo):
    moves = {}
    for event in AuditEvent.objects.filter(
        content_type__model="incident", changes__has_key="status"
    ).order_by("created_at", "pk"):
        moves.setdefault(event.object_id, []).append(event)
    on_hold = 0
    # The service desk's generated year (projects/demo.py adds a handoff's hypercare tickets).
    generated = demo.filter(service__name__in=[name for name, *_ in SERVICES])
    assert generated.count() == 320
    for incident in generated:
        history = moves[str(incident.pk)]
        assert history[-1].changes["status"][1] == incident.status, incident.number
        times = [e.created_at for e in history]
        assert times == sorted(times), incident.number
        if incident.status == "on_hold":
            on_hold += 1
            assert history[-1].created_at == incident.sla_paused_since
    assert on_hold > 0
