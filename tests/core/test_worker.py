"""A real Celery worker on Redis answers a task sent through the broker."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.worker


@pytest.fixture
def celery_worker_process():
    if not os.environ.get("REDIS_URL"):
        if os.environ.get("REQUIRE_SERVICES"):
            pytest.fail("REDIS_URL is not set but REQUIRE_SERVICES is")
        pytest.skip("needs REDIS_URL (CI sets it)")
    env = dict(os.environ, CELERY_TASK_ALWAYS_EAGER="false")
    queue = f"test-{uuid.uuid4().hex[:8]}"  # its own queue: nothing else's messages
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
            f"t-{uuid.uuid4().hex[:6]}@%h",
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
    proc.wait(timeout=30)


def test_a_real_worker_runs_a_task_sent_through_redis(celery_worker_process, settings):
    from core.celery import app

    app.conf.task_always_eager = False
    try:
        token = uuid.uuid4().hex
        result = app.send_task(
            "core.tasks.worker_ping", args=[token], queue=celery_worker_process.queue
        )
        # Eager tasks ran earlier in this process; this get() is not inside a task.
        assert result.get(timeout=60, disable_sync_subtasks=False)["token"] == token
    finally:
        app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER
