"""A real Celery worker on Redis computes a KPI run end to end against the test database."""

import uuid
from decimal import Decimal as D

import pytest

from tests.kpis.conftest import DAY
from tests.workers import (
    require_redis,
    start_worker,
    stop_worker,
    worker_database_url,
    worker_env,
)

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def kpi_worker(desk):
    require_redis()
    env = worker_env(DATABASE_URL=worker_database_url())
    queue = f"test-kpis-{uuid.uuid4().hex[:8]}"
    proc = start_worker(queue, env=env, prefix="k")
    proc.queue = queue
    yield proc
    stop_worker(proc)


def test_a_real_worker_computes_a_run_and_records_it(kpi_worker, desk):
    from core.celery import app
    from kpis.actions import run_create
    from kpis.models import KpiRun, KpiSnapshot

    run = run_create(as_of=DAY, codes=["mttr", "incident_volume", "backlog"], trigger="api")
    eager = app.conf.task_always_eager  # the suite runs tasks in-process (tests/conftest.py)
    app.conf.task_always_eager = False
    try:
        result = app.send_task(
            "kpis.tasks.compute_kpis",
            kwargs={"run_id": run.pk, "trigger": "api"},
            queue=kpi_worker.queue,
        )
        outcome = result.get(timeout=120, disable_sync_subtasks=False)
    finally:
        # Back as it was: restoring the setting's value (False with a broker) left every
        # later test sending its tasks to Redis with nobody running them.
        app.conf.task_always_eager = eager
    assert outcome["run"] == run.pk and outcome["status"] == "ok", outcome
    run = KpiRun.objects.get(pk=run.pk)
    assert run.status == "ok" and run.finished_at is not None
    assert run.per_kpi == {"mttr": "ok", "incident_volume": "ok", "backlog": "ok"}
    mttr = KpiSnapshot.objects.get(code="mttr", scope="global", period_kind="day")
    assert mttr.value == D("280.00") and mttr.run_id == run.pk
