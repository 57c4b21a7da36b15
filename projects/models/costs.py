from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone

from projects.choices import CostCategory
from projects.models.happened import check_not_in_future

__all__ = ["CostEntry", "TimeEntry"]


class CostEntry(models.Model):
    """Money spent on the project (actual cost, AC), in the project's currency.

    The ledger holds actuals only: a cost is recorded once it is incurred, so `incurred_on`
    is never in the future. What is planned lives in the tasks' planned cost (the cost
    baseline); commitments not yet incurred (orders placed) are not actual cost in earned
    value and have no place here.
    """

    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="cost_entries"
    )
    task = models.ForeignKey(
        "projects.Task", null=True, blank=True, on_delete=models.SET_NULL, related_name="costs"
    )
    amount = models.DecimalField(
        max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    currency = models.CharField(max_length=3)
    incurred_on = models.DateField()
    category = models.CharField(
        max_length=10, choices=CostCategory.choices, default=CostCategory.OTHER
    )
    description = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["project", "-incurred_on", "-id"]
        verbose_name_plural = "cost entries"
        indexes = [models.Index(fields=["project", "incurred_on"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="cost_amount_gte_0")
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} on {self.incurred_on}"

    def clean(self):
        check_not_in_future(self, {"incurred_on": "The date a cost was incurred"})


class TimeEntry(models.Model):
    """Hours a person worked on a task; with an hourly rate they are labour cost."""

    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="time_entries"
    )
    task = models.ForeignKey("projects.Task", on_delete=models.CASCADE, related_name="time_entries")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="project_time_entries"
    )
    date = models.DateField()
    hours = models.DecimalField(
        max_digits=5, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    hourly_rate = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    currency = models.CharField(max_length=3)
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["project", "-date", "-id"]
        verbose_name_plural = "time entries"
        indexes = [models.Index(fields=["project", "date"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(hours__gt=0) & models.Q(hours__lte=24), name="time_hours_0_24"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.hours}h on {self.date}"

    def clean(self):
        check_not_in_future(self, {"date": "The day worked"})

    @property
    def labour_cost(self) -> Decimal | None:
        if self.hourly_rate is None:
            return None
        return (self.hours * self.hourly_rate).quantize(Decimal("0.01"))
