"""History lines in words: the move's verb, the field's name, a choice's label, a person's
name instead of an id — for any number of lines in one query per related table."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.audit import history_for
from core.audit_text import audit_lines
from servicedesk import actions
from tests.conftest import browser_for
from tests.servicedesk.factories import ServiceFactory

pytestmark = pytest.mark.django_db


def worked_incident(people, reassignments: int = 1):
    incident = actions.incident_open(
        actor=people["requester"],
        title="VPN drops",
        service=ServiceFactory(name="VPN"),
        impact=2,
        urgency=1,
    )
    incident = actions.incident_update(
        incident=incident, actor=people["agent"], expected_version=incident.version,
        changes={"urgency": 3},
    )  # fmt: skip
    for n in range(reassignments):
        agent = people["agent2"] if n % 2 == 0 else people["agent"]
        incident = actions.incident_update(
            incident=incident,
            actor=people["agent"],
            expected_version=incident.version,
            changes={"assignee": agent},
        )
    return actions.incident_transition(incident=incident, action="start", actor=people["agent"])


def test_a_history_reads_as_words_not_codes(people):
    incident = worked_incident(people)
    lines = audit_lines(history_for(incident, include_internal=True))
    text = [(line.verb, [(c.label, c.old, c.new) for c in line.changes]) for line in lines]
    assert text[0] == ("opened it", [])
    changed = next(changes for verb, changes in text if verb == "changed")
    assert ("urgency", "1 - High", "3 - Low") in changed
    assigned = next(changes for verb, changes in text if any(c[0] == "assignee" for c in changes))
    assignee = next(c for c in assigned if c[0] == "assignee")
    assert assignee[2] == people["agent2"].display_name  # a name, not an id
    assert text[-1][0] == "started work"
    assert ("status", "New", "In progress") in text[-1][1]


def test_naming_people_costs_one_query_however_long_the_history(people):
    def queries(incident) -> int:
        events = list(history_for(incident, include_internal=True))
        with CaptureQueriesContext(connection) as seen:
            audit_lines(events)
        return len(seen)

    assert queries(worked_incident(people, 1)) == queries(worked_incident(people, 6))


def test_the_requester_s_ticket_page_shows_the_words(people):
    incident = worked_incident(people)
    html = browser_for(people["requester"]).get(f"/portal/incidents/{incident.number}/")
    text = html.content.decode()
    assert "started work" in text and "urgency 1 - High → 3 - Low" in text
    assert "incident.start" not in text and "on_hold" not in text
