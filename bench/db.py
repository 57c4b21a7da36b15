"""The bench database: which one, making sure it exists and is migrated, and Django set up on it.

The bench never touches the database in DATABASE_URL (that may be a developer's or CI's):
it uses BENCH_DATABASE_URL, by default a dedicated `servicehub_bench` on the local server.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/servicehub_bench"


class NotPostgres(SystemExit):
    pass


def bench_url(explicit: str | None = None) -> str:
    url = explicit or os.environ.get("BENCH_DATABASE_URL") or DEFAULT_URL
    scheme = urlparse(url).scheme
    if scheme not in {"postgres", "postgresql", "pgsql", "postgis"}:
        raise NotPostgres(
            f"bench: needs PostgreSQL, but the bench database URL is {scheme or url!r}.\n"
            "Set BENCH_DATABASE_URL=postgres://USER@HOST:PORT/DBNAME (a database the bench "
            "may fill and truncate; created if missing)."
        )
    return url


def _server_url(url: str) -> tuple[str, str]:
    """The URL of the server's `postgres` maintenance database, and the bench database name."""
    parts = urlparse(url)
    name = parts.path.lstrip("/")
    if not name:
        raise NotPostgres("bench: the database URL names no database")
    return urlunparse(parts._replace(path="/postgres")), name


def _connect(url: str):
    import psycopg2

    p = urlparse(url)
    return psycopg2.connect(
        host=p.hostname or "127.0.0.1",
        port=p.port or 5432,
        user=p.username or "postgres",
        password=p.password or None,
        dbname=p.path.lstrip("/"),
    )


def ensure_database(url: str) -> bool:
    """Create the database if it is missing; True if it was created."""
    server, name = _server_url(url)
    conn = _connect(server)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cur.fetchone():
                return False
            cur.execute(f'CREATE DATABASE "{name}"')
            return True
    finally:
        conn.close()


def drop_database(url: str) -> None:
    server, name = _server_url(url)
    conn = _connect(server)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        conn.close()


def server_env(url: str, **extra: str) -> dict[str, str]:
    """The environment of a process (migrate, gunicorn) that runs the app on the bench DB."""
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DJANGO_ENV": "development",
            "DEBUG": "false",
            "PYTHONPATH": str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""),
        }
    )
    env.update(extra)
    return env


def migrate(url: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        env=server_env(url),
        check=True,
    )


def setup_django(url: str) -> None:
    """Point this process's Django at the bench database (before anything imports models)."""
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ.setdefault("DEBUG", "false")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()
