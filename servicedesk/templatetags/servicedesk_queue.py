"""The agent queue's rows, built in Python.

The console's queue shows fifty rows and is the page agents reload all day; as a template
each row cost ~14 variable lookups and filters, most of the page's CPU. `queue_row` writes
the same markup (tests/servicedesk/test_queue_row.py holds it equal to the template it
replaced); the table around it stays a template.
"""

from django import template
from django.template.defaultfilters import truncatechars
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.timesince import timesince

from servicedesk.templatetags.servicedesk_sla import sla_badge

register = template.Library()


def _select_cell(incident) -> str:
    return format_html(
        '<td><input type="checkbox" name="ids" value="{}" aria-label="Select {}"></td>',
        incident.pk,
        incident.number,
    )


def _team_cell(incident) -> str:
    team = incident.team.name if incident.team_id else "—"
    if incident.assignee_id:
        return format_html("<td>{} · {}</td>", team, incident.assignee.display_name)
    return format_html("<td>{}</td>", team)


def _requester_cell(incident) -> str:
    name = incident.requester.display_name
    if incident.organisation_id:
        return format_html(
            '<td>{} <span class="muted small">({})</span></td>', name, incident.organisation.name
        )
    return format_html("<td>{}</td>", name)


@register.simple_tag
def queue_row(incident, can_work: bool) -> str:
    """One `<tr>` of the queue table: select box (agents), number, title, priority, status,
    SLA badge, service, team · assignee, requester (organisation), opened."""
    opened = incident.opened_at
    cells = [
        _select_cell(incident) if can_work else "",
        format_html(
            '<td><a href="{}">{}</a></td>',
            reverse("servicedesk:incident_detail", args=[incident.number]),
            incident.number,
        ),
        format_html("<td>{}</td>", truncatechars(incident.title, 70)),
        format_html(
            '<td><span class="badge p{}">P{}</span></td>', incident.priority, incident.priority
        ),
        format_html('<td><span class="badge">{}</span></td>', incident.get_status_display()),
        format_html("<td>{}</td>", sla_badge(incident)),
        format_html("<td>{}</td>", incident.service.name if incident.service_id else "—"),
        _team_cell(incident),
        _requester_cell(incident),
        format_html(
            '<td class="small" title="{}">{} ago</td>',
            dateformat.format(timezone.localtime(opened), "Y-m-d H:i"),
            timesince(opened),
        ),
    ]
    return mark_safe("<tr>" + "".join(cells) + "</tr>")  # noqa: S308 - every part escaped above
