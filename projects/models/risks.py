from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from projects.choices import RiskResponse, RiskStatus

__all__ = ["Risk"]

_ONE_TO_FIVE = [MinValueValidator(1), MaxValueValidator(5)]


class Risk(models.Model):
    """An uncertain event; score = probability × impact (1–25)."""

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="risks")
    description = models.TextField()
    probability = models.PositiveSmallIntegerField(validators=_ONE_TO_FIVE)
    impact = models.PositiveSmallIntegerField(validators=_ONE_TO_FIVE)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="project_risks",
    )
    response = models.CharField(
        max_length=10, choices=RiskResponse.choices, default=RiskResponse.MITIGATE
    )
    response_plan = models.TextField(blank=True)
    status = models.CharField(max_length=12, choices=RiskStatus.choices, default=RiskStatus.OPEN)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["project", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(probability__gte=1, probability__lte=5),
                name="risk_probability_1_5",
            ),
            models.CheckConstraint(
                condition=models.Q(impact__gte=1, impact__lte=5), name="risk_impact_1_5"
            ),
        ]

    def __str__(self) -> str:
        return self.description[:60]

    @property
    def score(self) -> int:
        return self.probability * self.impact
