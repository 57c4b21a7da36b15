import factory

from core.numbering import number_next
from servicedesk.models import Incident, IncidentComment, Service
from tests.core.factories import AgentFactory, RequesterFactory


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Service {n}")
    status = "live"


class IncidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Incident

    number = factory.LazyFunction(lambda: number_next(prefix="INC"))
    title = factory.Faker("sentence", nb_words=5)
    description = "Something is broken."
    service = factory.SubFactory(ServiceFactory)
    requester = factory.SubFactory(RequesterFactory)
    organisation = factory.LazyAttribute(lambda o: o.requester.organisation)
    impact = 2
    urgency = 2


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IncidentComment

    incident = factory.SubFactory(IncidentFactory)
    author = factory.SubFactory(AgentFactory)
    body = "A reply."


# --- SLA, surveys, outages ------------------------------------------------------------------


def office_calendar(
    name: str = "Office", *, tz: str = "Europe/London", start=540, end=1020, holidays=()
):
    """Mon–Fri start–end (minutes; default 09:00–17:00) in `tz`, with `holidays` (dates)."""
    from servicedesk.models import BusinessCalendar, Holiday, WorkingInterval

    cal = BusinessCalendar.objects.create(name=name, time_zone=tz)
    WorkingInterval.objects.bulk_create(
        WorkingInterval(calendar=cal, weekday=d, start_minute=start, end_minute=end)
        for d in range(5)
    )
    Holiday.objects.bulk_create(Holiday(calendar=cal, date=d, name="Holiday") for d in holidays)
    cal.save()  # bump updated_at after the children, as the actions do
    return cal


def sla_policy(name: str, calendar, *, targets=None, is_default=False):
    """A policy with `targets` {priority: (response_min, resolution_min)} (default: P1 30/60,
    P2 60/120, P3 60/240, P4 120/480, P5 240/960)."""
    from servicedesk.models import SLAPolicy, SLATarget

    targets = targets or {1: (30, 60), 2: (60, 120), 3: (60, 240), 4: (120, 480), 5: (240, 960)}
    policy = SLAPolicy.objects.create(name=name, calendar=calendar, is_default=is_default)
    SLATarget.objects.bulk_create(
        SLATarget(policy=policy, priority=p, response_minutes=r, resolution_minutes=m)
        for p, (r, m) in targets.items()
    )
    return policy
