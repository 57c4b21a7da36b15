"""Earned value management: pure functions on plain data, and one loader for many projects.

All amounts are Decimal; nothing here touches floats. Every measure is "as of" a date,
inclusive. The plan measured against is the newest baseline, or the current plan when the
project has none. Division by zero yields None, never an error.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal("0")
HUNDRED = Decimal("100")
CENTS = Decimal("0.01")
MILLIS = Decimal("0.001")


@dataclass(frozen=True)
class PlannedWork:
    """One leaf task of the plan measured against: planned dates and cost, current progress."""

    planned_start: datetime.date | None
    planned_finish: datetime.date | None
    planned_cost: Decimal
    percent_complete: int | Decimal = 0


@dataclass(frozen=True)
class Spend:
    """One actual cost: a cost entry, or a time entry's hours × rate."""

    incurred_on: datetime.date
    amount: Decimal


@dataclass(frozen=True)
class MilestoneDate:
    name: str
    baseline_due: datetime.date
    due_date: datetime.date
    completed_on: datetime.date | None = None
    waived: bool = False


@dataclass
class EvmData:
    """What the formulas need about one project."""

    work: list[PlannedWork] = field(default_factory=list)
    spend: list[Spend] = field(default_factory=list)
    milestones: list[MilestoneDate] = field(default_factory=list)
    budget: Decimal = ZERO


# ---------------------------------------------------------------- the formulas


def divide(numerator: Decimal | None, denominator: Decimal | None) -> Decimal | None:
    """numerator / denominator, or None when either is missing or the denominator is zero."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return Decimal(numerator) / Decimal(denominator)


def budget_at_completion(work: Iterable[PlannedWork]) -> Decimal:
    """BAC = Σ planned cost of the leaf tasks."""
    return sum((w.planned_cost for w in work), ZERO)


def _dated(w: PlannedWork) -> bool:
    return w.planned_start is not None and w.planned_finish is not None


def planned_value_of(w: PlannedWork, as_of: datetime.date) -> Decimal:
    """One task's PV: its cost spread evenly over its planned calendar days, up to `as_of`.

    A task planned 1–10 June costing 1000 has PV 300 at the end of 3 June (3 of 10 days).
    A task without dates has no schedule, so it never earns planned value.
    """
    if not _dated(w) or as_of < w.planned_start:
        return ZERO
    if as_of >= w.planned_finish:
        return w.planned_cost
    total_days = (w.planned_finish - w.planned_start).days + 1
    elapsed_days = (as_of - w.planned_start).days + 1
    return w.planned_cost * elapsed_days / total_days


def planned_value(work: Iterable[PlannedWork], as_of: datetime.date) -> Decimal:
    """PV = Σ each leaf task's planned value as of the date (inclusive)."""
    return sum((planned_value_of(w, as_of) for w in work), ZERO)


def earned_value(work: Iterable[PlannedWork]) -> Decimal:
    """EV = Σ planned cost × percent complete."""
    return sum((w.planned_cost * Decimal(w.percent_complete) / HUNDRED for w in work), ZERO)


def actual_cost(spend: Iterable[Spend], as_of: datetime.date) -> Decimal:
    """AC = Σ costs incurred on or before the date."""
    return sum((s.amount for s in spend if s.incurred_on <= as_of), ZERO)


def plan_start(work: Iterable[PlannedWork]) -> datetime.date | None:
    starts = [w.planned_start for w in work if _dated(w)]
    return min(starts) if starts else None


def plan_finish(work: Iterable[PlannedWork]) -> datetime.date | None:
    finishes = [w.planned_finish for w in work if _dated(w)]
    return max(finishes) if finishes else None


def actual_time(start: datetime.date | None, as_of: datetime.date) -> int | None:
    """AT: calendar days from the plan start to `as_of`, both included (0 before the start)."""
    if start is None:
        return None
    return max(0, (as_of - start).days + 1)


def earned_schedule(work: Sequence[PlannedWork], ev: Decimal) -> Decimal | None:
    """ES in days (Lipke): when the value earned so far was planned to be earned.

    With PV_k the planned value accumulated to the end of day k (day 1 is the plan's start,
    PV_0 = 0), C is the number of whole days with PV_k ≤ EV, and
    ES = C + (EV − PV_C) / (PV_C+1 − PV_C). PV_k never decreases, so C is found by bisection.
    """
    start, finish = plan_start(work), plan_finish(work)
    if start is None:
        return None
    days = (finish - start).days + 1

    def pv_at(k: int) -> Decimal:  # PV at the end of day k (k = 0: before the start)
        return ZERO if k == 0 else planned_value(work, start + datetime.timedelta(days=k - 1))

    low, high = 0, days  # invariant: pv_at(low) <= ev (pv_at(0) = 0 and EV >= 0)
    if pv_at(days) <= ev:
        return Decimal(days)
    while high - low > 1:
        middle = (low + high) // 2
        if pv_at(middle) <= ev:
            low = middle
        else:
            high = middle
    c = low
    pv_c, pv_next = pv_at(c), pv_at(c + 1)
    return Decimal(c) + (ev - pv_c) / (pv_next - pv_c)


def milestone_slip_days(m: MilestoneDate, as_of: datetime.date) -> int:
    """Days a milestone is late against its baseline date (negative when early).

    A completed one slipped by completed − baseline; an open one by its current due date,
    or by `as_of` once that is later (it cannot finish before today).
    """
    if m.completed_on is not None:
        return (m.completed_on - m.baseline_due).days
    expected = max(m.due_date, as_of) if as_of > m.due_date else m.due_date
    return (expected - m.baseline_due).days


def milestones_missed_pct(milestones: Iterable[MilestoneDate], as_of: datetime.date):
    """Missed ÷ due by `as_of` × 100: due (baseline date) on or before it and not completed by
    then; waived milestones are left out of both counts. None when none was due."""
    due = [m for m in milestones if not m.waived and m.baseline_due <= as_of]
    missed = [m for m in due if m.completed_on is None or m.completed_on > as_of]
    return divide(Decimal(len(missed)) * HUNDRED, Decimal(len(due)))


@dataclass(frozen=True)
class EarnedValue:
    bac: Decimal
    pv: Decimal
    ev: Decimal
    ac: Decimal
    sv: Decimal
    cv: Decimal
    spi: Decimal | None
    cpi: Decimal | None
    eac: Decimal | None
    etc: Decimal | None
    vac: Decimal | None
    es_days: Decimal | None
    sv_days: Decimal | None
    spi_t: Decimal | None
    budget_deviation_pct: Decimal | None
    forecast_deviation_pct: Decimal | None
    milestones_missed_pct: Decimal | None
    as_of: datetime.date | None = None

    MONEY = ("bac", "pv", "ev", "ac", "sv", "cv", "eac", "etc", "vac")
    RATIOS = (
        "spi",
        "cpi",
        "es_days",
        "sv_days",
        "spi_t",
        "budget_deviation_pct",
        "forecast_deviation_pct",
        "milestones_missed_pct",
    )

    def as_json(self) -> dict[str, str | None]:
        """Money as strings with 2 decimals, ratios, days and percentages with 3."""
        out: dict[str, str | None] = {}
        for name in self.MONEY:
            out[name] = fmt(getattr(self, name), CENTS)
        for name in self.RATIOS:
            out[name] = fmt(getattr(self, name), MILLIS)
        return out


def fmt(value: Decimal | None, places: Decimal) -> str | None:
    if value is None:
        return None
    return str(value.quantize(places, rounding=ROUND_HALF_UP))


def earned_value_measures(data: EvmData, as_of: datetime.date) -> EarnedValue:
    """Every EVM measure of one project as of a date (see the module docstring)."""
    work = data.work
    bac = budget_at_completion(work)
    pv = planned_value(work, as_of)
    ev = earned_value(work)
    ac = actual_cost(data.spend, as_of)
    spi = divide(ev, pv)
    cpi = divide(ev, ac)
    eac = divide(bac, cpi)
    es = earned_schedule(work, ev)
    at = actual_time(plan_start(work), as_of)
    budget = data.budget
    return EarnedValue(
        bac=bac,
        pv=pv,
        ev=ev,
        ac=ac,
        sv=ev - pv,
        cv=ev - ac,
        spi=spi,
        cpi=cpi,
        eac=eac,
        etc=None if eac is None else eac - ac,
        vac=None if eac is None else bac - eac,
        es_days=es,
        sv_days=None if es is None or at is None else es - at,
        spi_t=divide(es, None if at is None else Decimal(at)),
        budget_deviation_pct=divide((ac - budget) * HUNDRED, budget),
        forecast_deviation_pct=None if eac is None else divide((eac - budget) * HUNDRED, budget),
        milestones_missed_pct=milestones_missed_pct(data.milestones, as_of),
        as_of=as_of,
    )


def s_curve(data: EvmData, as_of: datetime.date, points: int = 40) -> dict:
    """PV, EV-to-date and AC sampled over the plan, for the overview chart.

    EV is only known today, so the EV series is PV scaled by SPI up to `as_of` — the
    usual way to draw it without a history of progress reports.
    """
    work = data.work
    start, finish = plan_start(work), plan_finish(work)
    if start is None:
        return {"labels": [], "pv": [], "ev": [], "ac": []}
    last = max(finish, as_of) if as_of >= start else finish
    span = (last - start).days
    step = max(1, span // points)
    ev_now = earned_value(work)
    pv_now = planned_value(work, as_of)
    spi = divide(ev_now, pv_now)
    labels, pv_series, ev_series, ac_series = [], [], [], []
    day = start
    days = []
    while day <= last:
        days.append(day)
        day += datetime.timedelta(days=step)
    if days[-1] != last:
        days.append(last)
    for day in days:
        labels.append(day.isoformat())
        pv_series.append(fmt(planned_value(work, day), CENTS))
        if day <= as_of:
            ac_series.append(fmt(actual_cost(data.spend, day), CENTS))
            value = ev_now if day == as_of or spi is None else planned_value(work, day) * spi
            ev_series.append(fmt(min(value, ev_now), CENTS))
        else:
            ac_series.append(None)
            ev_series.append(None)
    return {"labels": labels, "pv": pv_series, "ev": ev_series, "ac": ac_series}


def health(spi: Decimal | None, cpi: Decimal | None) -> str:
    """ok when both indices ≥ 0.95, warn when the worse is ≥ 0.85, bad below; unknown if none."""
    known = [x for x in (spi, cpi) if x is not None]
    if not known:
        return "unknown"
    worst = min(known)
    if worst >= Decimal("0.95"):
        return "ok"
    if worst >= Decimal("0.85"):
        return "warn"
    return "bad"


# ---------------------------------------------------------------- loading from the database


def load_evm_data(project_ids: Sequence[int]) -> dict[int, EvmData]:
    """The EVM inputs of many projects in four statements, whatever the count: the projects
    with their newest baseline, their leaf work, their spend, their milestones.

    Leaf work comes from each project's newest baseline (progress from the live task), or
    from the live leaf tasks when the project has no baseline (one UNION ALL). Spend is
    aggregated in SQL per project and day (costs and labour in one UNION ALL); a milestone
    carries its due date in the newest baseline.
    """
    from django.db.models import DateField, OuterRef, Subquery, Value

    from projects.models import Baseline, BaselineMilestone, Milestone, Project

    ids = list(project_ids)
    out = {pid: EvmData() for pid in ids}
    if not ids:
        return out
    projects = Project.objects.filter(pk__in=ids).annotate(
        current_baseline=Baseline.objects.filter(project=OuterRef("pk"))
        .order_by("-number")
        .values("pk")[:1]
    )
    baseline_of = {}
    for pid, budget, baseline_id in projects.values_list("pk", "budget", "current_baseline"):
        out[pid].budget = budget
        if baseline_id:
            baseline_of[baseline_id] = pid
    unbaselined = [pid for pid in ids if pid not in baseline_of.values()]

    for pid, start, finish, cost, percent in _leaf_work(baseline_of, unbaselined):
        out[pid].work.append(PlannedWork(start, finish, cost or ZERO, percent or 0))

    for (pid, day), amount in sorted(_spend_by_day(ids).items()):
        out[pid].spend.append(Spend(day, amount))

    baseline_due = BaselineMilestone.objects.filter(
        baseline_id__in=list(baseline_of), milestone=OuterRef("pk")
    ).values("due_date")[:1]
    milestones = Milestone.objects.filter(project_id__in=ids).order_by(
        "project_id", "due_date", "pk"
    )
    if baseline_of:
        milestones = milestones.annotate(baseline_due=Subquery(baseline_due))
    else:  # no baseline, no baseline dates: nothing to look up
        milestones = milestones.annotate(baseline_due=Value(None, output_field=DateField()))
    for m in milestones.values(
        "project_id", "name", "due_date", "completed_on", "waived", "baseline_due"
    ):
        out[m["project_id"]].milestones.append(
            MilestoneDate(
                name=m["name"],
                baseline_due=m["baseline_due"] or m["due_date"],
                due_date=m["due_date"],
                completed_on=m["completed_on"],
                waived=m["waived"],
            )
        )
    return out


def _leaf_work(baseline_of: dict[int, int], unbaselined: list[int]) -> list[tuple]:
    """(project id, planned start, planned finish, planned cost, percent complete) of each
    leaf: a baselined project's from its newest baseline, another's from its live tasks."""
    from django.db.models import BooleanField, Exists, F, OuterRef, Value

    from projects.models import BaselineTask, Task

    columns = ("planned_start", "planned_finish", "planned_cost", "progress", "baselined")
    parts = []
    if baseline_of:
        parts.append(
            BaselineTask.objects.filter(baseline_id__in=list(baseline_of), is_leaf=True)
            .annotate(progress=F("task__percent_complete"), baselined=Value(True, BooleanField()))
            .values_list("baseline_id", *columns)
            .order_by()
        )
    if unbaselined:
        leaves = Task.objects.filter(project_id__in=unbaselined).filter(
            ~Exists(Task.objects.filter(parent=OuterRef("pk")))
        )
        parts.append(
            leaves.annotate(progress=F("percent_complete"), baselined=Value(False, BooleanField()))
            .values_list("project_id", *columns)
            .order_by()
        )
    if not parts:
        return []
    return [
        (baseline_of[owner] if baselined else owner, start, finish, cost, progress)
        for owner, start, finish, cost, progress, baselined in parts[0].union(*parts[1:], all=True)
    ]


def _spend_by_day(ids: list[int]) -> dict[tuple[int, datetime.date], Decimal]:
    """Cost entries and labour (hours × rate) summed per project and day, to the cent (cost
    entries are in cents already), in one statement."""
    from django.db.models import DecimalField, ExpressionWrapper, F, Sum

    from projects.models import CostEntry, TimeEntry

    amount = DecimalField(max_digits=20, decimal_places=4)
    labour = ExpressionWrapper(F("hours") * F("hourly_rate"), output_field=amount)
    costs = (
        CostEntry.objects.filter(project_id__in=ids)
        .values("project_id", "incurred_on")
        .annotate(total=Sum("amount", output_field=amount))
        .values_list("project_id", "incurred_on", "total")
        .order_by()
    )
    hours = (
        TimeEntry.objects.filter(project_id__in=ids, hourly_rate__isnull=False)
        .values("project_id", "date")
        .annotate(total=Sum(labour))
        .values_list("project_id", "date", "total")
        .order_by()
    )
    spend: dict[tuple[int, datetime.date], Decimal] = defaultdict(lambda: ZERO)
    for pid, day, total in costs.union(hours, all=True):
        spend[(pid, day)] += Decimal(total).quantize(CENTS, rounding=ROUND_HALF_UP)
    return spend


def project_evm(project, as_of: datetime.date) -> EarnedValue:
    """The EVM measures of one project as of a date."""
    return earned_value_measures(load_evm_data([project.pk])[project.pk], as_of)
