"""Celery tasks: thin wrappers around kpis.actions (ids and ISO dates as arguments)."""

import datetime

from celery import shared_task
from django.utils import timezone

from core.task_policy import task_policy
from kpis import registry
from kpis.actions import kpis_compute
from kpis.models import KpiRun

# A full run takes seconds; a backfill of a year, a minute or two on PostgreSQL.
SOFT_TIME_LIMIT = 15 * 60
TIME_LIMIT = SOFT_TIME_LIMIT + 60


def _date(value: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


@shared_task(**task_policy(time_limit=TIME_LIMIT, soft_time_limit=SOFT_TIME_LIMIT))
def compute_kpis(
    as_of: str | None = None,
    codes: list[str] | None = None,
    scopes: list[str] | None = None,
    backfill_days: int = 0,
    run_id: int | None = None,
    trigger: str = "beat",
) -> dict:
    """Compute the KPIs of the periods ending at `as_of` (today if None); idempotent upserts.

    With `run_id` (a run recorded by the API) that run's own as_of, codes, scopes and backfill
    apply and the same row is reused, so a redelivery after a worker died completes that run
    instead of starting another.
    """
    run = KpiRun.objects.filter(pk=run_id).first() if run_id else None
    run = kpis_compute(
        as_of=_date(as_of),
        codes=codes,
        scopes=scopes,
        backfill_days=backfill_days,
        run=run,
        trigger=trigger,
    )
    return {"run": run.pk, "status": run.status, "per_kpi": run.per_kpi}


def hourly_codes() -> list[str]:
    """What changes by the hour: the service KPIs (incidents, SLAs, surveys, outages). The
    project KPIs are earned-value measures of a status date — planned value moves by the day,
    progress and costs are booked by the day — so they are computed nightly for the new day
    (and whenever a run is asked for), not 24 times over the same date."""
    return [d.code for d in registry.definitions(group="service")]


def daily_codes() -> list[str]:
    """The project KPIs, computed once a day for the new status date (see hourly_codes)."""
    return [d.code for d in registry.definitions(group="project")]


@shared_task(**task_policy(time_limit=TIME_LIMIT, soft_time_limit=SOFT_TIME_LIMIT))
def compute_kpis_hourly() -> dict:
    """Hourly (beat): today's day, week and month periods of the service KPIs."""
    return compute_kpis(codes=hourly_codes(), trigger="beat")


@shared_task(**task_policy(time_limit=TIME_LIMIT, soft_time_limit=SOFT_TIME_LIMIT))
def compute_kpis_closed_periods() -> dict:
    """Nightly: the periods that contain yesterday, now closed (or closing) with final values,
    then the project KPIs of the new day."""
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    closed = compute_kpis(as_of=yesterday.isoformat(), trigger="beat")
    today = compute_kpis(codes=daily_codes(), trigger="beat")
    return {"closed": closed, "today": today}
