from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from core.fields import OneLineCharField
from servicedesk.choices import Criticality, ServiceStatus

__all__ = ["Service"]

NAME_TAKEN = "A service with this name already exists (names are compared ignoring letter case)."


class Service(models.Model):
    """An IT service in the catalog, run by its owner and supported by a team."""

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
            models.UniqueConstraint(
                Lower("name"),
                name="service_name_unique_ignoring_case",
                violation_error_message=NAME_TAKEN,
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean_fields(self, exclude=None):
        self.name = (self.name or "").strip()  # "email " is "email"
        super().clean_fields(exclude=exclude)

    def validate_constraints(self, exclude=None):
        """The case-insensitive name clash is told beside `name`, as the exact one is."""
        try:
            super().validate_constraints(exclude=exclude)
        except ValidationError as exc:
            errors = exc.update_error_dict({})
            general = errors.pop(NON_FIELD_ERRORS, [])
            clash = [e for e in general if NAME_TAKEN in getattr(e, "messages", [str(e)])]
            rest = [e for e in general if e not in clash]
            if rest:
                errors[NON_FIELD_ERRORS] = rest
            if clash and "name" not in errors:
                errors["name"] = [ValidationError(NAME_TAKEN, code="unique")]
            if errors:
                raise ValidationError(errors) from None
