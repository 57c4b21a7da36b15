"""Project and portfolio KPIs from the projects app's earned-value definitions (projects/evm.py).

Each value is "as of" the last day the window reaches. PV, EV, AC and the milestone counts of
every project come from three SQL aggregates (projects/evm_aggregates.py) for all the dates a
run measures; the portfolio ("global") adds the projects' PV, EV, AC and budgets up first,
and only when they share one currency (amounts in different currencies are never summed).
"""

from __future__ import annotations

from decimal import Decimal

from django.urls import NoReverseMatch, reverse

from kpis.definitions.common import CENT, percent, rounded
from kpis.periods import Window
from kpis.registry import Measure, kpi
from projects.evm import budget_deviation_pct

PROJECT_SCOPES = ("global", "project")
RATIO = Decimal("0.001")


def _evm(w: Window) -> dict[int, dict]:
    """{project id: {"measures": EvmTotals, "currency", "budget", "due", "missed"}} as of the
    window, for the projects past initiation and not cancelled that have a plan.

    The first window asked computes every date the run measures as of (`as_of_dates` in the
    run's memo) in the same three statements; the others find theirs in the memo."""
    from projects.choices import Phase
    from projects.evm_aggregates import evm_totals_many
    from projects.models import Project

    as_of = w.as_of_date
    key = ("evm", as_of)
    if key in w.memo:
        return w.memo[key]
    if "evm_projects" not in w.memo:
        w.memo["evm_projects"] = {
            pid: (currency, budget)
            for pid, currency, budget in Project.objects.exclude(
                phase__in=[Phase.CANCELLED, Phase.INITIATION]
            ).values_list("pk", "currency", "budget")
        }
    projects = w.memo["evm_projects"]
    dates = {d for d in w.memo.get("as_of_dates", ()) if ("evm", d) not in w.memo} | {as_of}
    budgets = {pid: budget for pid, (_, budget) in projects.items()}
    for day, totals in evm_totals_many(dates, budgets).items():
        w.memo[("evm", day)] = {
            pid: {
                "measures": t,
                "currency": projects[pid][0],
                "budget": t.budget,
                "due": t.milestones_due,
                "missed": t.milestones_missed,
            }
            for pid, t in sorted(totals.items())
        }
    return w.memo[key]


def _portfolio_totals(evm: dict[int, dict]) -> dict | None:
    """ΣPV, ΣEV, ΣAC, Σbudget over the projects, or None when currencies differ."""
    currencies = {p["currency"] for p in evm.values()}
    if len(currencies) != 1:
        return None
    return {
        "pv": sum((p["measures"].pv for p in evm.values()), Decimal(0)),
        "ev": sum((p["measures"].ev for p in evm.values()), Decimal(0)),
        "ac": sum((p["measures"].ac for p in evm.values()), Decimal(0)),
        "budget": sum((p["budget"] for p in evm.values()), Decimal(0)),
        "currency": currencies.pop(),
        "projects": len(evm),
    }


def _measure(
    w: Window,
    scope_kind: str,
    per_project,
    portfolio,
) -> dict[str, Measure]:
    evm = _evm(w)
    if scope_kind == "project":
        out = {}
        for pid, p in evm.items():
            value, extra = per_project(p)
            out[f"project:{pid}"] = Measure(value, {"currency": p["currency"], **extra})
        return out
    if not evm:
        return {}
    totals = _portfolio_totals(evm)
    if totals is None:
        return {"global": Measure(None, {"reason": "projects in more than one currency"})}
    value, extra = portfolio(totals, evm)
    return {"global": Measure(value, {"currency": totals["currency"], **extra})}


def _money(value: Decimal | None) -> Decimal | None:
    return rounded(value, CENT)


def _ratio(value: Decimal | None) -> Decimal | None:
    return rounded(value, RATIO)


def project_page(w: Window, scope: str) -> str | None:
    """The project's workspace (the records behind a project KPI), or the portfolio."""
    kind, _, ident = scope.partition(":")
    try:
        if kind == "project":
            return reverse("projects:overview", args=[int(ident)])
        return reverse("projects:portfolio")
    except NoReverseMatch:
        return None


def milestones_page(w: Window, scope: str) -> str | None:
    kind, _, ident = scope.partition(":")
    try:
        if kind == "project":
            return reverse("projects:milestones", args=[int(ident)])
        return reverse("projects:portfolio")
    except NoReverseMatch:
        return None


COMMON = {
    "scopes": PROJECT_SCOPES,
    "group": "project",
    "records": project_page,
    "records_label": "The project's plan, costs and milestones",
}


@kpi(
    code="schedule_variance",
    name="Schedule variance (SV)",
    unit="money",
    direction="higher",
    decimals=0,
    target_range=(None, None),  # a variance: negative is behind / over cost
    **COMMON,
)
def schedule_variance(w: Window, scope_kind: str) -> dict[str, Measure]:
    """SV = EV − PV as of the period's end (money; negative is behind schedule)."""
    return _measure(
        w,
        scope_kind,
        lambda p: (
            _money(p["measures"].sv),
            {"ev": str(_money(p["measures"].ev)), "pv": str(_money(p["measures"].pv))},
        ),
        lambda t, evm: (
            _money(t["ev"] - t["pv"]),
            {"ev": str(_money(t["ev"])), "pv": str(_money(t["pv"])), "projects": t["projects"]},
        ),
    )


@kpi(
    code="cost_variance",
    name="Cost variance (CV)",
    unit="money",
    direction="higher",
    decimals=0,
    target_range=(None, None),  # a variance: negative is behind / over cost
    **COMMON,
)
def cost_variance(w: Window, scope_kind: str) -> dict[str, Measure]:
    """CV = EV − AC as of the period's end (money; negative is over cost)."""
    return _measure(
        w,
        scope_kind,
        lambda p: (
            _money(p["measures"].cv),
            {"ev": str(_money(p["measures"].ev)), "ac": str(_money(p["measures"].ac))},
        ),
        lambda t, evm: (
            _money(t["ev"] - t["ac"]),
            {"ev": str(_money(t["ev"])), "ac": str(_money(t["ac"])), "projects": t["projects"]},
        ),
    )


def _divide(a: Decimal, b: Decimal) -> Decimal | None:
    return None if not b else a / b


@kpi(
    code="spi",
    name="Schedule performance index (SPI)",
    unit="ratio",
    direction="higher",
    default_target="0.95",
    tolerance="0.10",
    decimals=2,
    **COMMON,
)
def spi(w: Window, scope_kind: str) -> dict[str, Measure]:
    """SPI = EV ÷ PV as of the period's end; the portfolio's is ΣEV ÷ ΣPV."""
    return _measure(
        w,
        scope_kind,
        lambda p: (_ratio(p["measures"].spi), {}),
        lambda t, evm: (_ratio(_divide(t["ev"], t["pv"])), {"projects": t["projects"]}),
    )


@kpi(
    code="cpi",
    name="Cost performance index (CPI)",
    unit="ratio",
    direction="higher",
    default_target="0.95",
    tolerance="0.10",
    decimals=2,
    **COMMON,
)
def cpi(w: Window, scope_kind: str) -> dict[str, Measure]:
    """CPI = EV ÷ AC as of the period's end; the portfolio's is ΣEV ÷ ΣAC."""
    return _measure(
        w,
        scope_kind,
        lambda p: (_ratio(p["measures"].cpi), {}),
        lambda t, evm: (_ratio(_divide(t["ev"], t["ac"])), {"projects": t["projects"]}),
    )


@kpi(
    code="budget_deviation",
    name="Budget deviation at completion",
    unit="%",
    direction="lower",
    default_target="0",
    tolerance="5",
    target_range=("-100", None),  # under budget down to nothing spent, over without bound
    **COMMON,
)
def budget_deviation(w: Window, scope_kind: str) -> dict[str, Measure]:
    """(EAC − BAC) ÷ BAC × 100 with EAC = BAC ÷ CPI, as of the period's end: how far the
    forecast at completion lies over (positive) or under the planned cost, if the work left
    costs what the work done did; equal to (AC − EV) ÷ EV × 100. No value before there is
    earned value and actual cost. The portfolio's uses ΣEV and ΣAC (its CPI), as
    projects.evm.budget_deviation_pct does for one project."""
    return _measure(
        w,
        scope_kind,
        lambda p: (
            rounded(p["measures"].budget_deviation_pct),
            {"ev": str(_money(p["measures"].ev)), "ac": str(_money(p["measures"].ac))},
        ),
        lambda t, evm: (
            rounded(budget_deviation_pct(t["ev"], t["ac"])),
            {"ev": str(_money(t["ev"])), "ac": str(_money(t["ac"]))},
        ),
    )


@kpi(
    code="milestones_missed",
    name="Milestones missed",
    unit="%",
    direction="lower",
    default_target="0",
    tolerance="10",
    scopes=PROJECT_SCOPES,
    group="project",
    records=milestones_page,
    records_label="The project's milestones",
)
def milestones_missed(w: Window, scope_kind: str) -> dict[str, Measure]:
    """Milestones due (baseline date) by the period's end and not completed by then ÷ due × 100,
    waived ones left out; the portfolio's adds the counts up."""
    evm = _evm(w)
    if scope_kind == "project":
        return {
            f"project:{pid}": Measure(
                percent(p["missed"], p["due"]), {"due": p["due"], "missed": p["missed"]}
            )
            for pid, p in evm.items()
        }
    if not evm:
        return {}
    due = sum(p["due"] for p in evm.values())
    missed = sum(p["missed"] for p in evm.values())
    return {"global": Measure(percent(missed, due), {"due": due, "missed": missed})}
