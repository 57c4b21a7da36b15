"""Template tags for KPI values: other apps render KPIs through these, not kpis internals."""

from decimal import Decimal

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.safestring import mark_safe

from core.fast_html import cached_reverse
from core.fast_html import conditional_escape as _esc
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


@register.simple_tag
def cached_url(name: str, *args) -> str:
    """`{% url %}` remembered per name and arguments: a table links every one of its rows."""
    return cached_reverse(name, *args)


@register.filter
def status_css(status: str) -> str:
    return STATUS_CSS.get(status, "")


NO_VALUE = '<td class="num"><span class="muted">—</span></td>'


@register.simple_tag
def kpi_cells(cells: dict, columns: list[dict]) -> str:
    """The `<td>`s of one row of a dashboard table: per column, the status dot and the value
    (linked to its records), or a dash. Built in Python: a table of 300 services has ~1,500
    cells, which as template tags were most of the page's time."""
    out = []
    for column in columns:
        cell = cells.get(column["code"]) if cells else None
        if not cell:
            out.append(NO_VALUE)
        else:  # what format_html gave, without its lazy-string wrappers
            css, value = _esc(cell["css"]), _esc(cell["value"])
            if cell["url"]:
                value = f'<a href="{_esc(cell["url"])}">{value}</a>'
            out.append(f'<td class="num"><span class="kpi-dot {css}"></span>{value}</td>')
    return mark_safe("".join(out))  # noqa: S308 - every part escaped above
