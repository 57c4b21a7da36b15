"""Roles and what each may do, in one place every app reads."""

from django.db import models


class Role(models.TextChoices):
    REQUESTER = "requester", "Requester"
    AGENT = "agent", "Service desk agent"
    SERVICE_OWNER = "service_owner", "Service owner"
    PROJECT_MANAGER = "project_manager", "Project manager"
    MANAGER = "manager", "Manager"
    ADMIN = "admin", "Administrator"


# Staff see every ticket; requesters see their own (and their shared organisation's).
STAFF_ROLES = frozenset(
    {Role.AGENT, Role.SERVICE_OWNER, Role.PROJECT_MANAGER, Role.MANAGER, Role.ADMIN}
)
# Who works tickets: moves them through their lifecycle, assigns, writes internal notes.
TICKET_WORKER_ROLES = frozenset({Role.AGENT, Role.ADMIN})


def has_role(user, *roles: str) -> bool:
    return bool(user and user.is_authenticated and getattr(user, "role", None) in roles)


def is_staff_member(user) -> bool:
    return has_role(user, *STAFF_ROLES)


def works_tickets(user) -> bool:
    return has_role(user, *TICKET_WORKER_ROLES)


def is_admin(user) -> bool:
    return has_role(user, Role.ADMIN)
