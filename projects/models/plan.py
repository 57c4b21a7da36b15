from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from core.fields import OneLineCharField
from projects.models.happened import future_dates

__all__ = ["Dependency", "Milestone", "Task"]


class Task(models.Model):
    """A WBS element. A task with children is a summary: it rolls up dates, cost and progress."""

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="tasks")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    position = models.PositiveIntegerField(default=0)
    name = OneLineCharField(max_length=200)
    planned_start = models.DateField(null=True, blank=True)
    planned_finish = models.DateField(null=True, blank=True)
    planned_cost = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    percent_complete = models.PositiveSmallIntegerField(
        default=0, validators=[MaxValueValidator(100)]
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="project_tasks",
    )
    actual_start = models.DateField(null=True, blank=True)
    actual_finish = models.DateField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["project", "position", "id"]
        indexes = [models.Index(fields=["project", "parent"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(percent_complete__lte=100), name="task_percent_lte_100"
            ),
            models.CheckConstraint(
                condition=models.Q(planned_cost__isnull=True) | models.Q(planned_cost__gte=0),
                name="task_cost_gte_0",
            ),
            models.CheckConstraint(
                condition=models.Q(planned_finish__isnull=True)
                | models.Q(planned_start__isnull=True)
                | models.Q(planned_finish__gte=models.F("planned_start")),
                name="task_finish_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        from django.core.exceptions import ValidationError

        errors = {}
        if self.planned_start and self.planned_finish and self.planned_finish < self.planned_start:
            errors["planned_finish"] = "The planned finish is before the planned start."
        if self.actual_start and self.actual_finish and self.actual_finish < self.actual_start:
            errors["actual_finish"] = "The actual finish is before the actual start."
        if self.parent_id and self.parent and self.parent.project_id != self.project_id:
            errors["parent"] = "The parent task belongs to another project."
        # Work started or finished is history: the plan's future lives in planned_*.
        future = {"actual_start": "The actual start", "actual_finish": "The actual finish"}
        errors = future_dates(self, future) | errors
        if errors:
            raise ValidationError(errors)


class Dependency(models.Model):
    """Finish-to-start: the successor may start once the predecessor has finished."""

    predecessor = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="successor_links")
    successor = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="predecessor_links")

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "dependencies"
        constraints = [
            models.UniqueConstraint(fields=["predecessor", "successor"], name="dependency_once"),
            models.CheckConstraint(
                condition=~models.Q(predecessor=models.F("successor")), name="dependency_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor} → {self.successor}"


class Milestone(models.Model):
    """A dated checkpoint; the baseline keeps the due date as it was when captured."""

    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="milestones"
    )
    name = OneLineCharField(max_length=200)
    due_date = models.DateField()
    completed_on = models.DateField(null=True, blank=True)
    waived = models.BooleanField(default=False)
    waived_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["project", "due_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(waived=False) | ~models.Q(waived_reason=""),
                name="milestone_waiver_has_reason",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        from django.core.exceptions import ValidationError

        errors = future_dates(self, {"completed_on": "The completion date"})
        # In words beside the field, before the database's milestone_waiver_has_reason.
        if self.waived and not self.waived_reason.strip():
            errors["waived_reason"] = "Say why the milestone is waived."
        if errors:
            raise ValidationError(errors)

    @property
    def done(self) -> bool:
        return self.completed_on is not None or self.waived
