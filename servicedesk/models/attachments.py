import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

__all__ = ["Attachment", "AttachmentBase"]


def _attachment_path(instance, filename: str) -> str:
    # Random names on disk: the original name is kept only in the database.
    return f"attachments/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class AttachmentBase(models.Model):
    """A stored file outside the static root; tickets add their own `comment` link."""

    file = models.FileField(upload_to=_attachment_path, max_length=200)
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.filename

    @property
    def internal(self) -> bool:
        return bool(self.comment_id and self.comment.internal)


class Attachment(AttachmentBase):
    """A file on an incident (optionally on one of its comments)."""

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

    class Meta(AttachmentBase.Meta):
        indexes = [models.Index(fields=["incident", "created_at"], name="attachment_incident")]
