from django import template

from core.people import person_label as label_of

register = template.Library()


@register.filter
def person_label(user) -> str:
    return label_of(user)
