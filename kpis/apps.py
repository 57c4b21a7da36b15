from django.apps import AppConfig


class KpisConfig(AppConfig):
    name = "kpis"
    verbose_name = "KPIs"

    def ready(self):
        from celery.schedules import crontab

        from core.celery import app
        from kpis import definitions  # noqa: F401  (registers every KPI)

        # Hourly for today's periods, nightly for the periods that closed yesterday.
        schedule = app.conf.beat_schedule
        schedule.setdefault(
            "kpis-hourly",
            {"task": "kpis.tasks.compute_kpis", "schedule": crontab(minute=7)},
        )
        schedule.setdefault(
            "kpis-nightly",
            {
                "task": "kpis.tasks.compute_kpis_closed_periods",
                "schedule": crontab(hour=1, minute=17),
            },
        )
