"""The Markdown report: the machine it ran on, then each step's section."""

from __future__ import annotations

import os
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def machine() -> str:
    def first(cmd: list[str]) -> str:
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return "?"

    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        pg = cur.fetchone()[0]
        cur.execute("SHOW shared_buffers")
        shared = cur.fetchone()[0]
    return (
        f"{os.cpu_count()} cores ({cpu}), {mem} memory, PostgreSQL {pg} "
        f"(shared_buffers {shared}), Python {platform.python_version()}, "
        f"{first(['uname', '-sr'])}; client, server and database on the same machine"
    )


def write(
    sections: list[tuple[str, str]],
    *,
    scale: float,
    command: str,
    results_dir: str | None = None,
    meta: dict | None = None,
) -> Path:
    out = Path(results_dir) if results_dir else RESULTS
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = out / f"{scale:g}-{stamp}.md"
    body = [
        f"# Bench `{command}` at scale {scale:g} — {stamp}",
        "",
        f"Machine: {machine()}.",
        "",
    ]
    for title, text in sections:
        body += [f"## {title}", "", text.strip(), ""]
    path.write_text("\n".join(body))
    return path
