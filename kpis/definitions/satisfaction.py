"""Customer satisfaction KPIs, from the surveys sent when incidents are resolved."""

from __future__ import annotations

from django.db.models import Count, Q

from kpis.definitions.common import _incidents, _require, _within, grouped_in_window, percent
from kpis.periods import Window
from kpis.registry import Measure, kpi


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
    surveys = _require("servicedesk.models", "Survey", "CSAT surveys").objects.all()
    fields = _survey_scope_fields()
    answered = grouped_in_window(
        w,
        "surveys answered",
        "answered_at",
        surveys,
        scope_kind,
        fields,
        answered=Count("id"),
        satisfied=Count("id", filter=Q(rating__gte=4)),
    )
    sent = grouped_in_window(
        w,
        "surveys sent",
        "created_at",
        surveys,
        scope_kind,
        fields,
        sent=Count("id"),
        sent_answered=Count("id", filter=Q(answered_at__isnull=False)),
    )
    nothing = {"answered": 0, "satisfied": 0, "sent": 0, "sent_answered": 0}
    rows = {
        key: {**nothing, **answered.get(key, {}), **sent.get(key, {})}
        for key in answered.keys() | sent.keys()
    }
    return {
        key: Measure(
            percent(row["satisfied"], row["answered"]),
            {**row, "response_rate": percent(row["sent_answered"], row["sent"])},
        )
        for key, row in rows.items()
        if row["answered"] or row["sent"]
    }
