"""The queue's rows are built in Python (servicedesk/templatetags/servicedesk_queue.py) for
speed; they must show what the row template they replaced showed, escaping included."""

import re
from datetime import timedelta

import pytest
from django.template import Context, Template
from django.utils import timezone

from servicedesk import actions
from servicedesk.queries import incident_list_for
from servicedesk.sla import sla_state
from tests.servicedesk.factories import ServiceFactory, office_calendar, sla_policy

pytestmark = pytest.mark.django_db

# The row as it was written in templates/servicedesk/partials/_queue_rows.html.
TEMPLATE_ROW = Template(
    """{% load servicedesk_sla %}<tr>
      {% if can_work %}<td><input type="checkbox" name="ids" value="{{ incident.pk }}" aria-label="Select {{ incident.number }}"></td>{% endif %}
      <td><a href="{% url 'servicedesk:incident_detail' incident.number %}">{{ incident.number }}</a></td>
      <td>{{ incident.title|truncatechars:70 }}</td>
      <td><span class="badge p{{ incident.priority }}">P{{ incident.priority }}</span></td>
      <td><span class="badge">{{ incident.get_status_display }}</span></td>
      <td>{% sla_badge incident %}</td>
      <td>{{ incident.service.name|default:"—" }}</td>
      <td>{{ incident.team.name|default:"—" }}{% if incident.assignee %} · {{ incident.assignee.display_name }}{% endif %}</td>
      <td>{{ incident.requester.display_name }}{% if incident.organisation %} <span class="muted small">({{ incident.organisation.name }})</span>{% endif %}</td>
      <td class="small" title="{{ incident.opened_at|date:'Y-m-d H:i' }}">{{ incident.opened_at|timesince }} ago</td>
    </tr>"""  # noqa: E501
)
PYTHON_ROW = Template("{% load servicedesk_queue %}{% queue_row incident can_work %}")


def _between_tags(html: str) -> str:
    return re.sub(r">\s+<", "><", html.strip())


@pytest.fixture
def incidents(people):
    policy = sla_policy("Standard", office_calendar(tz="Europe/Berlin"))
    payroll = ServiceFactory(name="Payroll & <HR>", sla_policy=policy)
    agent, requester = people["agent"], people["requester"]
    actions.incident_open(actor=people["requester_other"], title="<script>alert(1)</script>")
    full = actions.incident_open(
        actor=agent,
        requester=requester,
        title="Payroll run fails for every employee paid in arrears this month, again " * 2,
        service=payroll,
        impact=1,
        urgency=1,
        team=people["team"],
        opened_at=timezone.now() - timedelta(days=3, hours=2),
    )
    actions.incident_transition(
        incident=full, action="assign", actor=agent, data={"assignee": agent}
    )
    # Decomposed accents (NFC-normalised by the filter), one 70 characters long, one 71.
    actions.incident_open(actor=requester, title="Cafe\u0301 printer jams on re\u0301sume\u0301s")
    actions.incident_open(actor=requester, title="x" * 69 + "e\u0301")
    actions.incident_open(actor=requester, title="y" * 70 + "e\u0301")
    now = timezone.now()
    rows = list(incident_list_for(agent).order_by("pk"))
    for incident in rows:
        incident.sla_info = sla_state(incident, now=now)
    return rows


@pytest.mark.parametrize("can_work", [True, False])
@pytest.mark.parametrize("zone", ["UTC", "Asia/Kolkata"])
def test_a_queue_row_shows_what_the_row_template_showed(incidents, can_work, zone):
    assert len(incidents) == 5
    with timezone.override(zone):
        for incident in incidents:
            context = {"incident": incident, "can_work": can_work}
            expected = _between_tags(TEMPLATE_ROW.render(Context(context)))
            assert _between_tags(PYTHON_ROW.render(Context(context))) == expected


def test_the_queue_escapes_what_people_typed(incidents):
    html = PYTHON_ROW.render(Context({"incident": incidents[0], "can_work": True}))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html
    html = PYTHON_ROW.render(Context({"incident": incidents[1], "can_work": True}))
    assert "Payroll &amp; &lt;HR&gt;" in html
    assert 'class="badge p1">P1<' in html and 'data-testid="sla-badge"' in html


# The portal's row as it was written in templates/servicedesk/portal.html.
PORTAL_TEMPLATE_ROW = Template(
    """<tr>
      <td><a href="{% url 'servicedesk:portal_incident' incident.number %}">{{ incident.number }}</a></td>
      <td>{{ incident.title|truncatechars:80 }}</td>
      <td>{{ incident.service.name|default:"—" }}</td>
      <td><span class="badge {% if incident.status == 'resolved' %}ok{% endif %}">{{ incident.get_status_display }}</span></td>
      {% if shared %}<td>{{ incident.requester.display_name }}</td>{% endif %}
      <td class="small">{{ incident.opened_at|date:"Y-m-d H:i" }}</td>
    </tr>"""  # noqa: E501
)
PORTAL_PYTHON_ROW = Template("{% load servicedesk_queue %}{% portal_row incident shared %}")


@pytest.mark.parametrize("shared", [True, False])
@pytest.mark.parametrize("zone", ["UTC", "Asia/Kolkata"])
def test_a_portal_row_shows_what_the_row_template_showed(incidents, people, shared, zone):
    resolved = incidents[1]
    actions.incident_transition(incident=resolved, action="start", actor=people["agent"], data={})
    actions.incident_transition(
        incident=resolved,
        action="resolve",
        actor=people["agent"],
        data={"resolution_code": "fixed", "resolution_note": "Rerun."},
    )
    actions.incident_open(actor=people["requester"], title="z" * 79 + "e\u0301")
    actions.incident_open(actor=people["requester"], title="w" * 80 + "e\u0301")
    rows = list(incident_list_for(people["agent"]).order_by("pk"))
    assert any(row.status == "resolved" for row in rows) and len(rows) == 7
    with timezone.override(zone):
        for incident in rows:
            context = {"incident": incident, "shared": shared}
            expected = _between_tags(PORTAL_TEMPLATE_ROW.render(Context(context)))
            assert _between_tags(PORTAL_PYTHON_ROW.render(Context(context))) == expected
    html = PORTAL_PYTHON_ROW.render(Context({"incident": rows[0], "shared": True}))
    assert "&lt;script&gt;" in html and "<script>" not in html
