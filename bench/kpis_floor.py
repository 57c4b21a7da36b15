"""The floor of the KPI jobs: the bare SQL aggregates for the same numbers.

For each SQL-computable KPI, one hand-written GROUP BY per window and scope kind — what
the job would cost if it did nothing but ask PostgreSQL for the figures. The project KPIs
need per project, as of the window's last day, the plan's PV and EV, the actual cost, or the
milestone counts (PROJECT_FLOOR: one statement each, shared by the KPIs that need it and
counted once per window in a run). The KPIs computed in Python from loaded rows
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


# The plan measured against: the newest baseline's leaf tasks, else the live leaf tasks.
_PLAN = """WITH cur AS (
    SELECT DISTINCT ON (project_id) id, project_id FROM projects_baseline
    ORDER BY project_id, number DESC
), work AS (
    SELECT cur.project_id, bt.planned_start AS s, bt.planned_finish AS f,
           coalesce(bt.planned_cost, 0) AS cost, coalesce(t.percent_complete, 0) AS pct
    FROM cur JOIN projects_baselinetask bt ON bt.baseline_id = cur.id AND bt.is_leaf
    LEFT JOIN projects_task t ON t.id = bt.task_id
    UNION ALL
    SELECT t.project_id, t.planned_start, t.planned_finish, coalesce(t.planned_cost, 0),
           t.percent_complete
    FROM projects_task t
    WHERE NOT EXISTS (SELECT 1 FROM projects_baseline b WHERE b.project_id = t.project_id)
      AND NOT EXISTS (SELECT 1 FROM projects_task c WHERE c.parent_id = t.id)
)"""
_ACTIVE = "p.phase NOT IN ('cancelled', 'initiation')"
PROJECT_FLOOR = {
    "plan": _PLAN
    + """
SELECT w.project_id,
       sum(CASE WHEN w.s IS NULL OR w.f IS NULL OR %(as_of)s::date < w.s THEN 0
                WHEN %(as_of)s::date >= w.f THEN w.cost
                ELSE w.cost * (%(as_of)s::date - w.s + 1) / (w.f - w.s + 1) END),
       sum(w.cost * w.pct / 100)
FROM work w JOIN projects_project p ON p.id = w.project_id WHERE """
    + _ACTIVE
    + " GROUP BY w.project_id",
    "spend": """SELECT c.project_id, sum(c.amount) FROM projects_costentry c
JOIN projects_project p ON p.id = c.project_id
WHERE c.incurred_on <= %(as_of)s AND """
    + _ACTIVE
    + """ GROUP BY c.project_id
UNION ALL
SELECT l.project_id, sum(l.amount) FROM (
    SELECT t.project_id, round(sum(t.hours * t.hourly_rate), 2) AS amount
    FROM projects_timeentry t JOIN projects_project p ON p.id = t.project_id
    WHERE t.hourly_rate IS NOT NULL AND t.date <= %(as_of)s AND """
    + _ACTIVE
    + """ GROUP BY t.project_id, t.date
) l GROUP BY l.project_id""",
    "milestones": """WITH cur AS (
    SELECT DISTINCT ON (project_id) id FROM projects_baseline ORDER BY project_id, number DESC
), due AS (
    SELECT bm.milestone_id, max(bm.due_date) AS due_date
    FROM projects_baselinemilestone bm JOIN cur ON cur.id = bm.baseline_id
    WHERE bm.milestone_id IS NOT NULL GROUP BY bm.milestone_id
)
SELECT m.project_id, count(*),
       count(*) FILTER (WHERE m.completed_on IS NULL OR m.completed_on > %(as_of)s)
FROM projects_milestone m JOIN projects_project p ON p.id = m.project_id
LEFT JOIN due ON due.milestone_id = m.id
WHERE NOT m.waived AND coalesce(due.due_date, m.due_date) <= %(as_of)s AND """
    + _ACTIVE
    + " GROUP BY m.project_id",
}
# What each project KPI needs (the global value adds the projects' figures up).
PROJECT_NEEDS = {
    "schedule_variance": ("plan",),
    "spi": ("plan",),
    "cost_variance": ("plan", "spend"),
    "cpi": ("plan", "spend"),
    "budget_deviation": ("spend",),
    "milestones_missed": ("milestones",),
}


def floor_queries(code: str, scope_kinds, window) -> list[tuple[str, dict]]:
    """The SQL (and parameters) that produce `code`'s numbers for one window."""
    from django.contrib.contenttypes.models import ContentType

    from servicedesk.models import Incident

    if code in PROJECT_NEEDS:
        as_of = {"as_of": window.as_of_date}
        return [(PROJECT_FLOOR[name], as_of) for name in PROJECT_NEEDS[code]]
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
