"""The floor of the KPI jobs: the bare SQL aggregates for the same numbers.

For each SQL-computable KPI, one hand-written GROUP BY per window and scope kind — what
the job would cost if it did nothing but ask PostgreSQL for the figures. The project KPIs
need per project, as of each day the run measures, the plan's PV and EV, the actual cost, or
the milestone counts: the floor runs the three aggregates of projects/evm_aggregates.py (one
statement each for all the run's days, shared by the KPIs that need it and counted once) —
the job's own SQL, without its Python and its writes. The KPIs computed in Python from loaded rows
(availability, TCO) have no SQL floor.
"""

from __future__ import annotations

COLUMN = {"global": None, "service": "service_id", "team": "team_id", "priority": "priority"}

# Open at the end: the same three index-friendly cases as kpis/definitions/incidents.py.
OPEN_AT = (
    "opened_at < %(end)s AND ((resolved_at IS NULL AND closed_at IS NULL) "
    "OR (resolved_at >= %(end)s AND (closed_at IS NULL OR closed_at >= %(end)s)) "
    "OR (resolved_at IS NULL AND closed_at >= %(end)s))"
)
WITHIN = "{f} >= %(start)s AND {f} < %(end)s"

# code → (SELECT list of aggregates, FROM+WHERE; {g} is the group column or NULL).
FLOOR_SQL = {
    "mtta": (
        "avg(first_responded_at - opened_at), count(*)",
        "servicedesk_incident i WHERE " + WITHIN.format(f="first_responded_at"),
    ),
    "mttr": (
        "avg(resolved_at - opened_at), count(*)",
        "servicedesk_incident i WHERE " + WITHIN.format(f="resolved_at"),
    ),
    "incident_volume": ("count(*)", "servicedesk_incident i WHERE " + WITHIN.format(f="opened_at")),
    "incident_reduction": (
        "count(*) FILTER (WHERE opened_at >= %(start)s), "
        "count(*) FILTER (WHERE opened_at < %(start)s)",
        "servicedesk_incident i WHERE opened_at >= %(prev_start)s AND opened_at < %(end)s",
    ),
    "backlog": (
        "count(*), count(*) FILTER (WHERE opened_at > %(end)s - interval '1 day')",
        "servicedesk_incident i WHERE " + OPEN_AT,
    ),
    "sla_compliance": (
        "count(*), count(*) FILTER (WHERE resolved_at <= resolution_due AND NOT "
        "resolution_breached), count(*) FILTER (WHERE first_responded_at <= response_due AND "
        "NOT response_breached)",
        "servicedesk_incident i WHERE resolution_due IS NOT NULL AND "
        + WITHIN.format(f="resolved_at"),
    ),
    "mtta_business": (
        "avg(response_business_minutes), count(*)",
        "servicedesk_incident i WHERE response_business_minutes IS NOT NULL AND "
        + WITHIN.format(f="first_responded_at"),
    ),
    "mttr_business": (
        "avg(resolution_business_minutes), count(*)",
        "servicedesk_incident i WHERE resolution_business_minutes IS NOT NULL AND "
        + WITHIN.format(f="resolved_at"),
    ),
    "csat": (
        "count(*) FILTER (WHERE s.answered_at >= %(start)s AND s.answered_at < %(end)s), "
        "count(*) FILTER (WHERE s.answered_at >= %(start)s AND s.answered_at < %(end)s "
        "AND s.rating >= 4), count(*) FILTER (WHERE s.created_at >= %(start)s AND "
        "s.created_at < %(end)s)",
        "servicedesk_survey s JOIN servicedesk_incident i ON i.id = s.incident_id WHERE "
        "((s.answered_at >= %(start)s AND s.answered_at < %(end)s) OR "
        "(s.created_at >= %(start)s AND s.created_at < %(end)s))",
    ),
    "first_contact_resolution": (
        "count(*), count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM servicedesk_incidentcomment c "
        "WHERE c.incident_id = i.id AND c.author_id = i.requester_id AND c.created_at > "
        "i.opened_at) AND NOT EXISTS (SELECT 1 FROM core_auditevent a WHERE a.content_type_id = "
        "%(ct)s AND a.object_id = i.id::text AND a.action = 'incident.reopen'))",
        "servicedesk_incident i WHERE " + WITHIN.format(f="resolved_at"),
    ),
}


# What each project KPI needs (the global value adds the projects' figures up).
PROJECT_NEEDS = {
    "schedule_variance": ("plan",),
    "spi": ("plan",),
    "cost_variance": ("plan", "spend"),
    "cpi": ("plan", "spend"),
    "budget_deviation": ("plan", "spend"),  # (AC − EV) ÷ EV: earned value and actual cost
    "milestones_missed": ("milestones",),
}


def project_floor_queries(code: str, dates) -> list[tuple[str, list]]:
    """The statements that give a project KPI's figures for all the run's days at once."""
    from projects import evm_aggregates

    sql = {
        "plan": evm_aggregates.WORK_SQL,
        "spend": evm_aggregates.SPEND_SQL,
        "milestones": evm_aggregates.MILESTONES_SQL,
    }
    return [evm_aggregates.statement(sql[name], sorted(dates)) for name in PROJECT_NEEDS[code]]


def floor_queries(code: str, scope_kinds, window) -> list[tuple[str, dict]]:
    """The SQL (and parameters) that produce `code`'s numbers for one window."""
    from django.contrib.contenttypes.models import ContentType

    from servicedesk.models import Incident

    if code not in FLOOR_SQL:
        return []
    aggregates, source = FLOOR_SQL[code]
    prev = window.previous()
    params = {
        "start": window.start,
        "end": window.end,
        "prev_start": prev.start,
        "ct": ContentType.objects.get_for_model(Incident).pk,
    }
    out = []
    for kind in scope_kinds:
        if kind not in COLUMN:
            continue
        col = COLUMN[kind]
        if col is None:
            out.append((f"SELECT {aggregates} FROM {source}", params))
        else:
            out.append(
                (
                    f"SELECT i.{col}, {aggregates} FROM {source} "
                    f"{'AND' if ' WHERE ' in source else 'WHERE'} i.{col} IS NOT NULL "
                    f"GROUP BY i.{col}",
                    params,
                )
            )
    return out
