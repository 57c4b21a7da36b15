"""The personal calendar feed: milestones of followed projects and planned outages.

Served at a secret URL (core.CalendarFeed) because calendar clients cannot send tokens.
"""

import datetime

from django.db.models import Q
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from core.ical import CalendarEvent, ics_document
from core.models import CalendarFeed
from core.roles import is_staff_member
from projects.models import Handoff, Milestone
from projects.queries import projects_followed_by
from servicedesk.models import Outage


def feed_events(user) -> list[CalendarEvent]:
    """What a user's calendar shows: their projects' milestones (and go-lives), and — for
    staff — planned outages from 30 days ago onwards."""
    events = [
        CalendarEvent(
            uid=f"milestone-{m.pk}@servicehub",
            summary=f"{m.project.code}: {m.name}",
            start=m.due_date,
            description=f"{m.project.name} milestone"
            + (" (completed)" if m.completed_on else " (waived)" if m.waived else ""),
        )
        for m in Milestone.objects.filter(project__in=projects_followed_by(user))
        .select_related("project")
        .order_by("due_date", "id")
    ]
    handoffs = (
        Handoff.objects.filter(go_live_on__isnull=False)
        .filter(Q(project__in=projects_followed_by(user)) | Q(service__owner=user))
        .exclude(status="rejected")
        .select_related("project", "service")
        .order_by("go_live_on", "id")
    )
    events += [
        CalendarEvent(
            uid=f"golive-{h.pk}@servicehub",
            summary=f"Go-live: {h.target_name or h.project.name}",
            start=h.go_live_on,
            description=f"Handoff from {h.project.code} ({h.get_status_display().lower()})",
        )
        for h in handoffs
    ]
    if is_staff_member(user):
        since = timezone.now() - datetime.timedelta(days=30)
        outages = (
            Outage.objects.filter(kind="planned", started_at__gte=since)
            .select_related("service")
            .order_by("started_at", "id")
        )
        events += [
            CalendarEvent(
                uid=f"outage-{o.pk}@servicehub",
                summary=f"Planned outage: {o.service.name}",
                start=o.started_at,
                end=o.ended_at,
                description=o.description,
            )
            for o in outages
        ]
    return events


@require_GET
def calendar_feed(request, token: str):
    """`GET /feeds/<token>/calendar.ics` — no login; the secret token is the credential."""
    feed = CalendarFeed.objects.select_related("user").filter(token=token).first()
    if feed is None or not feed.user.is_active:
        raise Http404("No such feed.")
    body = ics_document(feed_events(feed.user), name=f"Servicehub — {feed.user.display_name}")
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response
