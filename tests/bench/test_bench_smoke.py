"""The benchmark runs end to end at a tiny scale and writes its report (no timings asserted)."""

import os
import re
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _throwaway_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    parts = urlparse(url)
    if parts.scheme not in {"postgres", "postgresql"}:
        return None
    return urlunparse(parts._replace(path=f"/servicehub_bench_smoke_{uuid.uuid4().hex[:8]}"))


@pytest.mark.postgres
def test_bench_seeds_loads_times_kpis_and_reports(tmp_path):
    url = _throwaway_url()
    if url is None:
        pytest.skip("the bench needs PostgreSQL (DATABASE_URL is not postgres://)")
    from bench import db

    try:
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench",
                "all",
                "--scale",
                "0.0005",
                "--duration",
                "4",
                "--floor-duration",
                "2",
                "--warmup",
                "1",
                "--clients",
                "2",
                "--workers",
                "2",
                "--backfill-days",
                "1",
                "--database-url",
                url,
                "--results",
                str(tmp_path),
            ],  # fmt: skip
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
        # Idempotent per database: the same scale again is skipped.
        again = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench",
                "seed",
                "--scale",
                "0.0005",
                "--database-url",
                url,
                "--results",
                str(tmp_path),
            ],  # fmt: skip
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert again.returncode == 0, again.stderr[-3000:]
        assert "already loaded" in again.stdout
    finally:
        db.drop_database(url)
    reports = sorted(p for p in tmp_path.glob("*.md") if "`all`" in p.read_text())
    assert reports, "no report written"
    text = reports[0].read_text()
    for needle in ("## Data set", "servicedesk_incident", "**floor**", "queue_api", "detail_api",
                   "create", "search", "deep_page", "## KPI jobs", "## Query plans",
                   "### Page depth", "| API | 50.0% |", "| console | 99.9% |"):  # fmt: skip
        assert needle in text, needle
    # The floor's one statement is timed in the worker (SQL milliseconds per request).
    assert re.search(r"\*\*floor\*\*.*\| 1\.0, 1 \| \d+\.\d \| 1\.0 \|", text), text[:3000]
    assert re.search(r"Time in SQL per request .*: mix \d+\.\d ms, floor \d+\.\d ms", text)
