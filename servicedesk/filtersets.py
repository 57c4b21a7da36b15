"""One FilterSet per model, shared by the API and the HTML lists."""

from datetime import timedelta

import django_filters as df
from django.db.models import Q
from django.utils import timezone

from core.filtersets import (
    FilterSet,
    MomentFilter,
    MultipleChoiceFilter,
    RelatedFilter,
    StrictBooleanFilter,
)
from core.models import Organisation, Team, User
from core.params import whole_number
from servicedesk.choices import OPEN_INCIDENT_STATES, IncidentStatus, Priority, ServiceStatus
from servicedesk.models import Incident, Outage, Service
from servicedesk.models.outages import OUTAGE_STATES, outage_state_q
from servicedesk.search import incidents_matching
from servicedesk.sla import RUNNING_STATES, breaching_soon_q

BREACHING_SOON = timedelta(hours=2)


def filter_status_or_open(qs, values, *, open_states):
    """Filter on statuses, where the pseudo-status "open" stands for all `open_states`."""
    if not values:
        return qs
    wanted = set(values)
    if "open" in wanted:
        wanted.discard("open")
        wanted.update(open_states)
    return qs.filter(status__in=sorted(wanted))


class IncidentFilter(FilterSet):
    status = MultipleChoiceFilter(
        choices=[("open", "Open"), *IncidentStatus.choices], method="filter_status"
    )
    priority = MultipleChoiceFilter(choices=Priority.choices)
    service = RelatedFilter(queryset=Service.objects.all(), empty_label="Any")
    team = RelatedFilter(queryset=Team.objects.all(), empty_label="Any")
    assignee = df.CharFilter(method="filter_assignee", help_text="A user id, `me`, or `none`.")
    requester = RelatedFilter(queryset=User.objects.all())
    organisation = RelatedFilter(queryset=Organisation.objects.all())
    opened_after = MomentFilter(field_name="opened_at", lookup_expr="gte")
    opened_before = MomentFilter(field_name="opened_at", lookup_expr="lt")
    q = df.CharFilter(method="filter_q", help_text="Number, or words in title/description.")
    sla = df.ChoiceFilter(
        choices=[
            ("breaching", "Breaching soon: running clock due within 2 h, or overdue"),
            ("breached", "Resolution target breached"),
            ("paused", "SLA clock paused (on hold)"),
        ],
        method="filter_sla",
    )

    class Meta:
        model = Incident
        fields = ["status", "priority", "service", "team", "assignee", "requester", "organisation"]

    def filter_status(self, qs, name, values):
        return filter_status_or_open(qs, values, open_states=OPEN_INCIDENT_STATES)

    def filter_assignee(self, qs, name, value):
        value = (value or "").strip().lower()
        if value == "me":
            user = getattr(self.request, "user", None)
            return qs.filter(assignee=user) if user and user.is_authenticated else qs.none()
        if value in {"none", "unassigned"}:
            return qs.filter(assignee__isnull=True)
        assignee_id = whole_number(value)
        if assignee_id is not None:
            return qs.filter(assignee_id=assignee_id)
        return qs.none() if value else qs

    def filter_q(self, qs, name, value):
        return incidents_matching(qs, value)

    def filter_sla(self, qs, name, value):
        now = timezone.now()
        if value == "breaching":
            return qs.filter(breaching_soon_q(now=now, within=BREACHING_SOON))
        if value == "breached":
            return qs.filter(
                Q(resolution_breached=True) | Q(status__in=RUNNING_STATES, resolution_due__lt=now)
            )
        if value == "paused":
            return qs.filter(status="on_hold", resolution_due__isnull=False)
        return qs


class ServiceFilter(FilterSet):
    status = MultipleChoiceFilter(choices=ServiceStatus.choices)
    owner = RelatedFilter(queryset=User.objects.all())
    q = df.CharFilter(method="filter_q")

    class Meta:
        model = Service
        fields = ["status", "owner", "support_team", "criticality"]

    def filter_q(self, qs, name, value):
        return qs.filter(Q(name__icontains=value) | Q(description__icontains=value))


class OutageFilter(FilterSet):
    state = df.ChoiceFilter(
        choices=list(OUTAGE_STATES.items()),
        method="filter_state",
        help_text="Where the outage stands now: `upcoming` (starts later; planned maintenance "
        "ahead), `ongoing` (started, not ended) or `ended`.",
    )
    ongoing = StrictBooleanFilter(
        method="filter_ongoing",
        help_text="`true`: the outages under way now (`state=ongoing`); `false`: the others "
        "(upcoming or ended). A planned window that has not started is not ongoing, even "
        "with no end set.",
    )

    class Meta:
        model = Outage
        fields = ["state", "ongoing", "kind"]

    def filter_state(self, qs, name, value):
        return qs.filter(outage_state_q(value, timezone.now()))

    def filter_ongoing(self, qs, name, value):
        # Both sides bound started_at: the (service, started_at) index serves either.
        now = timezone.now()
        if value:
            return qs.filter(outage_state_q("ongoing", now))
        return qs.filter(outage_state_q("upcoming", now) | outage_state_q("ended", now))
