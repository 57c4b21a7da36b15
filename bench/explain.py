"""EXPLAIN ANALYZE of the console's main queries, built by the app's own code paths.

Each query is the one the app runs: its queryset from servicedesk.queries, filtered by the
shared IncidentFilter, paged by the app's own keyset paginator (`core.pagination.keyset_page`),
whose first statement reads the page's keys without the joins (the rows are then read by
primary key: "page rows by key" below). So the plans show whether the inc_* and GIN indexes
are used and what the planner spends. Each is explained three times on one
connection and the last is kept (warm catalog and buffer caches, as in a long-lived worker).
"""

from __future__ import annotations

import re

SCAN_RE = re.compile(
    r"(Seq Scan on \S+|Index (?:Only )?Scan(?: Backward)? using \S+ on \S+"
    r"|Bitmap Index Scan on \S+)"
)


def _queries():
    from django.db.models import Count, Max, Min
    from django.test import RequestFactory

    from bench.client import deep_cursor
    from core.models import User
    from core.pagination import keyset_page
    from servicedesk.choices import REQUESTER_ACTIVE_STATES
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
        # The query string as the view gets it (a QueryDict: `status` takes several values).
        return IncidentFilter(request.GET, queryset=incident_list_for(user), request=request).qs

    bounds = Incident.objects.aggregate(lo=Min("opened_at"), hi=Max("opened_at"))
    middle = bounds["lo"] + (bounds["hi"] - bounds["lo"]) / 2
    incident = Incident.objects.order_by("-pk").first()
    newest = ("-opened_at", "-id")

    def keys(queryset, ordering=newest, *, query="", size=50):
        """The statement that reads a page's keys, as the paginator builds it."""
        request = rf.get(f"/desk/?{query}")
        return _statement_of(
            lambda: keyset_page(request, queryset, ordering=ordering, page_size=size),
            first=True,
        )

    yield "queue: all, newest first (page 1)", keys(incident_list_for(agent))
    yield "queue: status=open & team", keys(filtered({"status": "open", "team": team.pk}))
    yield "queue: status=open & assignee=me", keys(filtered({"status": "open", "assignee": "me"}))
    busiest = Incident.objects.values("service").annotate(n=Count("pk")).order_by("-n")[0]
    yield (
        "queue: status=open & service (the busiest)",
        keys(filtered({"status": "open", "service": busiest["service"]})),
    )
    yield (
        "queue: unassigned (new, assigned)",
        keys(filtered({"status": ["new", "assigned"], "assignee": "none"})),
    )
    yield (
        "queue: breaching soon, by due time",
        keys(
            filtered({"sla": "breaching"}).filter(resolution_due__isnull=False),
            ("resolution_due", "id"),
        ),
    )
    yield "queue: status=open & priority=3", keys(filtered({"status": "open", "priority": "3"}))
    yield (
        "queue: priority 1 or 2 (a several-value filter: no DISTINCT)",
        keys(filtered({"priority": ["1", "2"]})),
    )
    # The other orderings the console and the API offer (each with the keyset tie-breaker).
    for title, ordering in [
        ("queue: by priority, newest first", ("priority", "-opened_at", "id")),
        ("queue: recently updated", ("-updated_at", "-id")),
        ("API: ?ordering=-priority", ("-priority", "-id")),
        ("API: ?ordering=resolution_due", ("resolution_due", "id")),
    ]:
        yield title, keys(incident_list_for(agent), ordering)
    yield "search: q=vpn", keys(filtered({"q": "vpn"}))
    yield "search: q=mailbox locked", keys(filtered({"q": "mailbox locked"}))
    yield (
        "deep page: cursor in the middle of 3 years",
        keys(incident_list_for(agent), query=f"cursor={deep_cursor(middle.isoformat())}"),
    )
    yield (
        "portal: a requester's open tickets",
        keys(incident_list_for(requester).filter(status__in=REQUESTER_ACTIVE_STATES), size=25),
    )
    page = list(incident_list_for(agent).order_by(*newest).values_list("pk", flat=True)[:50])
    # As a worker with the shared cache reads them: people joined, the catalogue rows from
    # its memory (servicedesk.catalogue; this process has no stamp and would join them).
    rows = Incident._base_manager.filter(pk__in=page).select_related("assignee", "requester")
    yield "page rows by key (the deferred join's second read)", rows
    yield "console counts (one aggregate)", _statement_of(lambda: queue_counts(agent))
    yield "detail: comments of an incident", comments_visible_to(agent, incident)


def _statement_of(run, *, first: bool = False) -> tuple[str, list]:
    """The last (or first) SQL statement and parameters that `run()` executes (for app code
    that runs its query itself: an aggregate, the paginator)."""
    from django.db import connection

    seen = []

    def record(execute, sql, params, many, context):
        seen.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        run()
    return seen[0] if first else seen[-1]


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
