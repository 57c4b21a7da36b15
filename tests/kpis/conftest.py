import dataclasses
import datetime
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from core.models import AuditEvent
from kpis import registry
from kpis.periods import window_for
from servicedesk import models as sd_models
from tests.core.factories import RequesterFactory, TeamFactory, UserFactory
from tests.servicedesk.factories import CommentFactory, IncidentFactory, ServiceFactory

DAY = datetime.date(2026, 3, 4)  # a Wednesday
NOW = timezone.make_aware(datetime.datetime(2026, 6, 1, 12, 0))


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(2026, month, day, hour, minute))


def measure(code: str, scope_kind: str, *, kind: str = "day", day: datetime.date = DAY):
    """{scope: value} of one KPI for one window (values only)."""
    window = window_for(kind, day, now=NOW)
    return {k: m.value for k, m in registry.get(code).compute(window, scope_kind).items()}


def extras(code: str, scope_kind: str, *, kind: str = "day", day: datetime.date = DAY):
    window = window_for(kind, day, now=NOW)
    return {k: m.extra for k, m in registry.get(code).compute(window, scope_kind).items()}


def pause_in(monkeypatch, code: str, then) -> None:
    """Call `then()` when the run starts computing `code` (inside its transaction, after the
    KPIs before it committed)."""
    definition = registry.get(code)
    calls = []

    def compute(window, scope_kind):
        calls.append(scope_kind)
        if len(calls) == 1:
            then()
        return definition.compute(window, scope_kind)

    monkeypatch.setitem(registry.REGISTRY, code, dataclasses.replace(definition, compute=compute))


def has_model(name: str) -> bool:
    return hasattr(sd_models, name)


def has_field(model, name: str) -> bool:
    return name in {f.name for f in model._meta.get_fields()}


@pytest.fixture
def desk(db):
    """The hand-worked incident set every service-KPI test uses (times are UTC, 2026-03).

    | inc | service | team | opened      | responded   | resolved    | notes                  |
    |-----|---------|------|-------------|-------------|-------------|------------------------|
    | i1  | A       | T1   | 04 08:00    | 04 08:10    | 04 10:00    | requester wrote at open |
    | i2  | A       | T1   | 04 09:00    | 04 09:30    | 04 13:00    | requester replied 10:00 |
    | i3  | B       | T2   | 03 22:00    | 04 00:20    | 04 06:00    | reopened once           |
    | i4  | B       | —    | 04 12:00    | —           | —           | open                    |
    | i5  | A       | T1   | 20 Feb 10:00| —           | —           | open, 12½ days old      |
    """
    t1, t2 = TeamFactory(name="T1"), TeamFactory(name="T2")
    a, b = ServiceFactory(name="A", support_team=t1), ServiceFactory(name="B", support_team=t2)
    requester = RequesterFactory(username="kpi-req")
    agent = UserFactory(username="kpi-agent", role="agent")

    def incident(**kw):
        return IncidentFactory(requester=requester, **kw)

    i1 = incident(
        service=a,
        team=t1,
        opened_at=at(4, 8),
        first_responded_at=at(4, 8, 10),
        resolved_at=at(4, 10),
        status="resolved",
    )
    i2 = incident(
        service=a,
        team=t1,
        opened_at=at(4, 9),
        first_responded_at=at(4, 9, 30),
        resolved_at=at(4, 13),
        status="resolved",
    )
    i3 = incident(
        service=b,
        team=t2,
        opened_at=at(3, 22),
        first_responded_at=at(4, 0, 20),
        resolved_at=at(4, 6),
        status="closed",
        closed_at=at(4, 7),
    )
    i4 = incident(service=b, team=None, opened_at=at(4, 12), status="new")
    i5 = incident(service=a, team=t1, opened_at=at(20, 10, month=2), status="assigned")
    # i1: the requester's own words at opening are not a reply; an agent's reply is not either.
    CommentFactory(incident=i1, author=requester, created_at=at(4, 8))
    CommentFactory(incident=i1, author=agent, created_at=at(4, 9))
    # i2: the requester had to reply: not resolved at first contact.
    CommentFactory(incident=i2, author=requester, created_at=at(4, 10))
    AuditEvent.objects.create(
        action="incident.reopen",
        content_type=ContentType.objects.get_for_model(i3),
        object_id=str(i3.pk),
        object_repr=str(i3),
    )
    return {"a": a, "b": b, "t1": t1, "t2": t2, "i": [i1, i2, i3, i4, i5], "requester": requester}


ZERO = Decimal("0")
