"""The console's choice lists (services, teams, the agents a ticket can go to) kept in the
worker's memory: read once, shown as they are now after any change (core.choice_lists)."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from core import choice_lists, kept
from core.kept import shared_cache
from core.models import User
from servicedesk.models import Service
from tests.core.factories import AgentFactory
from tests.servicedesk.factories import IncidentFactory, ServiceFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not shared_cache(),
        reason="lists are kept only with a cache the workers share (REDIS_URL)",
    ),
]
QUEUE = "/desk/?view=all"


def page(client, path=QUEUE) -> tuple[str, list[str]]:
    """The page and the statements that read choice lists for it."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    reads = [q["sql"] for q in queries.captured_queries if '"choice_list"' in q["sql"]]
    return response.content.decode(), reads


@pytest.fixture
def console(people):
    client = Client()
    client.force_login(people["agent"])
    return client


@pytest.fixture
def vpn(people):
    service = ServiceFactory(name="VPN")
    IncidentFactory(service=service, team=people["team"])
    return service


def test_a_second_page_reads_no_choice_list(console, vpn, people):
    html, reads = page(console)
    assert len(reads) == 1  # the three lists in one statement
    html, reads = page(console)
    assert reads == []
    assert ">VPN</option>" in html and f">{people['team'].name}</option>" in html
    assert f'<option value="{people["agent"].pk}">' in html  # bulk assign's agents


def test_changes_show_at_once_on_the_console_and_the_ticket(console, vpn, people):
    incident = IncidentFactory(service=vpn, team=people["team"])
    page(console)
    vpn.name = "Remote access"
    vpn.save()
    newcomer = AgentFactory(first_name="Nia", last_name="Newcomer")
    html, reads = page(console)
    assert reads  # read again, once
    assert ">Remote access</option>" in html and ">VPN</option>" not in html
    assert f'<option value="{newcomer.pk}">Nia Newcomer</option>' in html
    ticket, _ = page(console, f"/desk/incidents/{incident.number}/")
    assert f'<option value="{vpn.pk}" selected>Remote access</option>' in ticket
    assert "Nia Newcomer" in ticket
    newcomer.delete()
    html, _ = page(console)
    assert "Nia Newcomer" not in html


def test_a_login_keeps_the_lists(console, vpn, people):
    page(console)
    Client().force_login(people["agent"])  # stamps last_login
    assert page(console)[1] == []


def test_a_change_another_worker_made_is_seen_through_the_shared_stamp(console, vpn):
    page(console)
    Service.objects.filter(pk=vpn.pk).update(name="Renamed elsewhere")  # no signal here
    assert ">VPN</option>" in page(console)[0]  # what this process kept
    cache.set(choice_lists.KEPT.key, "set by another worker", timeout=None)
    assert ">Renamed elsewhere</option>" in page(console)[0]


def test_without_a_shared_cache_every_page_reads_the_lists(console, vpn, monkeypatch):
    class Down:
        def get(self, *args, **kwargs):
            raise ConnectionError("cache down")

        add = set = get

    page(console)
    monkeypatch.setattr(kept, "cache", Down())
    User.objects.filter(role="agent").update(first_name="Bulk")
    html, reads = page(console)
    assert reads and ">Bulk " in html
    assert page(console)[1]  # and again
