"""The embedded mode runs the beat schedule in `runserver` itself: SLA scans every minute,
KPI runs at their crontab minute, with the tasks the apps register for celery beat."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from core.celery import app
from core.embedded_beat import EmbeddedBeat, wanted
from kpis.models import KpiRun
from servicedesk import actions
from tests.servicedesk.factories import ServiceFactory, office_calendar, sla_policy

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("argv", "environ", "eager", "enabled", "expected"),
    [
        (["manage.py", "runserver"], {"RUN_MAIN": "true"}, True, True, True),  # reloader child
        (["manage.py", "runserver", "--noreload"], {}, True, True, True),
        (["manage.py", "runserver"], {}, True, True, False),  # the reloader's parent
        (["manage.py", "runserver", "--noreload"], {}, False, True, False),  # a real broker
        (["manage.py", "runserver", "--noreload"], {}, True, False, False),  # switched off
        (["manage.py", "migrate"], {"RUN_MAIN": "true"}, True, True, False),
        (["pytest"], {}, True, True, False),
        (["gunicorn", "core.wsgi:application"], {}, True, True, False),
    ],
)
def test_only_the_serving_runserver_process_with_tasks_in_process_runs_it(
    argv, environ, eager, enabled, expected
):
    assert wanted(argv, environ, eager=eager, enabled=enabled) is expected


def test_nothing_is_due_before_its_time_and_each_entry_runs_when_it_is():
    started = datetime(2026, 11, 24, 12, 0, 30, tzinfo=UTC)
    beat = EmbeddedBeat(app, started=started)
    assert beat.due(started + timedelta(seconds=30)) == []
    minute = set(beat.due(started + timedelta(seconds=61)))
    assert "servicedesk-sla-scan" in minute and "kpis-hourly" not in minute
    local = timezone.localtime(started)
    seven_past = local.replace(minute=7, second=30) + timedelta(hours=local.minute >= 7)
    assert "kpis-hourly" in beat.due(seven_past)


def test_a_tick_runs_the_sla_scan_and_the_hourly_kpis_for_real(people):
    """An unanswered incident past its response target is flagged by the tick's scan, and the
    tick at minute 7 records a KPI run, as celery beat would have."""
    service = ServiceFactory(sla_policy=sla_policy("Office", office_calendar()))
    late = actions.incident_open(
        actor=people["agent"],
        requester=people["requester"],
        title="Printer offline",
        service=service,
        impact=2,
        urgency=2,
        opened_at=timezone.now() - timedelta(days=10),
    )
    assert late.response_due < timezone.now() and not late.response_breached
    # Half past an hour: the hourly KPI run (minute 7) is not due in the next minute, whatever
    # the time the test runs at (started at hh:06, it was, and a run was recorded early).
    started = timezone.now().replace(minute=30, second=0, microsecond=0) - timedelta(hours=1)
    beat = EmbeddedBeat(app, started=started)
    ran = beat.tick(started + timedelta(seconds=61))
    assert "servicedesk-sla-scan" in ran
    late.refresh_from_db()
    assert late.response_breached
    assert beat.tick(started + timedelta(seconds=62)) == []  # each entry once per period
    assert not KpiRun.objects.exists()
    local = timezone.localtime(started)
    beat.tick(local.replace(minute=7, second=30) + timedelta(hours=1))
    assert KpiRun.objects.filter(trigger="beat", status="ok").count() == 1
