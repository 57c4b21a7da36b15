"""A worker SIGKILLed in the middle of a KPI run loses nothing and duplicates nothing.

A real worker on Redis starts a long run (two months of backfill over every KPI); once the run
is writing snapshots the worker is killed with SIGKILL. `acks_late` with
`task_reject_on_worker_lost` leaves the message unacknowledged, so after the (test-short)
visibility timeout Redis hands it to a second worker, which completes the same run. The
snapshots then equal those of a clean in-process run: the same rows, the same values.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from tests.kpis.conftest import DAY, desk  # noqa: F401 (the hand-worked incident set)

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
VISIBILITY_TIMEOUT = 5
BACKFILL_DAYS = 60


def _test_database_url() -> str | None:
    db = settings.DATABASES["default"]
    if not db["ENGINE"].endswith("postgresql"):
        return None
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def start_worker():
    if not os.environ.get("REDIS_URL"):
        if os.environ.get("REQUIRE_SERVICES"):
            pytest.fail("REDIS_URL is not set but REQUIRE_SERVICES is")
        pytest.skip("needs REDIS_URL (CI sets it)")
    database_url = _test_database_url()
    if database_url is None:
        if os.environ.get("REQUIRE_SERVICES"):
            pytest.fail("the worker test needs DATABASE_URL on PostgreSQL (REQUIRE_SERVICES)")
        pytest.skip("the worker shares the test database only on PostgreSQL")
    queue = f"test-kill-{uuid.uuid4().hex[:8]}"
    env = dict(
        os.environ,
        CELERY_TASK_ALWAYS_EAGER="false",
        DATABASE_URL=database_url,
        CONN_MAX_AGE="0",
        CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT),
        CELERY_UNACKED_RESTORE_INTERVAL="1",
        CELERY_UNACKED_RESTORE_THROTTLE="1",
    )
    started: list[subprocess.Popen] = []

    def start() -> subprocess.Popen:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "core",
                "worker",
                "--pool",
                "solo",
                "--loglevel",
                "WARNING",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"kill-{uuid.uuid4().hex[:6]}@%h",
                "-Q",
                queue,
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        started.append(proc)
        return proc

    start.queue = queue
    yield start
    for proc in started:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


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
    app.conf.task_always_eager = False
    try:
        app.send_task(
            "kpis.tasks.compute_kpis",
            kwargs={"run_id": run.pk, "trigger": "api"},
            queue=start_worker.queue,
        )
    finally:
        app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER
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
