from django.apps import AppConfig


class KpisConfig(AppConfig):
    name = "kpis"
    verbose_name = "KPIs"

    def ready(self):
        from celery.schedules import crontab

        from core.celery import app
        from kpis import definitions  # noqa: F401  (registers every KPI)

        # Hourly for today's periods of the service KPIs; nightly for the periods that closed
        # yesterday and the project KPIs of the new day (kpis/tasks.py says why).
        schedule = app.conf.beat_schedule
        schedule.setdefault(
            "kpis-hourly",
            {"task": "kpis.tasks.compute_kpis_hourly", "schedule": crontab(minute=7)},
        )
        schedule.setdefault(
            "kpis-nightly",
            {
                "task": "kpis.tasks.compute_kpis_closed_periods",
                "schedule": crontab(hour=1, minute=17),
            },
        )
