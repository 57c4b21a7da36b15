from django.apps import AppConfig

SLA_SCAN_SCHEDULE = {"task": "servicedesk.tasks.sla_scan", "schedule": 60.0}
REQUEST_SLA_SCAN_SCHEDULE = {"task": "servicedesk.request_tasks.request_sla_scan", "schedule": 60.0}
MAILBOX_POLL_SCHEDULE = {"task": "servicedesk.tasks.poll_mailbox", "schedule": 60.0}


class ServicedeskConfig(AppConfig):
    name = "servicedesk"
    verbose_name = "Service desk"

    def ready(self):
        # The SLA scan runs every minute under celery beat. Registered here so the
        # schedule lives with the task (core/settings.py keeps CELERY_BEAT_SCHEDULE = {}).
        from core.celery import app

        app.conf.beat_schedule.setdefault("servicedesk-sla-scan", SLA_SCAN_SCHEDULE)
        app.conf.beat_schedule.setdefault("servicedesk-request-sla-scan", REQUEST_SLA_SCAN_SCHEDULE)
        app.conf.beat_schedule.setdefault("servicedesk-mailbox-poll", MAILBOX_POLL_SCHEDULE)
        from core import choice_lists
        from core.models import Team, User
        from servicedesk import catalogue
        from servicedesk.models import Service

        catalogue.connect()
        # The console's choice lists (services, teams, agents) kept per worker; a login
        # stamping `last_login` changes no list.
        choice_lists.KEPT.connect(Service, Team, User, ignore_fields=frozenset({"last_login"}))
