"""The service pages: the list and a service's page (availability over 7/30/90 days, the
outage timeline, SLA terms); servicedesk/outage_views.py and service_views.py draw it again
with their refusals."""

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from core.roles import is_staff_member
from servicedesk import catalogue
from servicedesk.availability import availability
from servicedesk.outage_actions import outage_may_write
from servicedesk.outage_forms import OutageForm
from servicedesk.queries import (
    incident_list_for,
    outages_since,
    services_visible_to,
)
from servicedesk.sla import builtin_24x7, calendar_for, policy_for

SORTS = {
    "opened": ("-opened_at", "-id"),
    "-opened": ("opened_at", "id"),
    "priority": ("priority", "-opened_at"),
    "number": ("-number",),
    "updated": ("-updated_at", "-id"),
    # Soonest due first; incidents without a due time (cancelled, no SLA clock) last, as the
    # keyset pages (and the API's `?ordering=resolution_due`) sort NULL as the largest value.
    "due": ("resolution_due", "id"),
}
SAVED_FILTERS = [
    ("mine", "My open", {"status": ["open"], "assignee": "me"}),
    ("unassigned", "Unassigned", {"status": ["new", "assigned"], "assignee": "none"}),
    ("breaching", "Breaching soon", {"sla": "breaching", "sort": "due"}),
    ("team", "My team", {"status": ["open"]}),
    ("open", "All open", {"status": ["open"]}),
    ("all", "All", {}),
]


STALE_PANEL = (
    "This incident was changed by someone else (it is now version {version}), so your change "
    "was not saved. The panel shows its current values: make your change again if it still "
    "applies."
)


# --- Services --------------------------------------------------------------------------------


@login_required
def service_list(request):
    qs = services_visible_to(request.user)
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(description__icontains=q))
    return render(request, "servicedesk/service_list.html", {"services": qs, "q": q})


def service_page_service(user, pk: int):
    """The service a service page shows, with what the page reads of it (404 if not visible)."""
    return get_object_or_404(
        services_visible_to(user).select_related("sla_policy", "service_hours"), pk=pk
    )


@login_required
def service_detail(request, pk: int):
    """A service: availability over the last 7/30/90 days, outage timeline, SLA terms."""
    return service_page(request, service_page_service(request.user, pk))


def service_page(request, service, *, outage_form: OutageForm | None = None, status: int = 200):
    """The service page; servicedesk/outage_views.py re-renders it with a refused outage form
    (its errors shown) or after a refused "End now" or "Cancel" (status 4xx, the message on
    top). Outages that start later are listed apart, soonest first (maintenance ahead)."""
    recent = incident_list_for(request.user).filter(service=service)[:10]
    now = timezone.now()
    span = timedelta(days=TIMELINE_DAYS)
    # The default policy and the built-in hours, when the service has none of its own, are
    # kept rows of the catalogue (a statement each otherwise).
    hours_row = service.service_hours or catalogue.kept_row("builtin_24x7", builtin_24x7)
    cal = calendar_for(hours_row)
    policy = service.sla_policy or catalogue.kept_row("default_policy", lambda: policy_for(None))
    outages, upcoming = [], []
    for o in outages_since(service, start=now - span).select_related("incident"):
        (upcoming if o.started_at > now else outages).append(o)
    upcoming.reverse()  # newest first from the query; soonest first here
    raw = [(o.started_at, o.ended_at, o.kind) for o in outages]
    windows = []
    for days in (7, 30, 90):
        figures = availability(
            cal, window_start=now - timedelta(days=days), window_end=now, outages=raw, now=now
        )
        windows.append({"days": days, **figures})
    timeline_start = now - span
    for o in outages:
        start = max(o.started_at, timeline_start)
        end = min(o.ended_at or now, now)
        o.left_pct = f"{(start - timeline_start) / span * 100:.3f}"
        o.width_pct = f"{max((end - start) / span * 100, 0.4):.3f}"
    may_write = outage_may_write(request.user, service)
    if may_write and outage_form is None:
        outage_form = OutageForm(user=request.user, initial={"started_at": now})
    return render(
        request,
        "servicedesk/service_detail.html",
        {
            "service": service,
            "recent": recent,
            "windows": windows,
            "outages": outages,
            "upcoming_outages": upcoming,
            "show_outages": is_staff_member(request.user),
            "service_hours": hours_row,
            "policy": policy,
            "policy_is_default": service.sla_policy_id is None,
            "timeline_days": TIMELINE_DAYS,
            "may_write_outages": may_write,
            "outage_form": outage_form,
        },
        status=status,
    )


TIMELINE_DAYS = 90
