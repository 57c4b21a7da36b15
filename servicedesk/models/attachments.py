import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

__all__ = ["Attachment"]


def _attachment_path(instance, filename: str) -> str:
    # Random names on disk: the original name is kept only in the database.
    return f"attachments/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    """A file on an incident (optionally on one of its comments), outside the static root."""

    incident = models.ForeignKey(
        "servicedesk.Incident", on_delete=models.CASCADE, related_name="attachments"
    )
    comment = models.ForeignKey(
        "servicedesk.IncidentComment",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    file = models.FileField(upload_to=_attachment_path, max_length=200)
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["incident", "created_at"], name="attachment_incident")]

    def __str__(self) -> str:
        return self.filename

    @property
    def internal(self) -> bool:
        return bool(self.comment_id and self.comment.internal)
