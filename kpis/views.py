"""The managers' dashboards: service management, portfolio, per-service and per-project cards,
and the drill-down from a number to the records behind it."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.fast_html import cached_reverse
from core.models import Team
from core.next_page import next_page
from core.pagination import keyset_page
from core.params import calendar_day, whole_number
from core.roles import is_admin
from kpis import actions, dashboards, queries, registry
from kpis.choices import PeriodKind
from kpis.models import KpiSnapshot
from kpis.periods import period_bounds, window_for
from kpis.service_table import service_table, snapshot_cells
from kpis.tasks import compute_kpis
from kpis.templatetags.kpis_tags import format_value
from projects.choices import Phase
from projects.models import Project
from servicedesk.models import Service

SERVICE_TABLE_CODES = [
    "availability",
    "csat",
    "sla_compliance",
    "mttr",
    "incident_volume",
    "incident_reduction",
    "tco",
]
PORTFOLIO_PAGE_SIZE = 50
DEVIATION_BARS = 20  # the largest budget deviations, either way
# The scatter's points: the projects furthest from plan (SPI and CPI of 1). Thousands of dots
# hide each other and made the page 700 kB; the table lists every project.
SCATTER_POINTS = 500
PROJECT_TABLE_CODES = [
    "spi",
    "cpi",
    "schedule_variance",
    "cost_variance",
    "budget_deviation",
    "milestones_missed",
]


def _reader_required(view):
    def wrapped(request, *args, **kwargs):
        if not queries.can_read_kpis(request.user):
            raise PermissionDenied("The dashboards are for managers and service owners.")
        return view(request, *args, **kwargs)

    wrapped.__doc__ = view.__doc__
    return login_required(wrapped)


def _period(request) -> str:
    kind = request.GET.get("period", PeriodKind.WEEK)
    return kind if kind in PeriodKind.values else PeriodKind.WEEK


def _columns(codes: list[str]) -> list[dict]:
    return [
        {"code": c, "name": registry.get(c).name, "short": dashboards.SHORT_NAMES.get(c, c)}
        for c in codes
        if registry.get(c)
    ]


def _as_of(request) -> datetime.date:
    """The day whose periods the page shows (`?date=`), today by default, never later. A
    date that is none, or that no one may name (core.params: its trend overflowed), is today."""
    today = timezone.localdate()
    day = calendar_day(request.GET.get("date"))
    return today if day is None else min(day, today)


def _unavailable(last_run) -> dict[str, str]:
    """KPIs the last run could not compute, with the reason (shown instead of a value)."""
    if last_run is None:
        return {}
    return {
        code: outcome.split(": ", 1)[-1]
        for code, outcome in last_run.per_kpi.items()
        if outcome != "ok"
    }


def _service_context(request, *, scope: str, heading: str, service=None) -> dict:
    kind, as_of = _period(request), _as_of(request)
    last_run = queries.last_run()
    data = dashboards.build(
        codes=dashboards.SERVICE_TILES,
        charts=dashboards.SERVICE_CHARTS,
        scope=scope,
        kind=kind,
        today=as_of,
        unavailable=_unavailable(last_run),
    )
    return {
        "heading": heading,
        "scope": scope,
        "period": kind,
        "periods": PeriodKind.choices,
        "period_label": _period_label(kind, data["period_start"]),
        "tiles": data["tiles"],
        "chart_data": data["charts"],
        "last_run": last_run,
        "can_compute": is_admin(request.user),
        "service": service,
        "as_of": as_of,
    }


def _period_label(kind: str, start: datetime.date) -> str:
    first, last = period_bounds(kind, start)
    if kind == PeriodKind.DAY:
        return first.strftime("%a %d %b %Y")
    if kind == PeriodKind.WEEK:
        return f"week {first.isocalendar()[1]}, {first:%d %b} – {last:%d %b %Y}"
    return first.strftime("%B %Y")


@_reader_required
def dashboard(request):
    """Service management: CSAT, availability, SLA compliance, MTTA/MTTR, volume, backlog, TCO."""
    service_id = whole_number(request.GET.get("service"))
    team_id = whole_number(request.GET.get("team"))
    services = list(Service.objects.order_by("name").only("pk", "name", "status"))
    teams = list(Team.objects.order_by("name").only("pk", "name"))
    scope, heading = "global", "Service management"
    if service_id and any(s.pk == service_id for s in services):
        name = next(s.name for s in services if s.pk == service_id)
        scope, heading = f"service:{service_id}", f"Service management · {name}"
    elif team_id and any(t.pk == team_id for t in teams):
        name = next(t.name for t in teams if t.pk == team_id)
        scope, heading = f"team:{team_id}", f"Service management · team {name}"
    context = _service_context(request, scope=scope, heading=heading)
    context.update(
        {
            "services": services,
            "teams": teams,
            "service_id": service_id,
            "team_id": team_id,
            # The same for every reader: kept per worker until a KPI run or a change.
            "service_table": service_table(
                codes=SERVICE_TABLE_CODES,
                columns=_columns(SERVICE_TABLE_CODES),
                kind=context["period"],
                start=period_bounds(context["period"], context["as_of"])[0],
                services=services,
            ),
        }
    )
    return render(request, "kpis/dashboard.html", context)


@_reader_required
def service_card(request, pk: int):
    """One service's KPI card: the service dashboard scoped to it."""
    service = get_object_or_404(Service, pk=pk)
    context = _service_context(
        request, scope=f"service:{pk}", heading=service.name, service=service
    )
    return render(request, "kpis/service_card.html", context)


@_reader_required
def portfolio(request):
    """Portfolio: SPI/CPI scatter, budget deviation, milestones missed, projects by phase."""
    kind, as_of = _period(request), _as_of(request)
    last_run = queries.last_run()
    data = dashboards.build(
        codes=dashboards.PROJECT_TILES,
        charts=dashboards.PROJECT_CHARTS,
        scope="global",
        kind=kind,
        today=as_of,
        unavailable=_unavailable(last_run),
    )
    current = period_bounds(kind, as_of)[0]
    # The table pages through the projects (a portfolio runs to thousands); the charts read
    # only the three figures they plot, for every project, in one statement.
    listed = Project.objects.exclude(phase=Phase.CANCELLED)
    page = keyset_page(
        request,
        listed.select_related("manager")
        .order_by("code")
        .only(
            "pk",
            "code",
            "name",
            "phase",
            "currency",
            "manager__username",
            "manager__first_name",
            "manager__last_name",
        ),
        ordering=("code",),
        page_size=PORTFOLIO_PAGE_SIZE,
    )
    table = snapshot_cells(
        PROJECT_TABLE_CODES,
        "project:",
        kind,
        current,
        scopes=[f"project:{p.pk}" for p in page.items],
    )
    codes = dict(listed.values_list("pk", "code"))
    raw = KpiSnapshot.objects.filter(
        code__in=["spi", "cpi", "budget_deviation"],
        scope__startswith="project:",
        period_kind=kind,
        period_start=current,
    ).values_list("scope", "code", "value")
    values: dict[int, dict] = {}
    for scope, code, value in raw:
        project_id = whole_number(scope.partition(":")[2])
        if project_id is not None:
            values.setdefault(project_id, {})[code] = value
    plotted = [
        (pk, v["spi"], v["cpi"])
        for pk, v in values.items()
        if pk in codes and v.get("spi") is not None and v.get("cpi") is not None
    ]
    off_plan = sorted(plotted, key=lambda p: (-((p[1] - 1) ** 2 + (p[2] - 1) ** 2), codes[p[0]]))
    scatter = [
        {
            "label": codes[pk],
            "x": float(spi),
            "y": float(cpi),
            "url": cached_reverse("kpis:project_card", pk),
        }
        for pk, spi, cpi in sorted(off_plan[:SCATTER_POINTS], key=lambda p: codes[p[0]])
    ]
    deviations = [
        (codes[pk], v["budget_deviation"])
        for pk, v in values.items()
        if pk in codes and v.get("budget_deviation") is not None
    ]
    deviations.sort(key=lambda item: (-abs(item[1]), item[0]))
    deviation = [{"label": code, "value": float(d)} for code, d in deviations[:DEVIATION_BARS]]
    phase_counts = dict(
        Project.objects.values_list("phase").annotate(n=Count("id")).order_by("phase")
    )
    by_phase = [(label, phase_counts.get(value, 0), value) for value, label in Phase.choices]
    chart_data = data["charts"]
    chart_data["scatter"] = scatter
    chart_data["deviation"] = deviation
    chart_data["phases"] = {
        "labels": [label for label, _, _ in by_phase],
        "data": [n for _, n, _ in by_phase],
    }
    context = {
        "heading": "Project portfolio",
        "period": kind,
        "periods": PeriodKind.choices,
        "period_label": _period_label(kind, data["period_start"]),
        "tiles": data["tiles"],
        "chart_data": chart_data,
        "last_run": last_run,
        "can_compute": is_admin(request.user),
        "table_codes": _columns(PROJECT_TABLE_CODES),
        "project_rows": [(p, table.get(f"project:{p.pk}", {})) for p in page.items],
        "page": page,
        "deviation_bars": DEVIATION_BARS,
        "scatter_total": len(plotted),
        "by_phase": by_phase,
        "as_of": as_of,
    }
    return render(request, "kpis/portfolio.html", context)


@_reader_required
def project_card(request, pk: int):
    """One project's KPI card: SPI, CPI, SV, CV, budget deviation and milestones missed."""
    project = get_object_or_404(Project.objects.select_related("manager"), pk=pk)
    kind, as_of = _period(request), _as_of(request)
    data = dashboards.build(
        codes=dashboards.PROJECT_TILES,
        charts=dashboards.PROJECT_CHARTS,
        scope=f"project:{pk}",
        kind=kind,
        today=as_of,
    )
    context = {
        "project": project,
        "heading": f"{project.code} {project.name}",
        "period": kind,
        "periods": PeriodKind.choices,
        "period_label": _period_label(kind, data["period_start"]),
        "tiles": data["tiles"],
        "chart_data": data["charts"],
        "last_run": queries.last_run(),
        "project_url": dashboards.records_url(registry.get("spi"), None, f"project:{pk}"),
        "as_of": as_of,
    }
    return render(request, "kpis/project_card.html", context)


OUTAGES_SHOWN = 100  # the newest, on a records page; a month of one service has a handful


@_reader_required
def records(request):
    """The records behind one number: e.g. the breached incidents behind SLA compliance."""
    definition = registry.get(request.GET.get("kpi", ""))
    scope = request.GET.get("scope", "global")
    kind = request.GET.get("period", "")
    try:
        registry.parse_scope(scope)
    except ValueError as exc:
        raise Http404("Unknown scope.") from exc
    start = calendar_day(request.GET.get("start"))  # 9999-12-31's period overflowed
    if start is None:
        raise Http404("Unknown date.")
    if definition is None or kind not in PeriodKind.values or definition.records is None:
        raise Http404("This number has no records to show.")
    window = window_for(kind, start, now=timezone.now())
    found = definition.records(window, scope)
    if isinstance(found, str):
        return redirect(found)
    if found is None:
        raise Http404("This number has no records to show.")
    qs = found.select_related("service", "team", "assignee")
    snapshot = KpiSnapshot.objects.filter(
        code=definition.code, scope=scope, period_kind=kind, period_start=window.period_start
    ).first()
    page = keyset_page(request, qs, ordering=("-opened_at", "-id"))
    outages = None
    if definition.outages is not None:  # the downtime behind an availability figure
        outages = list(
            definition.outages(window, scope).select_related("service", "incident")[
                : OUTAGES_SHOWN + 1
            ]
        )
    context = {
        "definition": definition,
        "scope": scope,
        "scope_label": _scope_label(scope),
        "period": kind,
        "period_label": _period_label(kind, window.period_start),
        "snapshot": snapshot,
        "value": format_value(
            snapshot.value if snapshot else None, definition.unit, definition.decimals
        ),
        "total": qs.count(),
        "page": page,
        "outages": outages[:OUTAGES_SHOWN] if outages is not None else None,
        "more_outages": outages is not None and len(outages) > OUTAGES_SHOWN,
        "window": window,
        "back": _back_url(scope, kind),
    }
    return render(request, "kpis/records.html", context)


def _scope_label(scope: str) -> str:
    kind, ident = registry.parse_scope(scope)
    if kind == "global":
        return "all services"
    if kind == "service":
        return Service.objects.filter(pk=ident).values_list("name", flat=True).first() or scope
    if kind == "team":
        name = Team.objects.filter(pk=ident).values_list("name", flat=True).first()
        return f"team {name or ident}"
    if kind == "priority":
        return f"priority {ident}"
    return scope


def _back_url(scope: str, kind: str) -> str:
    scope_kind, ident = registry.parse_scope(scope)
    base = reverse("kpis:dashboard")
    if scope_kind == "service":
        return reverse("kpis:service_card", args=[ident]) + f"?period={kind}"
    if scope_kind == "team":
        return f"{base}?team={ident}&period={kind}"
    return f"{base}?period={kind}"


@login_required
@require_POST
def compute_now(request):
    """Admins: compute today's KPIs now (in-process in the embedded mode, else on a worker)."""
    if not is_admin(request.user):
        raise PermissionDenied("Only administrators start KPI runs.")
    run = actions.run_create(requested_by=request.user, trigger="dashboard")
    transaction.on_commit(lambda: compute_kpis.delay(run_id=run.pk, trigger="dashboard"))
    messages.success(request, f"KPI run #{run.pk} started.")
    return redirect(next_page(request, fallback=reverse("kpis:dashboard")))
