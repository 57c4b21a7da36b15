"""An update names the version it was based on: a JSON integer, digits, or an If-Match tag.
Anything else is answered as no version at all (428) and changes nothing, never a 500."""

import json

import pytest

from core.models import AuditEvent
from servicedesk.models import Outage
from tests.conftest import client_for
from tests.servicedesk.factories import ServiceFactory, office_calendar, sla_policy

pytestmark = pytest.mark.django_db


def _target(kind: str, people):
    """(url, object) of one updatable object of each kind whose serializer has no version."""
    service = ServiceFactory(name="Payroll", owner=people["service_owner"])
    if kind == "service":
        return f"/api/v1/services/{service.pk}/", service
    if kind == "outage":
        outage = Outage.objects.create(service=service, started_at="2025-01-06T09:00:00Z")
        return f"/api/v1/services/{service.pk}/outages/{outage.pk}/", outage
    calendar = office_calendar()
    if kind == "calendar":
        return f"/api/v1/calendars/{calendar.pk}/", calendar
    policy = sla_policy("Std", calendar)
    return f"/api/v1/sla-policies/{policy.pk}/", policy


CHANGE = {
    "service": {"description": "Changed"},
    "outage": {"description": "Changed"},
    "calendar": {"name": "Changed"},
    "policy": {"name": "Changed"},
}


@pytest.mark.parametrize("kind", list(CHANGE))
@pytest.mark.parametrize(
    "version",
    [
        "1e999",  # float inf: int() overflows (a 500 before)
        "-1e999",
        "1.0",
        "1.5",
        "true",
        '"abc"',
        '"²"',  # isdigit() yes, int() no
        '"٣"',  # int() reads it as 3
        '" 1"',
        '"1111111111"',
        "[1]",
        '{"v": 1}',
    ],
)
def test_a_version_that_is_no_whole_number_is_a_428_and_changes_nothing(people, kind, version):
    url, target = _target(kind, people)
    body = json.dumps(CHANGE[kind])[:-1] + f', "version": {version}}}'
    before = AuditEvent.objects.count()
    response = client_for(people["admin"]).patch(url, body, content_type="application/json")
    assert response.status_code == 428, response.content
    assert response.json()["code"] == "version_required"
    target.refresh_from_db()
    assert target.version == 1 and AuditEvent.objects.count() == before


@pytest.mark.parametrize("kind", list(CHANGE))
def test_the_current_version_as_a_number_or_digits_goes_through(people, kind):
    url, target = _target(kind, people)
    admin = client_for(people["admin"])
    assert admin.patch(url, {**CHANGE[kind], "version": 1}, format="json").status_code == 200
    assert admin.patch(url, {**CHANGE[kind], "version": "2"}, format="json").status_code == 200
    target.refresh_from_db()
    assert target.version == 3


@pytest.mark.parametrize("tag", ['"²"', '"1-²"', '"1e999"', '"1-"'])
def test_an_if_match_tag_without_a_version_is_stale(people, tag):
    url, service = _target("service", people)
    response = client_for(people["admin"]).patch(
        url, {"description": "Changed"}, format="json", HTTP_IF_MATCH=tag
    )
    assert response.status_code == 412
    service.refresh_from_db()
    assert service.version == 1
