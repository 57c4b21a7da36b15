"""CSAT surveys: one per resolved incident, answered once by its requester."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

__all__ = ["Survey"]


def new_survey_token() -> str:
    return secrets.token_urlsafe(32)


class Survey(models.Model):
    """A satisfaction survey; the unguessable `token` opens it without logging in."""

    incident = models.OneToOneField(
        "servicedesk.Incident", on_delete=models.CASCADE, related_name="survey"
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="surveys"
    )
    token = models.CharField(max_length=64, unique=True, default=new_survey_token, editable=False)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True, max_length=5000)
    created_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["created_at"], name="survey_created")]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="survey_rating_1_5",
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True, answered_at__isnull=True)
                | Q(rating__isnull=False, answered_at__isnull=False),
                name="survey_answer_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"Survey for {self.incident_id}"

    @property
    def answered(self) -> bool:
        return self.answered_at is not None
