"""Template tags other apps' pages use to show project facts without importing projects:
`{% service_delivery service request.user as delivery %}` on the service page."""

import datetime

from django import template
from django.utils import timezone

from core.roles import is_staff_member
from projects.queries import service_deliveries

register = template.Library()


@register.simple_tag
def service_delivery(service, user) -> list[dict]:
    """The projects that handed `service` over, each with its hypercare state (staff only:
    projects are not shown to requesters)."""
    if service is None or not is_staff_member(user):
        return []
    today = timezone.localdate()
    out = []
    for project in service_deliveries(service):
        start, end = project.hypercare_start, project.hypercare_end
        if start is None or end is None:
            state, days_left = "unknown", None
        elif today < start:
            state, days_left = "upcoming", (end - start).days
        elif today < end:
            state, days_left = "running", (end - today).days
        else:
            state, days_left = "ended", 0
        out.append(
            {
                "project": project,
                "hypercare_start": start,
                "hypercare_end": end - datetime.timedelta(days=1) if end else None,
                "state": state,
                "days_left": days_left,
            }
        )
    return out
