"""The embedded mode's beat: with no broker, `manage.py runserver` runs the beat schedule.

Production runs `celery beat` beside the workers. The embedded default (`make run`: SQLite,
tasks in-process) has neither, so without this the minute SLA scans and the hourly KPI runs
never happened while someone tried the product: breaches were not flagged and the dashboards
stayed at the figures `seed_demo` computed. One daemon thread of the serving process checks
the same schedule (`app.conf.beat_schedule`, what the apps register) every few seconds and
runs each due task in-process, one at a time; SQLite's writers wait for each other
(core/settings.py gives them 20 s).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from datetime import timedelta

from celery.schedules import schedule as every
from django.db import close_old_connections, connection
from django.utils import timezone

logger = logging.getLogger(__name__)
TICK_SECONDS = 5.0


def wanted(argv: list[str], environ, *, eager: bool, enabled: bool) -> bool:
    """Whether this process should run the schedule: the serving process of `runserver` (the
    autoreloader's child, or the only process with --noreload), tasks run in-process, and
    EMBEDDED_BEAT not switched off. Never for tests, migrations, shells or gunicorn."""
    if not (enabled and eager) or len(argv) < 2 or argv[1] != "runserver":
        return False
    return environ.get("RUN_MAIN") == "true" or "--noreload" in argv


class EmbeddedBeat:
    """The beat schedule's entries, each run when due; `tick(now)` runs what is due."""

    def __init__(self, app, *, started=None):
        self.app = app
        self.started = started or timezone.now()
        self.last_run: dict[str, object] = {}

    def _schedule(self, entry):
        value = entry["schedule"]
        if isinstance(value, int | float | timedelta):
            value = every(value if isinstance(value, timedelta) else timedelta(seconds=value))
        return value

    def due(self, now) -> list[str]:
        """The entries due at `now` (each at most once per tick)."""
        names = []
        for name, entry in sorted(self.app.conf.beat_schedule.items()):
            if _next_run(self._schedule(entry), self.last_run.get(name, self.started)) <= now:
                names.append(name)
        return names

    def tick(self, now=None) -> list[str]:
        """Run every entry due at `now`, in-process; a failing task is logged, not raised (the
        next entries and ticks go on, as under celery beat). The names run."""
        now = now or timezone.now()
        self.app.loader.import_default_modules()  # every app's tasks (autodiscovery is lazy)
        ran = []
        for name in self.due(now):
            entry = self.app.conf.beat_schedule[name]
            self.last_run[name] = now
            try:
                self.app.tasks[entry["task"]].apply(
                    args=entry.get("args", ()), kwargs=entry.get("kwargs", {}), throw=True
                )
            except Exception:
                logger.exception("embedded beat: %s failed", name)
            ran.append(name)
        return ran


def _next_run(schedule, last):
    """When an entry last run at `last` is due next (a crontab's next matching minute, an
    interval's `last` + its period)."""
    if hasattr(schedule, "remaining_delta"):
        start, delta, _now = schedule.remaining_delta(last)
        return start + delta
    return last + schedule.run_every


def start(app) -> threading.Thread:
    """The schedule in a daemon thread of this process (it ends with the server)."""
    beat = EmbeddedBeat(app)

    def loop():
        time.sleep(TICK_SECONDS)  # every app has registered its entries by then
        logger.info("embedded beat: running %s", ", ".join(sorted(app.conf.beat_schedule)))
        while True:
            time.sleep(TICK_SECONDS)
            close_old_connections()
            try:
                beat.tick()
            finally:
                connection.close()

    thread = threading.Thread(target=loop, name="embedded-beat", daemon=True)
    thread.start()
    return thread


def start_if_wanted(argv: list[str]) -> threading.Thread | None:
    from django.conf import settings

    from core.celery import app
    from core.webhooks import SENDER

    eager = settings.CELERY_TASK_ALWAYS_EAGER
    if wanted(argv, os.environ, eager=eager, enabled=True) and not settings.WEBHOOKS_INLINE:
        # The serving process sends the webhook deliveries (core.webhooks.EmbeddedSender),
        # beat or no beat: those left pending by a restart are swept now.
        SENDER.start()
    if not wanted(argv, os.environ, eager=eager, enabled=settings.EMBEDDED_BEAT):
        return None
    return start(app)
