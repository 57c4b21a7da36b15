"""`bench load`: the app under gunicorn, a fixed-duration mixed workload, and its floor.

The server is the production entry point (`gunicorn core.wsgi:application`, 2 × cores + 1
sync workers) on the bench database, DEBUG off, Celery sending to Redis (requests only
enqueue, as in production; no worker is needed for the measured requests). Settings are
`bench.settings`: the app's own plus the floor URL and a middleware that reports each
request's SQL statement count in a header.

The floor is the same clients against `/bench/floor/<id>/` (one row by primary key as
JSON through the same middleware stack); the mix is reported in milliseconds and as a
ratio to it.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.request

from bench import db
from bench.client import KIND, SCENARIOS, run_client
from bench.seed import PASSWORD

REDIS_DB_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
# Targets of issue 9 (p95 in ms) by scenario kind.
TARGET_P95 = {"list": 60, "detail": 40, "write": 80, "page": 50, "search": 150}
QUERY_BUDGET = {"list": 8, "detail": 6, "page": 8}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def plan_data(clients: int) -> dict:
    """What the clients need to know about the data set: users, ids, numbers, ranges."""
    from django.db import connection

    rng = random.Random(7)
    with connection.cursor() as cur:
        cur.execute("SELECT max(id), extract(epoch FROM min(opened_at)), "
                    "extract(epoch FROM max(opened_at)) FROM servicedesk_incident")  # fmt: skip
        max_id, lo, hi = cur.fetchone()
        if not max_id:
            raise SystemExit("bench load: no incidents; run `python -m bench seed` first")
        cur.execute(
            "SELECT u.username, min(t.team_id) FROM core_user u JOIN core_user_teams t "
            "ON t.user_id = u.id WHERE u.role = 'agent' GROUP BY u.username ORDER BY u.username"
        )
        agents = cur.fetchall()
        # Requesters with a few tickets each (their portal), found by index, not by a scan.
        cur.execute(
            "SELECT id, username FROM core_user WHERE role = 'requester' ORDER BY id LIMIT 400"
        )
        requesters = []
        for uid, username in cur.fetchall():
            cur.execute(
                "SELECT number FROM servicedesk_incident WHERE requester_id = %s "
                "ORDER BY opened_at DESC LIMIT 20",
                [uid],
            )
            numbers = [r[0] for r in cur.fetchall()]
            if len(numbers) >= 3:
                requesters.append((username, numbers))
            if len(requesters) >= 50:
                break
        cur.execute("SELECT username FROM core_user WHERE role = 'manager' ORDER BY username")
        managers = [r[0] for r in cur.fetchall()]
        cur.execute(
            "SELECT id FROM servicedesk_incident WHERE status IN "
            "('new', 'assigned', 'in_progress', 'on_hold') ORDER BY id DESC LIMIT 5000"
        )
        open_incidents = [r[0] for r in cur.fetchall()]
        cur.execute("SELECT id FROM servicedesk_service WHERE status = 'live' ORDER BY id")
        services = [r[0] for r in cur.fetchall()]
        cur.execute(
            "SELECT id FROM projects_project WHERE phase IN ('execution', 'monitoring_control', "
            "'closing') ORDER BY id LIMIT 2000"
        )
        projects = [r[0] for r in cur.fetchall()] or [1]
    people = []
    for i in range(clients):
        agent, team = agents[(i * 7919) % len(agents)]
        req, numbers = requesters[rng.randrange(len(requesters))]
        people.append(
            {
                "agent": agent,
                "team": team,
                "requester": req,
                "requester_incidents": numbers[:20],
                "manager": managers[i % len(managers)],
            }
        )
    return {
        "clients": people,
        "password": PASSWORD,
        "max_incident": int(max_id),
        "opened_range": (int(lo), int(hi)),
        "open_incidents": open_incidents or [1],
        "services": services,
        "projects": projects,
    }


class Server:
    """gunicorn on a free loopback port, stopped (its process group) on exit."""

    def __init__(self, url: str, workers: int):
        self.port = _free_port()
        env = db.server_env(
            url,
            ALLOWED_HOSTS="127.0.0.1,localhost",
            REDIS_URL=REDIS_DB_URL,
            THROTTLE_USER="1000000/minute",
            THROTTLE_ANON="100000/minute",
            CONN_MAX_AGE="600",
            LOG_LEVEL="WARNING",
        )
        self.log = open(os.path.join(os.environ.get("TMPDIR", "/tmp"), "bench-gunicorn.log"), "w")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "core.wsgi:application",
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "120",
                "--log-level",
                "warning",
            ],  # fmt: skip
            cwd=db.ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=5):
                    break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise SystemExit(
                        f"bench load: gunicorn did not start; see {self.log.name}"
                    ) from None
                time.sleep(0.3)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()


def _flush_redis() -> None:
    try:
        import redis

        redis.Redis.from_url(REDIS_DB_URL, socket_timeout=5).flushdb()
    except Exception as exc:  # the bench works without Redis; the report says what it used
        print(f"bench load: could not flush {REDIS_DB_URL}: {exc}")


def run_phase(
    *, mode: str, port: int, plan: dict, clients: int, duration: float, warmup: float
) -> tuple[list, list, float]:
    cfg = {
        **plan,
        "mode": mode,
        "host": "127.0.0.1",
        "port": port,
        "duration": duration,
        "warmup": warmup,
        "max_requests": 200_000,
    }
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(clients)
    results = ctx.Queue()
    procs = [
        ctx.Process(target=run_client, args=(i, cfg, barrier, results), daemon=True)
        for i in range(clients)
    ]
    for p in procs:
        p.start()
    records, errors = [], []
    for _ in procs:
        _, recs, errs = results.get(timeout=duration + warmup + 600)
        records += recs
        errors += errs
    for p in procs:
        p.join(timeout=30)
    return records, errors, duration


def pct(sorted_ms: list[float], p: float) -> float:
    if not sorted_ms:
        return float("nan")
    k = max(0, min(len(sorted_ms) - 1, int(round(p / 100 * len(sorted_ms) + 0.5)) - 1))
    return sorted_ms[k]


def summarise(records: list, duration: float) -> dict[str, dict]:
    by: dict[str, list] = {}
    for rec in records:
        by.setdefault(rec[0], []).append(rec)
    out = {}
    for name, recs in by.items():
        ms = sorted(r[1] for r in recs)
        queries = [r[4] for r in recs if r[4] >= 0]
        sql_ms = [r[5] for r in recs if r[5] == r[5]]
        out[name] = {
            "n": len(recs),
            "rps": len(recs) / duration,
            "p50": pct(ms, 50),
            "p95": pct(ms, 95),
            "p99": pct(ms, 99),
            "errors": sum(1 for r in recs if not r[3]),
            "q_mean": sum(queries) / len(queries) if queries else float("nan"),
            "q_max": max(queries) if queries else -1,
            "sql_ms": sum(sql_ms) / len(sql_ms) if sql_ms else float("nan"),
        }
    return out


def load(
    *,
    url: str,
    duration: float = 60,
    floor_duration: float | None = None,
    clients: int = 10,
    workers: int | None = None,
    warmup: float = 5,
) -> str:
    """Run the floor and the mix; returns the Markdown section of the report."""
    workers = workers or 2 * (os.cpu_count() or 1) + 1
    floor_duration = floor_duration or max(5.0, duration / 3)
    plan = plan_data(clients)
    _flush_redis()
    print(f"bench load: gunicorn with {workers} workers, {clients} clients", flush=True)
    server = Server(url, workers)
    try:
        print(f"bench load: floor for {floor_duration:.0f}s", flush=True)
        floor_recs, floor_errs, _ = run_phase(
            mode="floor", port=server.port, plan=plan, clients=clients,
            duration=floor_duration, warmup=min(warmup, 2.0),
        )  # fmt: skip
        print(f"bench load: mixed workload for {duration:.0f}s", flush=True)
        mix_recs, mix_errs, _ = run_phase(
            mode="mix", port=server.port, plan=plan, clients=clients,
            duration=duration, warmup=warmup,
        )  # fmt: skip
        depth_duration = max(3.0, duration / 4)
        print(f"bench load: page depth, one client, for {depth_duration:.0f}s", flush=True)
        depth_recs, depth_errs, _ = run_phase(
            mode="depth", port=server.port, plan=plan, clients=1,
            duration=depth_duration, warmup=min(warmup, 1.0),
        )  # fmt: skip
    finally:
        server.stop()
        _flush_redis()
    floor = summarise(floor_recs, floor_duration).get("floor")
    mix = summarise(mix_recs, duration)
    report = markdown(
        floor=floor,
        mix=mix,
        total_mix=len(mix_recs),
        duration=duration,
        floor_duration=floor_duration,
        clients=clients,
        workers=workers,
        errors=floor_errs + mix_errs,
    )
    return report + "\n\n" + depth_markdown(summarise(depth_recs, depth_duration), depth_errs)


def depth_markdown(depth: dict[str, dict], errors: list[str]) -> str:
    """The page-depth probe: the same list at several depths, alone on the machine."""
    target = TARGET_P95["page"]
    lines = [
        "### Page depth (one client, nothing else running)",
        "",
        "The incident list newest first, its page starting at a fraction of the three years "
        "(0 = the first page; a keyset cursor, what scrolling that far would give), through "
        "the API (50 rows) and the agent console (`/desk/?view=all`, 50 rows, HTML).",
        "",
        "| page | depth | requests | p50 ms | p95 ms | errors | SQL/req (mean, max) "
        "| SQL ms/req (mean) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    worst = 0.0
    for name in sorted(depth, key=lambda n: (n.split("_")[1], float(n.split("_")[2]))):
        row = depth[name]
        _, where, fraction = name.split("_")
        worst = max(worst, row["p95"])
        lines.append(
            f"| {'API' if where == 'api' else 'console'} | {float(fraction):.1%} | {row['n']} "
            f"| {_f(row['p50'])} | {_f(row['p95'])} | {row['errors']} "
            f"| {_f(row['q_mean'])}, {row['q_max']} | {_f(row['sql_ms'])} |"
        )
    failed = sum(row["errors"] for row in depth.values())
    met = depth and worst <= target and not failed
    lines += [
        "",
        f"Any page depth ≤ {target} ms: **{'met' if met else 'not met'}** (worst p95 "
        f"{_f(worst)} ms; under the ten-client mix the deep pages queue like every request: "
        "see `deep_page` above).",
    ]
    if errors:
        lines += ["", "First errors:", "", *(f"- `{e[:300]}`" for e in errors[:10])]
    return "\n".join(lines)


def _mean_sql(rows: dict[str, dict]) -> float:
    """The mean SQL milliseconds per request over scenarios (weighted by their requests)."""
    timed = [(r["sql_ms"], r["n"]) for r in rows.values() if r["sql_ms"] == r["sql_ms"]]
    n = sum(count for _, count in timed)
    return sum(ms * count for ms, count in timed) / n if n else float("nan")


def _f(x: float) -> str:
    return "–" if x != x else f"{x:.1f}"  # NaN → dash


def markdown(*, floor, mix, total_mix, duration, floor_duration, clients, workers, errors) -> str:
    if not floor:
        return "The floor run recorded no requests: " + "; ".join(errors[:5])
    mix_rps = total_mix / duration
    mix_errors = sum(s["errors"] for s in mix.values())
    lines = [
        f"gunicorn `core.wsgi:application`, {workers} sync workers; {clients} concurrent "
        f"clients (separate processes, loopback); floor {floor_duration:.0f} s, mix "
        f"{duration:.0f} s after a warm-up; Celery tasks sent to Redis, no worker.",
        "",
        "| scenario | kind | requests | req/s | p50 ms | p95 ms | p99 ms | errors "
        "| SQL/req (mean, max) | SQL ms/req (mean) | p50 × floor | p95 target | met |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        f"| **floor** (`/bench/floor/<id>/`) | floor | {floor['n']} | {floor['rps']:.1f} "
        f"| {_f(floor['p50'])} | {_f(floor['p95'])} | {_f(floor['p99'])} | {floor['errors']} "
        f"| {_f(floor['q_mean'])}, {floor['q_max']} | {_f(floor['sql_ms'])} | 1.0 | | |",
    ]
    order = [n for n, _, _ in SCENARIOS]
    for name in sorted(mix, key=lambda n: order.index(n) if n in order else 99):
        s = mix[name]
        kind = KIND.get(name, "?")
        target = TARGET_P95.get(kind)
        budget = QUERY_BUDGET.get(kind)
        met = ""
        if target is not None:
            ok = s["p95"] <= target and s["errors"] == 0
            if budget is not None:
                ok = ok and 0 <= s["q_max"] <= budget
            met = "yes" if ok else "**no**"
        lines.append(
            f"| {name} | {kind} | {s['n']} | {s['rps']:.1f} | {_f(s['p50'])} | {_f(s['p95'])} "
            f"| {_f(s['p99'])} | {s['errors']} | {_f(s['q_mean'])}, {s['q_max']} "
            f"| {_f(s['sql_ms'])} | {s['p50'] / floor['p50']:.1f} | {target if target else ''}"
            f"{' (≤' + str(budget) + ' SQL)' if budget else ''} | {met} |"
        )
    lines += [
        f"| **mix total** | | {total_mix} | {mix_rps:.1f} | | | | {mix_errors} | | | | | |",
        "",
        f"Throughput: mix {mix_rps:.1f} req/s vs floor {floor['rps']:.1f} req/s = "
        f"**{mix_rps / floor['rps']:.2f} × the floor** (target ≥ 0.8). Time in SQL per "
        f"request (mean, in the workers, under load): mix {_f(_mean_sql(mix))} ms, floor "
        f"{_f(floor['sql_ms'])} ms.",
    ]
    if errors:
        lines += ["", "First errors:", "", *(f"- `{e[:300]}`" for e in errors[:10])]
    return "\n".join(lines)
