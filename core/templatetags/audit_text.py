from django import template

from core.audit_text import audit_lines as lines_of

register = template.Library()


@register.simple_tag
def audit_lines(events):
    """`{% audit_lines history as lines %}`: the events as lines of words (core/audit_text)."""
    return lines_of(events)
