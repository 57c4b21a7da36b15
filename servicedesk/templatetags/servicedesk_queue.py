"""The agent queue's rows (and the portal's), built in Python.

The console's queue shows fifty rows and is the page agents reload all day; as a template
each row cost ~14 variable lookups and filters, most of the page's CPU. `queue_row` writes
the same markup (tests/servicedesk/test_queue_row.py holds it equal to the template it
replaced); the table around it stays a template.
"""

import unicodedata

from django import template
from django.template.defaultfilters import truncatechars
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.timesince import timesince

from core.fast_html import cached_reverse
from core.fast_html import escape as _e
from servicedesk.templatetags.servicedesk_sla import sla_badge

register = template.Library()
TITLE_CHARS = 70
PORTAL_TITLE_CHARS = 80


def _select_cell(incident) -> str:
    number = _e(incident.number)
    return (
        f'<td><input type="checkbox" name="ids" value="{incident.pk}" '
        f'aria-label="Select {number}"></td>'
    )


def _team_cell(incident) -> str:
    team = _e(incident.team.name) if incident.team_id else "—"
    if incident.assignee_id:
        return f"<td>{team} · {_e(incident.assignee.display_name)}</td>"
    return f"<td>{team}</td>"


def _requester_cell(incident) -> str:
    name = _e(incident.requester.display_name)
    if incident.organisation_id:
        organisation = _e(incident.organisation.name)
        return f'<td>{name} <span class="muted small">({organisation})</span></td>'
    return f"<td>{name}</td>"


def _title(title: str, chars: int = TITLE_CHARS) -> str:
    """`truncatechars:<chars>`: a title of `chars` characters or fewer is shown whole
    (normalised, as the filter does), without counting it character by character."""
    text = unicodedata.normalize("NFC", title)
    return text if len(text) <= chars else truncatechars(title, chars)


def _opened(incident) -> str:
    """The opened time as the "Y-m-d H:i" date format gives it, spelled out."""
    local = timezone.localtime(incident.opened_at)
    return f"{local.year:04d}-{local.month:02d}-{local.day:02d} {local.hour:02d}:{local.minute:02d}"


@register.simple_tag
def queue_row(incident, can_work: bool) -> str:
    """One `<tr>` of the queue table: select box (agents), number, title, priority, status,
    SLA badge, service, team · assignee, requester (organisation), opened."""
    opened = incident.opened_at
    url = cached_reverse("servicedesk:incident_detail", incident.number)
    number, priority = _e(incident.number), int(incident.priority)
    opened_text = _opened(incident)
    cells = [
        _select_cell(incident) if can_work else "",
        f'<td><a href="{_e(url)}">{number}</a></td>',
        f"<td>{_e(_title(incident.title))}</td>",
        f'<td><span class="badge p{priority}">P{priority}</span></td>',
        f'<td><span class="badge">{_e(incident.get_status_display())}</span></td>',
        f"<td>{sla_badge(incident)}</td>",  # safe HTML, escaped where it is built
        f"<td>{_e(incident.service.name) if incident.service_id else '—'}</td>",
        _team_cell(incident),
        _requester_cell(incident),
        f'<td class="small" title="{opened_text}">{_e(timesince(opened))} ago</td>',
    ]
    return mark_safe("<tr>" + "".join(cells) + "</tr>")  # noqa: S308 - every part escaped above


@register.simple_tag
def portal_row(incident, shared: bool) -> str:
    """One `<tr>` of the portal's list: number, title, service, status, reporter (when the
    organisation shares its tickets), opened."""
    url = cached_reverse("servicedesk:portal_incident", incident.number)
    service = incident.service.name if incident.service_id else ""
    resolved = "ok" if incident.status == "resolved" else ""
    cells = [
        f'<td><a href="{_e(url)}">{_e(incident.number)}</a></td>',
        f"<td>{_e(_title(incident.title, PORTAL_TITLE_CHARS))}</td>",
        f"<td>{_e(service) if service else '—'}</td>",
        f'<td><span class="badge {resolved}">{_e(incident.get_status_display())}</span></td>',
        f"<td>{_e(incident.requester.display_name)}</td>" if shared else "",
        f'<td class="small">{_opened(incident)}</td>',
    ]
    return mark_safe("<tr>" + "".join(cells) + "</tr>")  # noqa: S308 - every part escaped above
