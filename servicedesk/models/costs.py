"""What running a service costs, per month and category (read by the KPI jobs)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from servicedesk.choices import CostCategory

__all__ = ["ServiceCost"]


class ServiceCost(models.Model):
    service = models.ForeignKey(
        "servicedesk.Service", on_delete=models.CASCADE, related_name="costs"
    )
    period_month = models.DateField(help_text="The first day of the month the cost belongs to.")
    category = models.CharField(max_length=16, choices=CostCategory.choices)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(
        max_length=3, default="EUR", validators=[RegexValidator(r"^[A-Z]{3}$", "ISO 4217 code.")]
    )
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-period_month", "category", "id"]
        indexes = [models.Index(fields=["service", "period_month"], name="cost_service_month")]
        constraints = [
            models.CheckConstraint(condition=Q(period_month__day=1), name="cost_first_of_month")
        ]

    def __str__(self) -> str:
        return f"{self.period_month:%Y-%m} {self.category} {self.amount} {self.currency}"

    def clean(self):
        if self.period_month and self.period_month.day != 1:
            raise ValidationError({"period_month": ["Use the first day of the month."]})
