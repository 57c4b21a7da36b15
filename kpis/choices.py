"""Choices of the KPI app: period kinds, statuses, directions, run states."""

from django.db import models


class PeriodKind(models.TextChoices):
    DAY = "day", "Day"
    WEEK = "week", "Week"
    MONTH = "month", "Month"


class KpiStatus(models.TextChoices):
    ON_TARGET = "on_target", "On target"
    AT_RISK = "at_risk", "At risk"
    OFF_TARGET = "off_target", "Off target"
    NO_TARGET = "no_target", "No target"  # a measure that is watched, not judged (e.g. volume)
    NO_DATA = "no_data", "No data"


class Direction(models.TextChoices):
    HIGHER = "higher", "Higher is better"
    LOWER = "lower", "Lower is better"


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    OK = "ok", "Succeeded"
    PARTIAL = "partial", "Some KPIs failed"
    FAILED = "failed", "Failed"


# The CSS class of a tile for each status (app.css: tile ok / warn / bad).
STATUS_CSS = {
    KpiStatus.ON_TARGET: "ok",
    KpiStatus.AT_RISK: "warn",
    KpiStatus.OFF_TARGET: "bad",
    KpiStatus.NO_TARGET: "",
    KpiStatus.NO_DATA: "",
}
