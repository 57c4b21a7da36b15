"""Service-management KPIs, from incidents (and SLAs, surveys, outages, costs once they exist).

Every function answers for one window and one scope kind with grouped SQL aggregates;
the docstring's first paragraph is the definition shown in the API and on the dashboards.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    Avg,
    CharField,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
)
from django.db.models.functions import Cast

from core.models import AuditEvent
from kpis.definitions.common import (
    INCIDENT_SCOPE_FIELD,
    grouped,
    members,
    minutes,
    percent,
    rounded,
    scope_filter,
)
from kpis.periods import Window
from kpis.registry import KpiUnavailable, Measure, kpi
from servicedesk.models import Incident, IncidentComment

INCIDENT_SCOPES = ("global", "service", "team", "priority")


def _incidents(scope: str = "global"):
    return Incident.objects.filter(**scope_filter(scope, INCIDENT_SCOPE_FIELD))


def _within(field: str, w: Window) -> Q:
    return Q(**{f"{field}__gte": w.start, f"{field}__lt": w.end})


# --- Records behind the numbers (drill-down) ------------------------------------------------


def opened_in(w: Window, scope: str):
    return _incidents(scope).filter(_within("opened_at", w))


def responded_in(w: Window, scope: str):
    return _incidents(scope).filter(_within("first_responded_at", w))


def resolved_in(w: Window, scope: str):
    return _incidents(scope).filter(_within("resolved_at", w))


def open_at(moment) -> Q:
    """Open at `moment`: opened before it and neither resolved nor closed (or cancelled) by then."""
    return (
        Q(opened_at__lt=moment)
        & (Q(resolved_at__isnull=True) | Q(resolved_at__gte=moment))
        & (Q(closed_at__isnull=True) | Q(closed_at__gte=moment))
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
    rows = grouped(
        Incident.objects.filter(_within(until, w)),
        scope_kind,
        INCIDENT_SCOPE_FIELD,
        mean=Avg(elapsed),
        n=Count("id"),
    )
    return {
        key: Measure(minutes(row["mean"]), {"incidents": row["n"]})
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
    rows = grouped(
        Incident.objects.filter(_within("opened_at", w)),
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
    rows = grouped(
        Incident.objects.filter(open_at(at)),
        scope_kind,
        INCIDENT_SCOPE_FIELD,
        total=Count("id"),
        **buckets,
    )
    out = {
        key: Measure(Decimal(0), dict.fromkeys(buckets, 0)) for key in members(scope_kind, w.memo)
    }
    for key, row in rows.items():
        total = row.pop("total")
        out[key] = Measure(Decimal(total), row)
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
    rows = grouped(
        Incident.objects.filter(_within("resolved_at", w)),
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


# --- KPIs waiting for their data source ---------------------------------------------------


def _require(module: str, name: str, what: str):
    """The model `name` from `module`, or KpiUnavailable naming what is missing."""
    from importlib import import_module

    try:
        return getattr(import_module(module), name)
    except (ImportError, AttributeError) as exc:
        raise KpiUnavailable(
            f"no data source yet: {module}.{name} ({what}) does not exist"
        ) from exc


def _model_field(model, name: str, what: str) -> None:
    if name not in {f.name for f in model._meta.get_fields()}:
        raise KpiUnavailable(f"no data source yet: {model.__name__}.{name} ({what}) does not exist")


def _survey_scope_fields() -> dict[str, str]:
    return {"service": "incident__service_id", "team": "incident__team_id"}


def surveys_answered(w: Window, scope: str):
    """Surveys answered in the period (the records behind CSAT), as their incidents."""
    answered = _require("servicedesk.models", "Survey", "CSAT surveys").objects.filter(
        _within("answered_at", w)
    )
    return _incidents(scope).filter(pk__in=answered.values("incident_id"))


@kpi(
    code="csat",
    name="Customer satisfaction",
    unit="%",
    direction="higher",
    default_target="85",
    tolerance="5",
    scopes=("global", "service", "team"),
    records=surveys_answered,
    records_label="Incidents whose survey was answered in the period",
)
def csat(w: Window, scope_kind: str) -> dict[str, Measure]:
    """Surveys answered in the period rated 4 or 5 ÷ surveys answered in the period × 100; the
    response rate is surveys sent in the period and answered ÷ surveys sent in the period."""
    survey = _require("servicedesk.models", "Survey", "CSAT surveys")
    answered = _within("answered_at", w)
    sent = _within("created_at", w)
    rows = grouped(
        survey.objects.filter(answered | sent),
        scope_kind,
        _survey_scope_fields(),
        answered=Count("id", filter=answered),
        satisfied=Count("id", filter=answered & Q(rating__gte=4)),
        sent=Count("id", filter=sent),
        sent_answered=Count("id", filter=sent & Q(answered_at__isnull=False)),
    )
    return {
        key: Measure(
            percent(row["satisfied"], row["answered"]),
            {**row, "response_rate": percent(row["sent_answered"], row["sent"])},
        )
        for key, row in rows.items()
        if row["answered"] or row["sent"]
    }


def _resolution_met() -> Q:
    return Q(resolved_at__lte=F("resolution_due"), resolution_breached=False)


def _response_met() -> Q:
    return Q(first_responded_at__lte=F("response_due"), response_breached=False)


def sla_breached(w: Window, scope: str):
    """Incidents resolved in the period after their resolution target (SLA compliance)."""
    _model_field(Incident, "resolution_breached", "SLA clocks")
    return resolved_in(w, scope).filter(resolution_due__isnull=False).exclude(_resolution_met())


@kpi(
    code="sla_compliance",
    name="SLA compliance",
    unit="%",
    direction="higher",
    default_target="95",
    tolerance="5",
    scopes=("global", "service", "team"),
    records=sla_breached,
    records_label="Incidents resolved in the period after their resolution target",
)
def sla_compliance(w: Window, scope_kind: str) -> dict[str, Measure]:
    """Incidents resolved in the period within their resolution target ÷ incidents resolved in
    the period × 100 (incidents without an SLA left out); the response figure is the same
    over their response target."""
    _model_field(Incident, "resolution_breached", "SLA clocks")
    rows = grouped(
        Incident.objects.filter(_within("resolved_at", w), resolution_due__isnull=False),
        scope_kind,
        INCIDENT_SCOPE_FIELD,
        resolved=Count("id"),
        resolution_met=Count("id", filter=_resolution_met()),
        with_response_target=Count("id", filter=Q(response_due__isnull=False)),
        response_met=Count("id", filter=_response_met()),
    )
    return {
        key: Measure(
            percent(row["resolution_met"], row["resolved"]),
            {**row, "response_pct": percent(row["response_met"], row["with_response_target"])},
        )
        for key, row in rows.items()
        if row["resolved"]
    }


def _business_mean(w: Window, scope_kind: str, *, field: str, until: str) -> dict[str, Measure]:
    # Business time needs the calendar arithmetic, which SQL cannot do; the SLA clock must
    # store the elapsed business minutes on the incident for a grouped average.
    _model_field(Incident, field, "business minutes stored by the SLA clock")
    rows = grouped(
        Incident.objects.filter(_within(until, w), **{f"{field}__isnull": False}),
        scope_kind,
        INCIDENT_SCOPE_FIELD,
        mean=Avg(field),
        n=Count("id"),
    )
    return {
        key: Measure(rounded(Decimal(str(row["mean"]))), {"incidents": row["n"]})
        for key, row in rows.items()
        if row["n"]
    }


@kpi(
    code="mtta_business",
    name="Mean time to acknowledge (business)",
    unit="min",
    direction="lower",
    default_target="30",
    tolerance="15",
    scopes=INCIDENT_SCOPES,
    records=responded_in,
    records_label="Incidents first responded to in the period",
)
def mtta_business(w: Window, scope_kind: str) -> dict[str, Measure]:
    """Mean business minutes (SLA calendar) from opening to first response, over incidents
    first responded to in the period."""
    return _business_mean(
        w, scope_kind, field="response_business_minutes", until="first_responded_at"
    )


@kpi(
    code="mttr_business",
    name="Mean time to resolve (business)",
    unit="min",
    direction="lower",
    default_target="480",
    tolerance="240",
    scopes=INCIDENT_SCOPES,
    records=resolved_in,
    records_label="Incidents resolved in the period",
)
def mttr_business(w: Window, scope_kind: str) -> dict[str, Measure]:
    """Mean business minutes (SLA calendar, pauses excluded) from opening to resolution, over
    incidents resolved in the period."""
    return _business_mean(w, scope_kind, field="resolution_business_minutes", until="resolved_at")


def outages_in(w: Window, scope: str):
    """Incidents linked to unplanned outages overlapping the period (availability)."""
    outage = _require("servicedesk.models", "Outage", "outages")
    overlapping = outage.objects.filter(started_at__lt=w.end).filter(
        Q(ended_at__isnull=True) | Q(ended_at__gt=w.start)
    )
    if scope != "global":
        overlapping = overlapping.filter(service_id=int(scope.partition(":")[2]))
    return Incident.objects.filter(pk__in=overlapping.values("incident_id"))


@kpi(
    code="availability",
    name="Availability",
    unit="%",
    direction="higher",
    default_target="99.5",
    tolerance="0.4",
    scopes=("global", "service"),
    records=outages_in,
    records_label="Incidents linked to outages in the period",
    decimals=3,
)
def availability(w: Window, scope_kind: str) -> dict[str, Measure]:
    """(agreed service time − downtime within it) ÷ agreed service time × 100, per live service
    from its outages over its service hours; global is weighted by agreed minutes."""
    per_service = _availability_by_service(w)
    if scope_kind == "service":
        return {
            f"service:{pk}": Measure(
                figures["availability_pct"],
                {
                    "agreed_minutes": figures["agreed_minutes"],
                    "downtime_minutes": figures["downtime_minutes"],
                },
            )
            for pk, figures in per_service.items()
        }
    agreed = sum((f["agreed_time"] for f in per_service.values()), timedelta())
    down = sum((f["downtime"] for f in per_service.values()), timedelta())
    if not per_service:
        return {}
    return {
        "global": Measure(
            _exact_pct(agreed - down, agreed),
            {
                "agreed_minutes": minutes(agreed),
                "downtime_minutes": minutes(down),
                "services": len(per_service),
            },
        )
    }


def _exact_pct(part: timedelta, whole: timedelta) -> Decimal | None:
    """part ÷ whole × 100 from whole microseconds, three decimals (as servicedesk.availability)."""
    micro = timedelta(microseconds=1)
    if not whole:
        return None
    return rounded(Decimal(part // micro) * 100 / Decimal(whole // micro), Decimal("0.001"))


def _availability_by_service(w: Window) -> dict[int, dict]:
    """The availability figures of every live service over the window (memoised per window):
    one query for the services, one for the outages, then the interval arithmetic of
    servicedesk.availability per service."""
    key = ("availability", w.start, w.end)
    if key in w.memo:
        return w.memo[key]
    outage = _require("servicedesk.models", "Outage", "outages")
    from servicedesk.availability import availability as availability_figures
    from servicedesk.models import Service
    from servicedesk.sla import builtin_24x7, calendar_for

    services = list(
        Service.objects.filter(status="live").select_related("service_hours").order_by("pk")
    )
    by_service: dict[int, list] = {s.pk: [] for s in services}
    overlapping = (
        outage.objects.filter(service_id__in=list(by_service), started_at__lt=w.end)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=w.start))
        .values_list("service_id", "started_at", "ended_at", "kind")
    )
    for service_id, started, ended, kind in overlapping:
        by_service[service_id].append((started, ended, kind))
    fallback = None
    out = {}
    for service in services:  # a loop over services (the scope members), not over rows
        row = service.service_hours
        if row is None:
            fallback = fallback or builtin_24x7()
            row = fallback
        out[service.pk] = availability_figures(
            calendar_for(row),
            window_start=w.start,
            window_end=w.end,
            outages=by_service[service.pk],
            now=w.end,
        )
    w.memo[key] = out
    return out


@kpi(
    code="tco",
    name="Total cost of ownership",
    unit="money",
    direction="lower",
    scopes=("global", "service"),
    records=None,
    records_label="Cost records of the period",
    decimals=0,
)
def tco(w: Window, scope_kind: str) -> dict[str, Measure]:
    """The service's cost records (run, licence, labour, project capex after handoff) of the
    month, and the change against the previous month; costs are monthly, so only month
    periods have a value. Amounts in different currencies are never added up."""
    cost = _require("servicedesk.models", "ServiceCost", "service cost records")
    if w.kind != "month":
        return {}
    from kpis.periods import previous_period_start

    previous = previous_period_start(w.kind, w.period_start)
    fields = {"service": "service_id"}
    current_rows = _costs_by_currency(cost, w.period_start, scope_kind, fields)
    previous_rows = _costs_by_currency(cost, previous, scope_kind, fields)
    keys = members(scope_kind, w.memo) if scope_kind == "service" else ["global"]
    out = {}
    for key in keys:
        now_by_cur = current_rows.get(key, {})
        before_by_cur = previous_rows.get(key, {})
        if not now_by_cur and not before_by_cur:
            continue
        currencies = set(now_by_cur) | set(before_by_cur)
        if len(currencies) > 1:
            out[key] = Measure(
                None,
                {
                    "by_currency": {c: str(v) for c, v in now_by_cur.items()},
                    "reason": "costs in more than one currency",
                },
            )
            continue
        currency = currencies.pop()
        total = now_by_cur.get(currency, Decimal(0))
        before = before_by_cur.get(currency)
        out[key] = Measure(
            rounded(total),
            {
                "currency": currency,
                "previous": None if before is None else str(rounded(before)),
                "change_pct": None if before is None else percent(total - before, before),
            },
        )
    return out


def _costs_by_currency(cost, month, scope_kind: str, fields) -> dict[str, dict[str, Decimal]]:
    """{scope_key: {currency: Σ amount}} of one month, in one grouped query."""
    from django.db.models import Sum

    qs = cost.objects.filter(period_month=month)
    if scope_kind == "global":
        rows = qs.values("currency").annotate(total=Sum("amount")).order_by("currency")
        return {"global": {r["currency"]: r["total"] for r in rows}} if rows else {}
    rows = qs.values("service_id", "currency").annotate(total=Sum("amount")).order_by()
    out: dict[str, dict[str, Decimal]] = {}
    for r in rows:
        out.setdefault(f"service:{r['service_id']}", {})[r["currency"]] = r["total"]
    return out


@kpi(
    code="improvements_implemented",
    name="Improvements implemented",
    unit="%",
    direction="higher",
    default_target="60",
    tolerance="15",
    scopes=("global", "service"),
    records_label="Improvements planned for the period",
)
def improvements_implemented(w: Window, scope_kind: str) -> dict[str, Measure]:
    """Improvements implemented ÷ planned (approved + in progress + implemented) with their
    target date in the period × 100, with the counts."""
    improvement = _require("servicedesk.models", "Improvement", "the CSI register")
    for name in ("status", "target_date", "service"):
        _model_field(improvement, name, "the CSI register")
    planned = improvement.objects.filter(
        status__in=["approved", "in_progress", "implemented"],
        target_date__gte=w.period_start,
        target_date__lte=w.as_of_date,
    )
    rows = grouped(
        planned,
        scope_kind,
        {"service": "service_id"},
        planned=Count("id"),
        implemented=Count("id", filter=Q(status="implemented")),
    )
    return {
        key: Measure(percent(row["implemented"], row["planned"]), row)
        for key, row in rows.items()
        if row["planned"]
    }
