"""Template tags for KPI values: other apps render KPIs through these, not kpis internals."""

from decimal import Decimal

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma

from kpis.choices import STATUS_CSS

register = template.Library()


def format_value(value, unit: str, decimals: int = 1, currency: str = "") -> str:
    """A KPI value for people: "92.5 %", "2.5 h", "12,340 EUR", "0.93", "—" when missing."""
    if value is None:
        return "—"
    value = Decimal(value)
    if unit == "%":
        return f"{value:.{decimals}f} %"
    if unit == "min":
        if abs(value) < 90:
            return f"{value:.0f} min"
        if abs(value) < 48 * 60:
            return f"{value / 60:.1f} h"
        return f"{value / 1440:.1f} d"
    if unit == "money":
        return f"{intcomma(f'{value:.0f}')} {currency}".strip()
    if unit == "ratio":
        return f"{value:.2f}"
    return intcomma(f"{value:.{decimals}f}")


@register.simple_tag
def kpi_value(value, definition, currency: str = "") -> str:
    return format_value(value, definition.unit, definition.decimals, currency)


@register.filter
def status_css(status: str) -> str:
    return STATUS_CSS.get(status, "")


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None
