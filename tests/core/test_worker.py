"""A real Celery worker on Redis answers a task sent through the broker."""

import uuid

import pytest

from tests.workers import require_redis, start_worker, stop_worker, worker_env

pytestmark = pytest.mark.worker


@pytest.fixture
def celery_worker_process():
    require_redis()
    queue = f"test-{uuid.uuid4().hex[:8]}"  # its own queue: nothing else's messages
    proc = start_worker(queue, env=worker_env())
    proc.queue = queue
    yield proc
    stop_worker(proc)


def test_a_real_worker_runs_a_task_sent_through_redis(celery_worker_process, settings):
    from core.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        token = uuid.uuid4().hex
        result = app.send_task(
            "core.tasks.worker_ping", args=[token], queue=celery_worker_process.queue
        )
        # Eager tasks ran earlier in this process; this get() is not inside a task.
        assert result.get(timeout=60, disable_sync_subtasks=False)["token"] == token
    finally:
        app.conf.task_always_eager = eager
