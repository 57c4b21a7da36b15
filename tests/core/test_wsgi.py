"""The WSGI entry point (what gunicorn serves) keeps the loaded app out of full GC passes."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _serve_once(database_url: str, path: str) -> tuple[int, str]:
    """Load the WSGI app in a fresh process, answer one GET; (frozen objects, status line)."""
    script = (
        "import gc, io, core.wsgi as w\n"
        "frozen = gc.get_freeze_count()\n"
        "out = []\n"
        f"environ = {{'REQUEST_METHOD': 'GET', 'PATH_INFO': {path!r}, 'SERVER_NAME': 'localhost',"
        " 'SERVER_PORT': '80', 'wsgi.url_scheme': 'http', 'wsgi.input': io.BytesIO()}\n"
        "w.application(environ, lambda status, headers: out.append(status))\n"
        "print(frozen, out[0])\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "core.settings", "DATABASE_URL": database_url}
    run = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    frozen, status = run.stdout.split(maxsplit=1)
    return int(frozen), status.strip()


def test_loading_the_wsgi_app_freezes_what_it_loaded(tmp_path):
    """The objects loaded with the app are frozen (not re-scanned by every full collection);
    the app still answers requests."""
    frozen, status = _serve_once(f"sqlite:///{tmp_path / 'wsgi.db'}", "/healthz")
    assert frozen > 50_000
    assert status.startswith("200")


def test_the_health_check_reports_a_database_it_cannot_reach(tmp_path):
    """Under ATOMIC_REQUESTS the transaction would open before the view and fail as a 500;
    the health check answers 503 with its checks instead."""
    _, status = _serve_once(f"sqlite:///{tmp_path / 'missing' / 'wsgi.db'}", "/healthz")
    assert status.startswith("503")
