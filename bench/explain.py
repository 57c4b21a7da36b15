"""EXPLAIN ANALYZE of the console's main queries, built by the app's own code paths.

Each query is the one the app runs (its queryset from servicedesk.queries, filtered by the
shared IncidentFilter, sliced as a keyset page), so the plans show whether the inc_* and
GIN indexes are used and what the planner spends. Each is explained three times on one
connection and the last is kept (warm catalog and buffer caches, as in a long-lived worker).
"""

from __future__ import annotations

import re

SCAN_RE = re.compile(
    r"(Seq Scan on \S+|Index (?:Only )?Scan(?: Backward)? using \S+ on \S+"
    r"|Bitmap Index Scan on \S+)"
)


def _queries():
    from django.db.models import Max, Min
    from django.test import RequestFactory

    from core.models import User
    from servicedesk.filtersets import IncidentFilter
    from servicedesk.models import Incident
    from servicedesk.queries import comments_visible_to, incident_list_for, queue_counts

    agent = User.objects.filter(role="agent", teams__isnull=False).order_by("pk").first()
    team = agent.teams.order_by("pk").first()
    requester = (
        User.objects.filter(role="requester", incidents_requested__isnull=False)
        .order_by("pk")
        .first()
    )
    rf = RequestFactory()

    def filtered(params: dict, user=agent):
        request = rf.get("/api/v1/incidents/", params)
        request.user = user
        return IncidentFilter(params, queryset=incident_list_for(user), request=request).qs

    page = 51
    bounds = Incident.objects.aggregate(lo=Min("opened_at"), hi=Max("opened_at"))
    middle = bounds["lo"] + (bounds["hi"] - bounds["lo"]) / 2
    incident = Incident.objects.order_by("-pk").first()
    yield (
        "queue: all, newest first (page 1)",
        incident_list_for(agent).order_by("-opened_at", "-id")[:page],
    )
    yield (
        "queue: status=open & team",
        filtered({"status": "open", "team": team.pk}).order_by("-opened_at", "-id")[:page],
    )
    yield (
        "queue: status=open & assignee=me",
        filtered({"status": "open", "assignee": "me"}).order_by("-opened_at", "-id")[:page],
    )
    yield (
        "queue: unassigned (new, assigned)",
        filtered({"status": ["new", "assigned"], "assignee": "none"}).order_by("-opened_at", "-id")[
            :page
        ],
    )
    yield (
        "queue: breaching soon, by due time",
        filtered({"sla": "breaching"})
        .filter(resolution_due__isnull=False)
        .order_by("resolution_due", "id")[:page],
    )
    yield (
        "queue: status=open & priority=3",
        filtered({"status": "open", "priority": "3"}).order_by("-opened_at", "-id")[:page],
    )
    yield (
        "queue: priority 1 or 2 (a several-value filter: no DISTINCT)",
        filtered({"priority": ["1", "2"]}).order_by("-opened_at", "-id")[:page],
    )
    # The other orderings the console and the API offer (each with the keyset tie-breaker).
    for title, ordering in [
        ("queue: by priority, newest first", ("priority", "-opened_at", "id")),
        ("queue: recently updated", ("-updated_at", "-id")),
        ("API: ?ordering=-priority", ("-priority", "-id")),
        ("API: ?ordering=resolution_due", ("resolution_due", "id")),
    ]:
        yield title, incident_list_for(agent).order_by(*ordering)[:page]
    yield "search: q=vpn", filtered({"q": "vpn"}).order_by("-opened_at")[:page]
    yield (
        "search: q=mailbox locked",
        filtered({"q": "mailbox locked"}).order_by("-opened_at")[:page],
    )
    yield (
        "deep page: cursor in the middle of 3 years",
        incident_list_for(agent).filter(opened_at__lt=middle).order_by("-opened_at")[:page],
    )
    yield (
        "portal: a requester's open tickets",
        incident_list_for(requester)
        .filter(status__in=["new", "assigned", "in_progress", "on_hold", "resolved"])
        .order_by("-opened_at", "-id")[:26],
    )
    yield "console counts (one aggregate)", _statement_of(lambda: queue_counts(agent))
    yield "detail: comments of an incident", comments_visible_to(agent, incident)


def _statement_of(run) -> tuple[str, list]:
    """The (last) SQL statement and parameters that `run()` executes (for app code that
    runs its query itself, such as an aggregate)."""
    from django.db import connection

    seen = []

    def record(execute, sql, params, many, context):
        seen.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        run()
    return seen[-1]


def _explain(cur, sql: str, params) -> tuple[str, float, float]:
    plan = ""
    for _ in range(3):
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        plan = "\n".join(r[0] for r in cur.fetchall())
    planning = float(re.search(r"Planning Time: ([\d.]+)", plan).group(1))
    execution = float(re.search(r"Execution Time: ([\d.]+)", plan).group(1))
    return plan, planning, execution


def explain_markdown() -> str:
    from django.db import connection

    rows, details = [], []
    with connection.cursor() as cur:
        for title, qs in _queries():
            sql, params = qs if isinstance(qs, tuple) else qs.query.sql_with_params()
            plan, planning, execution = _explain(cur, sql, params)
            scans = sorted(set(SCAN_RE.findall(plan)))
            big_seq = [s for s in scans if s.startswith("Seq Scan") and "incident" in s]
            access = [s for s in scans if "servicedesk_incident" in s or " inc_" in s]
            rows.append(
                f"| {title} | {planning:.2f} | {execution:.2f} | "
                f"{'; '.join(access) or '–'} "
                f"| {'**seq scan**' if big_seq else 'index'} |"
            )
            details.append(f"<details><summary>{title}</summary>\n\n```\n{plan}\n```\n</details>")
    return "\n".join(
        [
            "| query | planning ms | execution ms | incident-table access | uses index |",
            "|---|---:|---:|---|---|",
            *rows,
            "",
            *details,
        ]
    )
