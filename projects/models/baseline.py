from django.conf import settings
from django.db import models
from django.utils import timezone

from core.models import AppendOnlyError

__all__ = ["Baseline", "BaselineMilestone", "BaselineTask"]


class _Immutable(models.Model):
    """A snapshot row: written once by `baseline_capture`, never changed or deleted alone."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError("baselines are immutable; capture a new one")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("baselines are immutable; capture a new one")


class Baseline(_Immutable):
    """The approved plan at one moment; the newest is the one EVM measures against."""

    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="baselines"
    )
    number = models.PositiveIntegerField()
    note = models.CharField(max_length=300, blank=True)
    captured_at = models.DateTimeField(default=timezone.now)
    captured_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["project", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="baseline_number_once")
        ]

    def __str__(self) -> str:
        return f"Baseline {self.number} of {self.project_id}"


class BaselineTask(_Immutable):
    baseline = models.ForeignKey(Baseline, on_delete=models.CASCADE, related_name="tasks")
    # The live task it was taken from (progress is read from it); null once deleted.
    task = models.ForeignKey(
        "projects.Task", null=True, on_delete=models.SET_NULL, related_name="baseline_rows"
    )
    name = models.CharField(max_length=200)
    is_leaf = models.BooleanField(default=True)
    planned_start = models.DateField(null=True)
    planned_finish = models.DateField(null=True)
    planned_cost = models.DecimalField(max_digits=14, decimal_places=2, null=True)

    class Meta:
        ordering = ["baseline", "id"]

    def __str__(self) -> str:
        return self.name


class BaselineMilestone(_Immutable):
    baseline = models.ForeignKey(Baseline, on_delete=models.CASCADE, related_name="milestones")
    milestone = models.ForeignKey(
        "projects.Milestone", null=True, on_delete=models.SET_NULL, related_name="baseline_rows"
    )
    name = models.CharField(max_length=200)
    due_date = models.DateField()

    class Meta:
        ordering = ["baseline", "due_date", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.due_date})"
