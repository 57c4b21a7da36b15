"""Brute-force protection for every way in (login page, token endpoint, admin).

Failures are counted per account and per client address with atomic UPDATEs; past the
limit the key is locked for a while and even a correct password is refused.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core.models import AuditEvent, LoginThrottle, User


def _limits() -> tuple[int, int, timedelta]:
    return (
        getattr(settings, "LOGIN_MAX_FAILURES_PER_ACCOUNT", 5),
        getattr(settings, "LOGIN_MAX_FAILURES_PER_IP", 30),
        timedelta(seconds=getattr(settings, "LOGIN_LOCKOUT_SECONDS", 900)),
    )


def client_ip(request) -> str:
    if request is None:
        return "unknown"
    return request.META.get("REMOTE_ADDR") or "unknown"


def _keys(username: str, ip: str) -> list[tuple[str, int]]:
    per_account, per_ip, _ = _limits()
    return [(f"user:{username.lower()[:150]}", per_account), (f"ip:{ip}", per_ip)]


def is_locked(username: str, ip: str) -> bool:
    now = timezone.now()
    keys = [k for k, _ in _keys(username, ip)]
    return LoginThrottle.objects.filter(key__in=keys, locked_until__gt=now).exists()


def record_failure(username: str, ip: str) -> None:
    """Count one failure on each key; lock a key that reaches its limit."""
    _, _, lockout = _limits()
    now = timezone.now()
    with transaction.atomic():
        for key, limit in _keys(username, ip):
            LoginThrottle.objects.get_or_create(key=key)
            # Failures older than the lockout window start a fresh count.
            LoginThrottle.objects.filter(key=key, first_failure_at__lt=now - lockout).update(
                failures=0, first_failure_at=now
            )
            LoginThrottle.objects.filter(key=key).update(failures=F("failures") + 1)
            LoginThrottle.objects.filter(key=key, failures__gte=limit).update(
                locked_until=now + lockout
            )
        user = User.objects.filter(username__iexact=username).first()
        AuditEvent.objects.create(
            actor=None,
            action="auth.login_failed",
            content_type=ContentType.objects.get_for_model(User),
            object_id=str(user.pk) if user else "",
            object_repr=username[:200],
            changes={"ip": [None, ip]},
        )


def record_success(username: str, ip: str) -> None:
    LoginThrottle.objects.filter(key=f"user:{username.lower()[:150]}").delete()


class ThrottledModelBackend(ModelBackend):
    """ModelBackend that refuses locked accounts/addresses and counts failures."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        ip = client_ip(request)
        if is_locked(username, ip):
            raise PermissionDenied("Too many failed logins; try again later.")
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            record_failure(username, ip)
        else:
            record_success(username, ip)
        return user

    def get_user(self, user_id):
        """The signed-in user of a session, with the organisation every visibility check reads
        (one statement per request instead of two)."""
        user = User._default_manager.select_related("organisation").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
