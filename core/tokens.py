"""API token actions: personal tokens (everyone) and service tokens (admins), for the pages and
the API alike.

A service token belongs to a service account (`svc-<name>`, no usable password) with a limited
role; the token carries the name the admin gave. Listing never shows a key: only its prefix.
"""

import re

from django.db import transaction
from django.utils import timezone

from core.audit import audit_record
from core.exceptions import DomainError, NotAllowed
from core.models import ApiToken, User
from core.roles import Role

SERVICE_ROLES = (Role.AGENT, Role.MANAGER, Role.REQUESTER)
SERVICE_PREFIX = "svc-"
SERVICE_NAME = re.compile(r"^[-a-zA-Z0-9_]{1,60}$")


def token_issue(*, actor, user, name: str, expires_at=None) -> tuple[ApiToken, str]:
    token, key = ApiToken.issue(user=user, name=name, expires_at=expires_at)
    audit_record(actor=actor, action="token.issued", obj=token)
    return token, key


def token_revoke(*, actor, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="token.revoked", obj=token)
    return token


def _admin_only(actor) -> None:
    if getattr(actor, "role", None) != Role.ADMIN:
        raise NotAllowed("Only administrators manage service tokens.")


def service_tokens():
    """Every service account's token, newest first (revoked ones too, marked)."""
    return (
        ApiToken.objects.filter(
            user__username__startswith=SERVICE_PREFIX, user__password__startswith="!"
        )
        .select_related("user")
        .order_by("-created_at", "-id")
    )


def service_token_issue(*, actor, name: str, role: str, expires_at=None) -> tuple[ApiToken, str]:
    """A token named `name` for the service account `svc-<name>` (made on first use) with
    `role`; refused (400 naming the field) for a bad name, a role a service may not have, a
    past expiry, or a role other than the existing account's."""
    _admin_only(actor)
    name = (name or "").strip()
    errors = {}
    if not SERVICE_NAME.match(name):
        errors["name"] = ["Use 1–60 letters, digits, hyphens or underscores."]
    if role not in SERVICE_ROLES:
        errors["role"] = [f"Choose one of: {', '.join(SERVICE_ROLES)}."]
    if expires_at is not None and expires_at <= timezone.now():
        errors["expires_at"] = ["Choose a time in the future."]
    if not errors:
        existing = User.objects.filter(username=f"{SERVICE_PREFIX}{name}").first()
        if existing and existing.role != role:
            errors["role"] = [f"{existing.username} already has role {existing.role}."]
    if errors:
        raise DomainError("Invalid input.", fields=errors)
    with transaction.atomic():
        account, created = User.objects.get_or_create(
            username=f"{SERVICE_PREFIX}{name}",
            defaults={"role": role, "first_name": name, "last_name": "(service)"},
        )
        if created:
            account.set_unusable_password()
            account.save()
            audit_record(actor=actor, action="user.service_account_created", obj=account)
        return token_issue(actor=actor, user=account, name=name, expires_at=expires_at)


def service_token_revoke(*, actor, token: ApiToken) -> ApiToken:
    _admin_only(actor)
    return token_revoke(actor=actor, token=token)
