from django.db import models


class ServiceStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    LIVE = "live", "Live"
    RETIRED = "retired", "Retired"


class Criticality(models.IntegerChoices):
    HIGH = 1, "High"
    MEDIUM = 2, "Medium"
    LOW = 3, "Low"
