"""The console's "Resolution due (SLA)" sort: incidents without a due time (cancelled, or on
a service without a clock) come last, as the API's `?ordering=resolution_due` puts them."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from servicedesk.models import Incident
from tests.servicedesk.factories import IncidentFactory

pytestmark = pytest.mark.django_db


def _numbers(html: str) -> list[str]:
    return re.findall(r'href="/desk/incidents/(INC\d+)/"', html)


def _walk(client, url: str) -> list[str]:
    """Every incident number, following "Older →" to the end."""
    seen = []
    while url:
        html = client.get(url).content.decode()
        seen += _numbers(html)
        found = re.search(r'<a[^>]*href="([^"]+)"[^>]*>\s*Older', html)
        url = found.group(1).replace("&amp;", "&") if found else None
    return seen


def test_agent_sorting_by_resolution_due_sees_incidents_without_a_due_time_last(people, client):
    start = datetime(2025, 1, 10, 9, 0, tzinfo=UTC)
    due = [
        IncidentFactory(resolution_due=start + timedelta(hours=i), status="in_progress")
        for i in range(52)
    ]
    without = [IncidentFactory(resolution_due=None, status="cancelled") for _ in range(3)]
    assert Incident.objects.count() == 55
    client.force_login(people["agent"])

    walked = _walk(client, "/desk/?view=all&sort=due")

    assert walked == [i.number for i in due] + [i.number for i in without]
    cancelled = client.get("/desk/?view=all&status=cancelled&sort=due").content.decode()
    assert sorted(_numbers(cancelled)) == sorted(i.number for i in without)
    assert "No incidents match" not in cancelled


def test_api_walks_resolution_due_both_ways_with_incidents_without_a_due_time_last(people):
    from tests.conftest import client_for

    start = datetime(2025, 1, 10, 9, 0, tzinfo=UTC)
    due = [IncidentFactory(resolution_due=start + timedelta(hours=i)) for i in range(5)]
    without = [IncidentFactory(resolution_due=None) for _ in range(3)]
    expected = [i.number for i in due] + [i.number for i in without]
    api = client_for(people["agent"])
    for ordering, order in (("resolution_due", expected), ("-resolution_due", expected[::-1])):
        url, seen, pages = f"/api/v1/incidents/?ordering={ordering}&page_size=3", [], []
        while url:
            body = api.get(url).json()
            pages.append(url)
            seen += [row["number"] for row in body["results"]]
            url = body["next"]
        assert seen == order, ordering
        # and back from the last page to the first
        back, url = [], pages[-1]
        while url:
            body = api.get(url).json()
            back = [row["number"] for row in body["results"]] + back
            url = body["previous"]
        assert back == order, ordering
