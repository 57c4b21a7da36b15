"""Webhooks in the embedded demo (SQLite file, tasks in-process), served by a real `runserver`:
the delivery log tells the truth and failed deliveries are retried, while tickets are opened and
KPIs computed at the same time (all of them writing to the one SQLite file)."""

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SETUP = (
    "from datetime import timedelta\n"
    "from django.utils import timezone\n"
    "from core.models import User\n"
    "from tests.servicedesk.factories import IncidentFactory\n"
    "User.objects.create_user('admin', password='demo', role='admin', is_staff=True)\n"
    "User.objects.create_user('agent', password='demo', role='agent')\n"
    # Resolved after three days: the next KPI run puts MTTR off target (kpi.off_target).
    "now = timezone.now()\n"
    "IncidentFactory(status='resolved', opened_at=now - timedelta(days=3),"
    " resolved_at=now - timedelta(minutes=5))\n"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _receiver(code: int, received: list):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(code)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/hook"


class Api:
    def __init__(self, base: str):
        self.base = base

    def call(self, method, path, body=None, token=None):
        request = urllib.request.Request(
            self.base + path,
            data=None if body is None else json.dumps(body).encode(),
            method=method,
            headers={"Content-Type": "application/json"}
            | ({"Authorization": f"Token {token}"} if token else {}),
        )
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(errors="replace")[:300]

    def token(self, username):
        status, body = self.call(
            "POST", "/api/v1/auth/token/", {"username": username, "password": "demo"}
        )
        assert status in (200, 201), body
        return body["token"]

    def deliveries(self, endpoint_id, token):
        status, body = self.call(
            "GET", f"/api/v1/webhooks/{endpoint_id}/deliveries/?limit=200", token=token
        )
        assert status == 200, body
        return body["results"]


@pytest.fixture
def embedded_server(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "core.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "EMBEDDED_BEAT": "false",  # retries must not depend on the embedded beat
        "WEBHOOK_RETRY_BASE_SECONDS": "1",
        "LOG_LEVEL": "ERROR",
    }
    for name in ("REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "WEBHOOKS_INLINE"):
        env.pop(name, None)
    manage = [sys.executable, "manage.py"]
    for step in (["migrate", "-v0"], ["shell", "-c", SETUP]):
        run = subprocess.run(
            manage + step, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
        )
        assert run.returncode == 0, run.stderr[-2000:]
    port = _free_port()
    log = (tmp_path / "server.log").open("w+")
    server = subprocess.Popen(
        manage + ["runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    api = Api(f"http://127.0.0.1:{port}")
    for _ in range(300):
        try:
            urllib.request.urlopen(api.base + "/healthz", timeout=2)
            break
        except urllib.error.HTTPError:
            break
        except OSError:
            time.sleep(0.1)
    try:
        yield api, log
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()


def test_embedded_deliveries_are_recorded_truthfully_and_failures_retried(embedded_server):
    api, log = embedded_server
    admin, agent = api.token("admin"), api.token("agent")
    ok_received, failing_received = [], []
    ok_server, ok_url = _receiver(200, ok_received)
    failing_server, failing_url = _receiver(500, failing_received)
    events = ["incident.*", "kpi.off_target"]
    endpoints = {}
    for name, url in (("ok", ok_url), ("fails", failing_url), ("dead", "http://127.0.0.1:1/")):
        status, body = api.call(
            "POST", "/api/v1/webhooks/", {"name": name, "url": url, "events": events}, admin
        )
        assert status == 201, body
        endpoints[name] = body["id"]
    try:

        def open_incident(i):
            return api.call(
                "POST",
                "/api/v1/incidents/",
                {"title": f"Printer {i} offline", "impact": 3, "urgency": 3},
                agent,
            )

        with ThreadPoolExecutor(4) as pool:
            opened = list(pool.map(open_incident, range(12)))
        assert [status for status, _ in opened] == [201] * 12, opened
        status, run = api.call("POST", "/api/v1/kpis/compute/", {}, admin)
        assert status in (200, 201, 202), run
        # The run is not broken by the deliveries of the events it announces.
        assert run["status"] == "ok", run["per_kpi"]

        # Every event reaches the good receiver once and is recorded as delivered.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            ok_log = api.deliveries(endpoints["ok"], admin)
            if ok_log and all(d["status"] == "delivered" for d in ok_log):
                break
            time.sleep(0.5)
        assert Counter((d["status"], d["attempts"]) for d in ok_log) == {
            ("delivered", 1): len(ok_log)
        }
        assert sorted(e["id"] for e in ok_received) == sorted(d["event_id"] for d in ok_log)
        events = Counter(d["event"] for d in ok_log)
        assert events["incident.created"] == 12 and events["kpi.off_target"] >= 1, events

        # Failing receivers: tried, then tried again after the backoff, the log saying when.
        for name in ("fails", "dead"):
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                rows = api.deliveries(endpoints[name], admin)
                if len(rows) == len(ok_log) and all(d["attempts"] >= 2 for d in rows):
                    break
                time.sleep(0.5)
            assert len(rows) == len(ok_log)
            for row in rows:
                assert row["attempts"] >= 2, row
                assert row["status"] in ("pending", "failed"), row
                assert row["tries"][-1]["error"], row
                if row["status"] == "pending":
                    assert row["next_attempt_at"] is not None, row
        assert len(failing_received) >= 2 * len(ok_log)
    finally:
        ok_server.shutdown()
        failing_server.shutdown()
    log.seek(0)
    assert "database is locked" not in log.read()
