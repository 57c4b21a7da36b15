"""The SLA badge of a service request: the incidents' badge (servicedesk_sla.sla_badge) fed
with the request's service level (servicedesk/request_sla.py)."""

from django import template
from django.utils import timezone

from servicedesk.request_sla import clock_calendar_row, request_sla_state
from servicedesk.sla import calendar_for
from servicedesk.templatetags.servicedesk_sla import sla_badge

register = template.Library()


@register.simple_tag
def request_sla_badge(request_obj, state=None):
    """Time left to deliver, Breached (· how long over), Met or Missed once fulfilled, and
    "No response" while a missed response is still awaited. Give the rows their `sla_info`
    first (request_sla.request_sla_states) so a page reads no calendar per row."""
    if state is None:
        state = getattr(request_obj, "sla_info", None)
    if state is None:
        cal = calendar_for(clock_calendar_row(request_obj.service))
        state = request_sla_state(request_obj, now=timezone.now(), cal=cal)
    return sla_badge(request_obj, state)
