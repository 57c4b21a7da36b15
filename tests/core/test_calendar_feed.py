"""The personal calendar feed: secret URL, the user's milestones, planned outages for staff."""

import datetime

import pytest
from django.utils import timezone

from core.models import CalendarFeed
from servicedesk.models import Outage
from tests.projects.factories import MilestoneFactory, ProjectFactory
from tests.servicedesk.factories import ServiceFactory

pytestmark = pytest.mark.django_db


def feed_text(client, user) -> str:
    feed = CalendarFeed.reset_for(user)
    response = client.get(f"/feeds/{feed.token}/calendar.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return response.content.decode()


def test_pm_feed_lists_milestones_of_their_projects_only(client, people):
    mine = ProjectFactory(manager=people["project_manager"], code="MAIL-1")
    MilestoneFactory(project=mine, name="Cut-over", due_date=datetime.date(2026, 12, 1))
    MilestoneFactory(project=ProjectFactory(code="OTHER-1"), name="Not mine")
    text = feed_text(client, people["project_manager"])
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert "SUMMARY:MAIL-1: Cut-over" in text and "DTSTART;VALUE=DATE:20261201" in text
    assert "Not mine" not in text


def test_staff_feed_shows_planned_outages_requesters_do_not_see_them(client, people):
    service = ServiceFactory(name="Email")
    start = timezone.now() + datetime.timedelta(days=2)
    Outage.objects.create(
        service=service,
        kind="planned",
        started_at=start,
        ended_at=start + datetime.timedelta(hours=2),
        description="Patch night",
    )
    assert "SUMMARY:Planned outage: Email" in feed_text(client, people["agent"])
    assert "Planned outage" not in feed_text(client, people["requester"])


def test_unknown_or_replaced_token_is_404(client, people):
    old = CalendarFeed.reset_for(people["agent"]).token
    CalendarFeed.reset_for(people["agent"])
    assert client.get(f"/feeds/{old}/calendar.ics").status_code == 404
    assert client.get("/feeds/nope/calendar.ics").status_code == 404


def test_settings_page_creates_the_feed_address(client, people):
    client.force_login(people["agent"])
    html = client.post("/account/notifications/", {"reset_feed": "1"}, follow=True).content.decode()
    token = CalendarFeed.objects.get(user=people["agent"]).token
    assert f"/feeds/{token}/calendar.ics" in html


def test_feed_shows_go_live_dates_of_handoffs(client, people):
    from projects.models import Handoff

    project = ProjectFactory(manager=people["project_manager"], code="SSO-1")
    Handoff.objects.create(
        project=project,
        new_service=True,
        service_name="Single sign-on",
        go_live_on=datetime.date(2027, 1, 15),
    )
    text = feed_text(client, people["project_manager"])
    assert "SUMMARY:Go-live: Single sign-on" in text and "DTSTART;VALUE=DATE:20270115" in text
