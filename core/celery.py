"""The Celery app: JSON only, late acks, time limits; tasks autodiscovered per app."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")

app = Celery("servicehub")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
