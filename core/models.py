"""People, organisations, teams, API tokens and the append-only audit trail."""

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from core.fields import OneLineCharField

from .roles import Role

__all__ = [
    "Organisation",
    "Team",
    "User",
    "ApiToken",
    "AuditEvent",
    "AppendOnlyError",
    "NumberCounter",
    "LoginThrottle",
    "WebhookEndpoint",
    "WebhookDelivery",
    "WebhookAttempt",
    "InboundEmail",
    "NotificationEvent",
    "NotificationSetting",
    "CalendarFeed",
]


class Organisation(models.Model):
    name = OneLineCharField(max_length=200, unique=True)
    # Members of a shared organisation see each other's tickets.
    shared = models.BooleanField(default=False)
    email_domain = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    name = OneLineCharField(max_length=200, unique=True)
    email = models.EmailField(blank=True)
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="teams_led",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.REQUESTER)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    teams = models.ManyToManyField(Team, blank=True, related_name="members")
    manager = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )

    class Meta:
        ordering = ["username"]
        indexes = [models.Index(fields=["role"]), models.Index(fields=["organisation"])]

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    def __str__(self) -> str:
        return self.display_name


def _hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def usable(self):
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class ApiToken(models.Model):
    """A personal or service token; only a hash of the key is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=8, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, *, user, name: str, expires_at=None) -> tuple["ApiToken", str]:
        key = secrets.token_hex(20)
        token = cls.objects.create(
            user=user, name=name, prefix=key[:8], key_hash=_hash_key(key), expires_at=expires_at
        )
        return token, key

    @classmethod
    def find(cls, key: str) -> "ApiToken | None":
        tokens = cls.objects.usable().select_related("user__organisation")
        return tokens.filter(key_hash=_hash_key(key)).first()


class AppendOnlyError(Exception):
    """History is never rewritten."""


class AuditEvent(models.Model):
    """Who did what to which object, and which fields changed (old → new)."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=60)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=200)
    changes = models.JSONField(default=dict, blank=True)
    # Internal events (internal notes) are hidden from requesters.
    internal = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "created_at"]),
            # Reopened incidents (first-contact resolution): rare rows of a huge table.
            models.Index(
                fields=["object_id"],
                name="audit_incident_reopens",
                condition=models.Q(action="incident.reopen"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("audit events cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit events cannot be deleted")


class NumberCounter(models.Model):
    """Per-prefix counters for human-readable numbers (INC…, REQ…), allocated under a row lock."""

    prefix = models.CharField(max_length=8, primary_key=True)
    last_value = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.prefix}{self.last_value}"


class LoginThrottle(models.Model):
    """Failed logins per account and per client address, counted with atomic UPDATEs."""

    key = models.CharField(max_length=200, primary_key=True)
    failures = models.PositiveIntegerField(default=0)
    first_failure_at = models.DateTimeField(default=timezone.now)
    locked_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.key}: {self.failures}"


class WebhookEndpoint(models.Model):
    """An integration's receiver of signed event POSTs."""

    name = models.CharField(max_length=100)
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=128)
    # Event types, e.g. ["incident.created", "request.*"]; "*" means all.
    events = models.JSONField(default=list)
    # Only endpoints marked internal receive events about internal notes.
    include_internal = models.BooleanField(default=False)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def wants(self, event: str) -> bool:
        return any(
            pattern in ("*", event) or (pattern.endswith(".*") and event.startswith(pattern[:-1]))
            for pattern in self.events
        )


class WebhookDelivery(models.Model):
    """One event for one endpoint; retried until delivered or out of attempts."""

    PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
    STATUSES = [(PENDING, "Pending"), (DELIVERED, "Delivered"), (FAILED, "Failed")]

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event_id = models.UUIDField()
    event = models.CharField(max_length=60)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=STATUSES, default=PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)
    # When a pending delivery is (next) tried; none once delivered or given up.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["endpoint", "-created_at"], name="delivery_endpoint"),
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event_id"], name="delivery_once_per_event")
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint}"


class WebhookAttempt(models.Model):
    """Each try of a delivery: when, what came back, how long it took."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="tries")
    attempted_at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["attempted_at", "id"]

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.status_code or self.error}"


class InboundEmail(models.Model):
    """Every mail that came in, once per Message-ID: what became of it, or why not."""

    PROCESSED, IGNORED, QUARANTINED = "processed", "ignored", "quarantined"
    STATUSES = [(PROCESSED, "Processed"), (IGNORED, "Ignored"), (QUARANTINED, "Quarantined")]

    message_id = models.CharField(max_length=300, unique=True)
    received_at = models.DateTimeField(default=timezone.now)
    sender = models.CharField(max_length=300, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=12, choices=STATUSES)
    reason = models.CharField(max_length=300, blank=True)
    raw = models.BinaryField()
    content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    object_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["status", "-received_at"], name="inbound_status")]

    def __str__(self) -> str:
        return f"{self.message_id} ({self.status})"


class NotificationEvent(models.TextChoices):
    INCIDENT_OPENED = "opened", "My incident was received"
    INCIDENT_COMMENTED = "commented", "A new reply or note on a ticket I follow"
    INCIDENT_ASSIGNED = "assigned", "A ticket was assigned to me or my team"
    INCIDENT_RESOLVED = "resolved", "My incident was resolved"
    INCIDENT_REOPENED = "reopened", "A ticket I work on was reopened"
    SLA = "sla", "SLA warnings and breaches"
    HANDOFF_ACCEPTED = "handoff_accepted", "A project's service was handed over to my team"


class NotificationSetting(models.Model):
    """A user's choice to get (or not) email for one kind of event; absent means yes."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_settings"
    )
    event = models.CharField(max_length=20, choices=NotificationEvent.choices)
    email = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "event"], name="one_setting_per_event")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.event}: {'on' if self.email else 'off'}"


class CalendarFeed(models.Model):
    """A secret URL that calendar clients poll (they cannot send API tokens)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"feed of {self.user_id}"

    @classmethod
    def reset_for(cls, user) -> "CalendarFeed":
        """A new secret; the old URL stops working."""
        feed, _ = cls.objects.update_or_create(
            user=user, defaults={"token": secrets.token_urlsafe(32), "created_at": timezone.now()}
        )
        return feed
