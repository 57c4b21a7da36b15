"""Every task declares late acks, time limits and retries with backoff; a transient failure is
retried and the retried KPI run gives the same snapshots as an undisturbed one."""

import pytest
from django.db import OperationalError

from core.celery import app
from core.task_policy import TRANSIENT_ERRORS
from kpis import tasks as kpi_tasks
from kpis.models import KpiRun, KpiSnapshot

SNAPSHOT_KEY = ("code", "scope", "period_kind", "period_start", "value")
OUR_APPS = ("core.", "servicedesk.", "projects.", "kpis.")


def our_tasks():
    app.loader.import_default_modules()
    return sorted(name for name in app.tasks if name.startswith(OUR_APPS))


def test_the_project_has_tasks_to_check():
    assert {"kpis.tasks.compute_kpis", "servicedesk.tasks.sla_scan"} <= set(our_tasks())


@pytest.mark.parametrize("name", our_tasks())
def test_every_task_acks_late_is_time_limited_and_retries_with_backoff(name):
    task = app.tasks[name]
    assert task.acks_late is True
    assert task.time_limit and task.soft_time_limit and task.soft_time_limit < task.time_limit
    assert set(TRANSIENT_ERRORS) <= set(task.autoretry_for)
    assert task.retry_backoff and task.retry_jitter


@pytest.mark.django_db
def test_a_kpi_run_that_loses_its_database_connection_is_retried(monkeypatch):
    real = kpi_tasks.kpis_compute
    calls = []

    def flaky(**kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real(**kwargs)

    monkeypatch.setattr(kpi_tasks, "kpis_compute", flaky)
    # In-process, Celery runs the retry at once instead of after the backoff countdown.
    outcome = kpi_tasks.compute_kpis.apply(kwargs={"as_of": "2026-10-31"}, throw=False)
    assert outcome.state == "SUCCESS"
    assert len(calls) == 2  # the lost attempt, then the retry
    assert outcome.result["status"] == "ok"
    assert KpiRun.objects.filter(status="ok").count() == 1
    first = set(KpiSnapshot.objects.values_list(*SNAPSHOT_KEY))
    kpi_tasks.compute_kpis.apply(kwargs={"as_of": "2026-10-31"}).get()
    again = set(KpiSnapshot.objects.values_list(*SNAPSHOT_KEY))
    assert first and again == first
