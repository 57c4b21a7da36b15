"""Navigation per role: each user sees the areas their job needs."""

from django.conf import settings
from django.urls import NoReverseMatch, reverse

from core.roles import Role

# (label, url name, roles that see it)
NAVIGATION = [
    ("Agent console", "servicedesk:queue", {Role.AGENT, Role.ADMIN, Role.MANAGER}),
    (
        "Services",
        "servicedesk:service_list",
        {Role.SERVICE_OWNER, Role.AGENT, Role.ADMIN, Role.MANAGER},
    ),
    ("Portal", "servicedesk:portal", {Role.REQUESTER}),
    ("Catalog", "servicedesk:catalog", {Role.REQUESTER, Role.SERVICE_OWNER, Role.ADMIN}),
    ("My requests", "servicedesk:my_requests", {Role.REQUESTER}),
    ("Requests", "servicedesk:request_queue", {Role.AGENT, Role.ADMIN, Role.MANAGER}),
    (
        "Approvals",
        "servicedesk:approvals",
        {Role.MANAGER, Role.SERVICE_OWNER, Role.PROJECT_MANAGER, Role.ADMIN},
    ),
    (
        "Improvements",
        "servicedesk:improvements",
        {Role.SERVICE_OWNER, Role.MANAGER, Role.ADMIN, Role.AGENT},
    ),
    ("Handoffs", "projects:handoff_inbox", {Role.SERVICE_OWNER}),
    (
        "Projects",
        "projects:portfolio",
        {Role.PROJECT_MANAGER, Role.SERVICE_OWNER, Role.MANAGER, Role.ADMIN},
    ),
    (
        "Dashboards",
        "kpis:dashboard",
        {Role.MANAGER, Role.ADMIN, Role.SERVICE_OWNER, Role.PROJECT_MANAGER},
    ),
    ("Admin", "admin:index", {Role.ADMIN}),
]


def nav_items_for(user) -> list[dict]:
    if not user.is_authenticated:
        return []
    items = []
    for label, name, roles in NAVIGATION:
        if user.role not in roles:
            continue
        try:
            items.append({"label": label, "url": reverse(name)})
        except NoReverseMatch:
            continue  # the area is not built yet
    return items


def navigation(request):
    return {"nav_items": nav_items_for(request.user), "demo_mode": not settings.PRODUCTION}
