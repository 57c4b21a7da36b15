"""Incident KPIs: response and resolution times, volume, backlog, first-contact resolution."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    CharField,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Sum,
)
from django.db.models.functions import Cast

from core.models import AuditEvent
from kpis.definitions.common import (
    INCIDENT_SCOPE_FIELD,
    INCIDENT_SCOPES,
    _incidents,
    _within,
    grouped_in_window,
    members,
    minutes,
    percent,
)
from kpis.periods import Window
from kpis.registry import Measure, kpi
from servicedesk.models import Incident, IncidentComment

# --- Records behind the numbers (drill-down) ------------------------------------------------


def opened_in(w: Window, scope: str):
    return _incidents(scope).filter(_within("opened_at", w))


def responded_in(w: Window, scope: str):
    return _incidents(scope).filter(_within("first_responded_at", w))


def resolved_in(w: Window, scope: str):
    return _incidents(scope).filter(_within("resolved_at", w))


def open_at(moment) -> Q:
    """Open at `moment`: opened before it and neither resolved nor closed (or cancelled) by then.

    Spelled as three disjoint cases, each with its own index, so that a moment near now reads
    the open incidents (`inc_unresolved`) and the few resolved or closed since, instead of
    every incident opened before it: still open; resolved at or after the moment (and not
    closed before it); closed at or after it without a resolution.
    """
    return Q(opened_at__lt=moment) & (
        Q(resolved_at__isnull=True, closed_at__isnull=True)
        | (Q(resolved_at__gte=moment) & (Q(closed_at__isnull=True) | Q(closed_at__gte=moment)))
        | Q(resolved_at__isnull=True, closed_at__gte=moment)
    )


def backlog_at_end(w: Window, scope: str):
    return _incidents(scope).filter(open_at(w.end))


def _first_contact() -> Q:
    """Resolved with no reply from the requester after opening and never reopened."""
    requester_replied = IncidentComment.objects.filter(
        incident=OuterRef("pk"), author=OuterRef("requester"), created_at__gt=OuterRef("opened_at")
    )
    reopened = AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(Incident),
        object_id=Cast(OuterRef("pk"), output_field=CharField()),
        action="incident.reopen",
    )
    return ~Exists(requester_replied) & ~Exists(reopened)


def not_first_contact(w: Window, scope: str):
    return resolved_in(w, scope).exclude(_first_contact())


# --- Incident KPIs --------------------------------------------------------------------------


def _mean_minutes(w: Window, scope_kind: str, *, until: str) -> dict[str, Measure]:
    elapsed = ExpressionWrapper(F(until) - F("opened_at"), output_field=DurationField())
    rows = grouped_in_window(
        w,
        "elapsed",
        until,
        Incident.objects.all(),
        scope_kind,
        INCIDENT_SCOPE_FIELD,
        total=Sum(elapsed),
        n=Count("id"),
    )
    return {
        key: Measure(minutes(row["total"] / row["n"]), {"incidents": row["n"]})
        for key, row in rows.items()
        if row["n"]
    }


@kpi(
    code="mtta",
    name="Mean time to acknowledge",
    unit="min",
    direction="lower",
    default_target="30",
    tolerance="15",
    scopes=INCIDENT_SCOPES,
    records=responded_in,
    records_label="Incidents first responded to in the period",
)
def mtta(w: Window, scope_kind: str) -> dict[str, Measure]:
    """Mean wall-clock minutes from opening to first response, over incidents first responded
    to in the period."""
    return _mean_minutes(w, scope_kind, until="first_responded_at")


@kpi(
    code="mttr",
    name="Mean time to resolve",
    unit="min",
    direction="lower",
    default_target="480",
    tolerance="240",
    scopes=INCIDENT_SCOPES,
    records=resolved_in,
    records_label="Incidents resolved in the period",
)
def mttr(w: Window, scope_kind: str) -> dict[str, Measure]:
    """Mean wall-clock minutes from opening to resolution, over incidents resolved in the
    period."""
    return _mean_minutes(w, scope_kind, until="resolved_at")


def _opened_counts(w: Window, scope_kind: str) -> dict[str, int]:
    rows = grouped_in_window(
        w,
        "opened",
        "opened_at",
        Incident.objects.all(),
        scope_kind,
        INCIDENT_SCOPE_FIELD,
        n=Count("id"),
    )
    counts = dict.fromkeys(members(scope_kind, w.memo), 0)
    counts.update({key: row["n"] for key, row in rows.items()})
    return counts


@kpi(
    code="incident_volume",
    name="Incidents opened",
    unit="count",
    direction="lower",
    scopes=("global", "service"),
    records=opened_in,
    records_label="Incidents opened in the period",
    decimals=0,
)
def incident_volume(w: Window, scope_kind: str) -> dict[str, Measure]:
    """Incidents opened in the period."""
    return {key: Measure(Decimal(n)) for key, n in _opened_counts(w, scope_kind).items()}


@kpi(
    code="incident_reduction",
    name="Incident reduction",
    unit="%",
    direction="higher",
    default_target="5",
    tolerance="5",
    target_range=(None, "100"),  # negative when incidents rise; 100 when none are left
    scopes=("global", "service"),
    records=opened_in,
    records_label="Incidents opened in the period",
)
def incident_reduction(w: Window, scope_kind: str) -> dict[str, Measure]:
    """(incidents opened in the previous period of equal length − in this one) ÷ previous × 100:
    positive when incidents fall."""
    now = _opened_counts(w, scope_kind)
    before = _opened_counts(w.previous(), scope_kind)
    return {
        key: Measure(
            percent(before.get(key, 0) - n, before.get(key, 0)),
            {"opened": n, "previous_opened": before.get(key, 0)},
        )
        for key, n in now.items()
    }


# Age buckets of the backlog: (label, lower bound inclusive, upper bound exclusive)
BACKLOG_BUCKETS = (
    ("under_1d", timedelta(0), timedelta(days=1)),
    ("1d_3d", timedelta(days=1), timedelta(days=3)),
    ("3d_7d", timedelta(days=3), timedelta(days=7)),
    ("7d_30d", timedelta(days=7), timedelta(days=30)),
    ("over_30d", timedelta(days=30), None),
)


@kpi(
    code="backlog",
    name="Backlog",
    unit="count",
    direction="lower",
    scopes=("global", "team"),
    records=backlog_at_end,
    records_label="Incidents open at the end of the period",
    decimals=0,
)
def backlog(w: Window, scope_kind: str) -> dict[str, Measure]:
    """Incidents open at the end of the period (or now), by age: under 1 day, 1–3, 3–7,
    7–30 and over 30 days."""
    at = w.end
    buckets = {}
    for label, young, old in BACKLOG_BUCKETS:
        # Age = at − opened_at, so "age ≥ young" is "opened_at ≤ at − young".
        q = Q(opened_at__lte=at - young)
        if old is not None:
            q &= Q(opened_at__gt=at - old)
        buckets[label] = Count("id", filter=q)
    # The running day, week and month all end now: one count serves the three, and its team
    # rows (with the incidents of no team) add up to global: one statement per moment.
    memo_key = ("backlog", at)
    if memo_key not in w.memo:
        rows = Incident.objects.filter(open_at(at)).values("team_id")
        w.memo[memo_key] = list(rows.annotate(total=Count("id"), **buckets).order_by())
    rows = w.memo[memo_key]
    if scope_kind == "global":
        total = {name: sum(row[name] for row in rows) for name in ("total", *buckets)}
        counted = {"global": total}
    else:
        column = INCIDENT_SCOPE_FIELD[scope_kind]
        counted = {f"{scope_kind}:{row[column]}": row for row in rows if row[column] is not None}
    out = {
        key: Measure(Decimal(0), dict.fromkeys(buckets, 0)) for key in members(scope_kind, w.memo)
    }
    for key, row in counted.items():
        ages = {name: row[name] for name in buckets}
        out[key] = Measure(Decimal(row["total"]), ages)
    return out


@kpi(
    code="first_contact_resolution",
    name="First-contact resolution",
    unit="%",
    direction="higher",
    default_target="70",
    tolerance="10",
    scopes=("global", "team"),
    records=not_first_contact,
    records_label="Incidents resolved in the period, but not at first contact",
)
def first_contact_resolution(w: Window, scope_kind: str) -> dict[str, Measure]:
    """Incidents resolved in the period with no reply from the requester after opening and no
    reopen ÷ incidents resolved in the period × 100."""
    rows = grouped_in_window(
        w,
        "first contact",
        "resolved_at",
        Incident.objects.all(),
        scope_kind,
        INCIDENT_SCOPE_FIELD,
        resolved=Count("id"),
        first_contact=Count("id", filter=_first_contact()),
    )
    return {
        key: Measure(percent(row["first_contact"], row["resolved"]), row)
        for key, row in rows.items()
        if row["resolved"]
    }
