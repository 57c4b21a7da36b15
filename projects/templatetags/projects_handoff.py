"""Template tags other apps' pages use to show project facts without importing projects:
`{% service_delivery service request.user as delivery %}` on the service page."""

from django import template
from django.utils import timezone

from core.roles import is_staff_member
from projects.hypercare import Hypercare
from projects.queries import service_deliveries

register = template.Library()


@register.simple_tag
def service_delivery(service, user) -> list[dict]:
    """The projects that handed `service` over, each with its hypercare window and state
    (staff only: projects are not shown to requesters)."""
    if service is None or not is_staff_member(user):
        return []
    today = timezone.localdate()
    out = []
    for project in service_deliveries(service):
        hypercare = Hypercare.of(project)
        out.append(
            {
                "project": project,
                "hypercare": hypercare,
                "state": hypercare.state(today) if hypercare else "unknown",
                "days_left": hypercare.days_left(today) if hypercare else None,
            }
        )
    return out
