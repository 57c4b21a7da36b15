"""A worker SIGKILLed in the middle of a KPI run loses nothing and duplicates nothing.

A real worker on Redis starts a long run (two months of backfill over every KPI); once the run
is writing snapshots the worker is killed with SIGKILL. `acks_late` with
`task_reject_on_worker_lost` leaves the message unacknowledged, so after the (test-short)
visibility timeout Redis hands it to a second worker, which completes the same run. The
snapshots then equal those of a clean in-process run: the same rows, the same values.
"""

import signal
import subprocess
import time
import uuid

import pytest

from tests.kpis.conftest import DAY, desk  # noqa: F401 (the hand-worked incident set)
from tests.workers import require_redis, stop_worker, worker_database_url, worker_env
from tests.workers import start_worker as start_one

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
VISIBILITY_TIMEOUT = 5
BACKFILL_DAYS = 60


@pytest.fixture
def start_worker():
    require_redis()
    queue = f"test-kill-{uuid.uuid4().hex[:8]}"
    env = worker_env(
        DATABASE_URL=worker_database_url(),
        CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT),
        CELERY_UNACKED_RESTORE_INTERVAL="1",
        CELERY_UNACKED_RESTORE_THROTTLE="1",
    )
    started: list[subprocess.Popen] = []

    def start() -> subprocess.Popen:
        proc = start_one(
            queue, env=env, prefix="kill", quiet=True, extra_args=["--without-heartbeat"]
        )
        started.append(proc)
        return proc

    start.queue = queue
    yield start
    for proc in started:
        if proc.poll() is None:
            stop_worker(proc)


def _wait_for(predicate, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"timed out after {timeout}s waiting for {what}")


def _snapshots() -> list[tuple]:
    from kpis.models import KpiSnapshot

    return sorted(
        KpiSnapshot.objects.values_list(
            "code", "scope", "period_kind", "period_start", "period_end", "value", "status"
        )
    )


@pytest.mark.usefixtures("desk")
def test_killed_worker_run_is_redelivered_and_equals_a_clean_run(start_worker):
    from core.celery import app
    from kpis.actions import kpis_compute, run_create
    from kpis.models import KpiRun, KpiSnapshot

    run = run_create(as_of=DAY, backfill_days=BACKFILL_DAYS, trigger="api")
    first = start_worker()
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        app.send_task(
            "kpis.tasks.compute_kpis",
            kwargs={"run_id": run.pk, "trigger": "api"},
            queue=start_worker.queue,
        )
    finally:
        app.conf.task_always_eager = eager
    # Mid-run: the run is going and has written some, not all, of its snapshots.
    _wait_for(
        lambda: KpiSnapshot.objects.filter(run_id=run.pk).exists(),
        timeout=120,
        what="the first snapshots of the run",
    )
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    killed = KpiRun.objects.get(pk=run.pk)
    assert killed.status == "running", "the run finished before the kill; make it longer"

    start_worker()
    done = _wait_for(
        lambda: KpiRun.objects.filter(pk=run.pk, status__in=["ok", "partial", "failed"]).first(),
        timeout=300,
        what="the redelivered run to finish",
    )
    assert done.status == "ok", done.per_kpi
    after_kill = _snapshots()
    keys = [row[:4] for row in after_kill]  # (code, scope, kind, start): one row each
    assert after_kill and len(keys) == len(set(keys))
    assert KpiRun.objects.count() == 1  # the same run completed, no second one

    KpiSnapshot.objects.all().delete()
    clean = kpis_compute(as_of=DAY, backfill_days=BACKFILL_DAYS, trigger="manual")
    assert clean.status == "ok", clean.per_kpi
    assert _snapshots() == after_kill
