from django.conf import settings
from django.db import models
from django.utils import timezone

from core.fields import OneLineCharField
from core.unique_names import NameUniqueIgnoringCase, name_unique_ignoring_case
from servicedesk.choices import Criticality, ServiceStatus

__all__ = ["Service"]

NAME_TAKEN = "A service with this name already exists (names are compared ignoring letter case)."


class Service(NameUniqueIgnoringCase, models.Model):
    """An IT service in the catalog, run by its owner and supported by a team."""

    name_taken = NAME_TAKEN

    name = OneLineCharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="services_owned",
    )
    support_team = models.ForeignKey(
        "core.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="services"
    )
    status = models.CharField(
        max_length=10, choices=ServiceStatus.choices, default=ServiceStatus.PLANNED
    )
    criticality = models.PositiveSmallIntegerField(
        choices=Criticality.choices, default=Criticality.MEDIUM
    )
    # Null: the default SLA policy applies.
    sla_policy = models.ForeignKey(
        "servicedesk.SLAPolicy",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="services",
    )
    # When the service is agreed to be available (null: the built-in 24x7 calendar).
    service_hours = models.ForeignKey(
        "servicedesk.BusinessCalendar",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="services",
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["status", "name"])]
        constraints = [
            # "Email" and "email" are one service to the people picking one.
            name_unique_ignoring_case(name="service_name_unique_ignoring_case", message=NAME_TAKEN)
        ]

    def __str__(self) -> str:
        return self.name
