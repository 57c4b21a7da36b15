"""Real Celery workers for the tests that need one: on Redis, each on its own queue, and —
when they touch data — sharing the pytest-django PostgreSQL test database."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]


def require_redis() -> None:
    """Skip without REDIS_URL, unless CI says the services must be there."""
    if not os.environ.get("REDIS_URL"):
        if os.environ.get("REQUIRE_SERVICES"):
            pytest.fail("REDIS_URL is not set but REQUIRE_SERVICES is")
        pytest.skip("needs REDIS_URL (CI sets it)")


def worker_database_url() -> str:
    """DATABASE_URL of the pytest-django test database (only a server database is shared)."""
    db = settings.DATABASES["default"]
    if not db["ENGINE"].endswith("postgresql"):
        if os.environ.get("REQUIRE_SERVICES"):
            pytest.fail("a worker test needs DATABASE_URL on PostgreSQL (REQUIRE_SERVICES)")
        pytest.skip("the worker shares the test database only on PostgreSQL")
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def worker_env(**extra: str) -> dict:
    return dict(os.environ, CELERY_TASK_ALWAYS_EAGER="false", CONN_MAX_AGE="0", **extra)


def start_worker(
    queue: str, *, env: dict, prefix: str = "t", quiet: bool = False, extra_args=()
) -> subprocess.Popen:
    """A solo-pool worker consuming only `queue` (so no other test's messages reach it)."""
    output = subprocess.DEVNULL if quiet else subprocess.PIPE
    return subprocess.Popen(
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
            *extra_args,
            "-n",
            f"{prefix}-{uuid.uuid4().hex[:6]}@%h",
            "-Q",
            queue,
        ],
        cwd=ROOT,
        env=env,
        stdout=output,
        stderr=subprocess.STDOUT if not quiet else subprocess.DEVNULL,
    )


def stop_worker(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
