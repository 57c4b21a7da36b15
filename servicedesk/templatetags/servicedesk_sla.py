"""SLA badges and business-duration text for the console and the ticket pages."""

from django import template
from django.utils import timezone

from servicedesk.sla import sla_state

register = template.Library()


@register.filter
def business_duration(minutes) -> str:
    """Business minutes as text: 45 → "45m", 130 → "2h 10m", -75 → "1h 15m"; from 48 h
    on whole hours only (3001 → "50h")."""
    if minutes is None:
        return ""
    minutes = abs(int(minutes))
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest}m"
    if hours >= 48:
        return f"{hours}h"
    return f"{hours}h {rest}m" if rest else f"{hours}h"


@register.inclusion_tag("servicedesk/partials/_sla_badge.html")
def sla_badge(incident, state=None):
    """The SLA badge of a row: time left, Paused, Breached, or Met once resolved."""
    if state is None:
        state = getattr(incident, "sla_info", None) or sla_state(incident, now=timezone.now())
    done = incident.status in ("resolved", "closed")
    return {"incident": incident, "sla": state, "done": done}
