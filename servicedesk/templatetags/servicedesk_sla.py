"""SLA badges and business-duration text for the console and the ticket pages."""

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

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


def _due(state) -> str:
    due = state["resolution_due"]
    return timezone.localtime(due).strftime("%Y-%m-%d %H:%M") if due else ""


@register.simple_tag
def sla_badge(incident, state=None):
    """The SLA badge of a row: time left, Paused, Breached, or Met once resolved.

    Built in Python (not a template per row): the console renders fifty of these."""
    if state is None:
        state = getattr(incident, "sla_info", None) or sla_state(incident, now=timezone.now())
    # A service request's state says itself whether it is delivered or called off
    # (servicedesk/request_sla.py); an incident's status does.
    done = state.get("done", incident.status in ("resolved", "closed"))
    ended = state.get("ended", incident.status == "cancelled")
    left = state.get("remaining_business_minutes")
    if not state.get("resolution_due") or ended:
        badge = mark_safe('<span class="muted small">—</span>')  # noqa: S308 - a constant
    elif done:
        missed = state.get("resolution_breached")
        badge = format_html(
            '<span class="badge {}" data-testid="sla-badge">{}</span>',
            "bad" if missed else "ok",
            "Missed" if missed else "Met",
        )
    elif state.get("resolution_breached"):
        over = f" · {business_duration(left)} over" if left is not None and left < 0 else ""
        badge = format_html(
            '<span class="badge bad" data-testid="sla-badge" title="Due {}">Breached{}</span>',
            _due(state),
            over,
        )
    elif state.get("paused"):
        badge = format_html(
            '<span class="badge" data-testid="sla-badge" title="Clock stopped; {} left">'
            "Paused · {} left</span>",
            business_duration(left),
            business_duration(left),
        )
    else:
        badge = format_html(
            '<span class="badge {}" data-testid="sla-badge" title="Due {} (business time)">'
            "{} left</span>",
            "warn" if left is not None and left < 120 else "",
            _due(state),
            business_duration(left),
        )
    if state.get("response_breached") and not state.get("responded_at") and not done:
        badge += mark_safe(  # noqa: S308 - a constant
            ' <span class="badge bad small" title="No first response within target">'
            "No response</span>"
        )
    return badge
