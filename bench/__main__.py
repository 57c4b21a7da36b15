"""`python -m bench seed|load|kpis|all [--scale S] [--duration SECONDS] [--clients N]`.

`all` (what `make bench` runs) seeds, drives the load, times the KPI jobs and writes one
report to bench/results/<scale>-<timestamp>.md.
"""

from __future__ import annotations

import argparse
import sys
import time

from bench import db


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("command", choices=["seed", "load", "kpis", "explain", "all"])
    p.add_argument("--scale", type=float, default=0.1, help="1.0 = 1M incidents (default 0.1)")
    p.add_argument("--seed", type=int, default=42, help="random seed of the generator")
    p.add_argument("--duration", type=float, default=60, help="seconds of the mixed workload")
    p.add_argument("--floor-duration", type=float, default=None, help="default: duration / 3")
    p.add_argument("--clients", type=int, default=10, help="concurrent clients")
    p.add_argument("--warmup", type=float, default=5, help="unrecorded seconds before each run")
    p.add_argument("--workers", type=int, default=None, help="gunicorn workers (2 × cores + 1)")
    p.add_argument("--database-url", default=None, help="default: $BENCH_DATABASE_URL")
    p.add_argument("--results", default=None, help="directory of the report (bench/results)")
    p.add_argument("--force", action="store_true", help="seed even a non-bench database")
    p.add_argument(
        "--backfill-days", type=int, default=31, help="days the full KPI recompute covers"
    )
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    url = db.bench_url(args.database_url)
    if db.ensure_database(url):
        print(f"bench: created database {url.rsplit('/', 1)[-1]}")
    db.migrate(url)
    db.setup_django(url)
    from bench import report

    started = time.monotonic()
    sections: list[tuple[str, str]] = []
    meta = None
    if args.command in {"seed", "all"}:
        from bench.seed import seed, seed_markdown

        meta = seed(url=url, scale=args.scale, rng_seed=args.seed, force=args.force)
        sections.append(("Data set", seed_markdown(meta)))
    if args.command in {"load", "all"}:
        from bench.load import load

        sections.append(
            (
                "Load",
                load(
                    url=url,
                    duration=args.duration,
                    floor_duration=args.floor_duration,
                    clients=args.clients,
                    workers=args.workers,
                    warmup=args.warmup,
                ),
            )
        )
    if args.command in {"explain", "all"}:
        from bench.explain import explain_markdown

        sections.append(("Query plans of the console", explain_markdown()))
    if args.command in {"kpis", "all"}:
        from bench.kpis import kpis_markdown

        sections.append(("KPI jobs", kpis_markdown(backfill_days=args.backfill_days)))
    scale = args.scale
    if meta is None:  # load/kpis/explain alone: name the report after the data set measured
        from django.db import connection

        from bench.seed import read_meta

        with connection.cursor() as cur:
            scale = (read_meta(cur) or {}).get("scale", scale)
    path = report.write(
        sections, scale=scale, command=args.command, results_dir=args.results, meta=meta
    )
    print(path.read_text())
    print(f"bench {args.command}: report in {path} ({time.monotonic() - started:.0f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
