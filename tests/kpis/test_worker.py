"""A real Celery worker on Redis computes a KPI run end to end against the test database."""

import os
import subprocess
import sys
import uuid
from decimal import Decimal as D
from pathlib import Path

import pytest
from django.conf import settings

from tests.kpis.conftest import DAY

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _test_database_url() -> str | None:
    """DATABASE_URL of the pytest-django test database (only a server database is shared)."""
    db = settings.DATABASES["default"]
    if not db["ENGINE"].endswith("postgresql"):
        return None
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def kpi_worker(desk):
    if not os.environ.get("REDIS_URL"):
        if os.environ.get("REQUIRE_SERVICES"):
            pytest.fail("REDIS_URL is not set but REQUIRE_SERVICES is")
        pytest.skip("needs REDIS_URL (CI sets it)")
    database_url = _test_database_url()
    if database_url is None:
        if os.environ.get("REQUIRE_SERVICES"):
            pytest.fail("the worker test needs DATABASE_URL on PostgreSQL (REQUIRE_SERVICES)")
        pytest.skip("the worker shares the test database only on PostgreSQL")
    queue = f"test-kpis-{uuid.uuid4().hex[:8]}"
    env = dict(
        os.environ, CELERY_TASK_ALWAYS_EAGER="false", DATABASE_URL=database_url, CONN_MAX_AGE="0"
    )
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
            "-n",
            f"k-{uuid.uuid4().hex[:6]}@%h",
            "-Q",
            queue,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    proc.queue = queue
    yield proc
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()


def test_a_real_worker_computes_a_run_and_records_it(kpi_worker, desk):
    from core.celery import app
    from kpis.actions import run_create
    from kpis.models import KpiRun, KpiSnapshot

    run = run_create(as_of=DAY, codes=["mttr", "incident_volume", "backlog"], trigger="api")
    app.conf.task_always_eager = False
    try:
        result = app.send_task(
            "kpis.tasks.compute_kpis",
            kwargs={"run_id": run.pk, "trigger": "api"},
            queue=kpi_worker.queue,
        )
        outcome = result.get(timeout=120, disable_sync_subtasks=False)
    finally:
        app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER
    assert outcome["run"] == run.pk and outcome["status"] == "ok", outcome
    run = KpiRun.objects.get(pk=run.pk)
    assert run.status == "ok" and run.finished_at is not None
    assert run.per_kpi == {"mttr": "ok", "incident_volume": "ok", "backlog": "ok"}
    mttr = KpiSnapshot.objects.get(code="mttr", scope="global", period_kind="day")
    assert mttr.value == D("280.00") and mttr.run_id == run.pk
