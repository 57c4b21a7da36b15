"""SLA KPIs: compliance with the response and resolution targets, and the business-time
means of the SLA clock."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, F, Q, Sum

from kpis.definitions.common import (
    INCIDENT_SCOPE_FIELD,
    INCIDENT_SCOPES,
    _model_field,
    grouped_in_window,
    percent,
    rounded,
)
from kpis.definitions.incidents import resolved_in, responded_in
from kpis.periods import Window
from kpis.registry import Measure, kpi
from servicedesk.models import Incident


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
    rows = grouped_in_window(
        w,
        "sla met",
        "resolved_at",
        Incident.objects.filter(resolution_due__isnull=False),
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
    rows = grouped_in_window(
        w,
        f"business {field}",
        until,
        Incident.objects.filter(**{f"{field}__isnull": False}),
        scope_kind,
        INCIDENT_SCOPE_FIELD,
        total=Sum(field),
        n=Count("id"),
    )
    return {
        key: Measure(rounded(Decimal(row["total"]) / row["n"]), {"incidents": row["n"]})
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
