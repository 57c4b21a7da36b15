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


# The category of spend from logged time (hours × rate), beside the cost entries' categories.
TIME_LOGGED = "time"


@dataclass(frozen=True)
class Spend:
    """Actual cost of one day and category: the cost entries of that category, or the time
    logged (hours × rate, category TIME_LOGGED)."""

    incurred_on: datetime.date
    amount: Decimal
    category: str = ""


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


def actual_cost_by_category(spend: Iterable[Spend], as_of: datetime.date) -> dict[str, Decimal]:
    """AC split by category ({category: amount}, TIME_LOGGED for hours × rate): the same
    rows as `actual_cost`, so the parts always add up to AC."""
    out: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for s in spend:
        if s.incurred_on <= as_of:
            out[s.category] += s.amount
    return dict(out)


def budget_deviation_pct(ev: Decimal, ac: Decimal) -> Decimal | None:
    """Budget deviation at completion: (EAC − BAC) ÷ BAC × 100 with EAC = BAC ÷ CPI, how far
    the forecast at completion lies above (positive) or below the planned cost if the work
    left costs what the work done did. EAC ÷ BAC = 1 ÷ CPI = AC ÷ EV, so it is
    (AC − EV) ÷ EV × 100 and needs no BAC. None while there is no earned value or no actual
    cost (no CPI, or CPI 0: no forecast), rather than a misleading −100 %."""
    if not ev or not ac:
        return None
    return (ac - ev) * HUNDRED / ev


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
    budget_spent_pct: Decimal | None
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
        "budget_spent_pct",
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
        budget_spent_pct=divide(ac * HUNDRED, budget),
        budget_deviation_pct=budget_deviation_pct(ev, ac),
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


def load_evm_data(
    project_ids: Sequence[int], known: dict[int, tuple[Decimal, int | None]] | None = None
) -> dict[int, EvmData]:
    """The EVM inputs of many projects in two statements, whatever the count: the projects
    (budget and newest baseline; skipped when the caller `known`s them as {id: (budget,
    newest baseline id or None)}), then every input in one UNION ALL (`_inputs`).

    Leaf work comes from each project's newest baseline (progress from the live task), or
    from the live leaf tasks when the project has no baseline. Spend is aggregated in SQL per
    project, day and category (time logged as one); a milestone carries its due date in the
    newest baseline.
    """
    from django.db.models import OuterRef

    from projects.models import Baseline, Project

    ids = list(project_ids)
    out = {pid: EvmData() for pid in ids}
    if not ids:
        return out
    if known is None:
        newest = Baseline.objects.filter(project=OuterRef("pk")).order_by("-number").values("pk")
        rows = (
            Project.objects.filter(pk__in=ids)
            .annotate(current_baseline=newest[:1])
            .values_list("pk", "budget", "current_baseline")
            .order_by()
        )
        known = {pid: (budget, baseline_id) for pid, budget, baseline_id in rows}
    baseline_of = {}
    for pid, (budget, baseline_id) in known.items():
        out[pid].budget = budget
        if baseline_id:
            baseline_of[baseline_id] = pid
    unbaselined = [pid for pid in ids if pid not in baseline_of.values()]

    spend: dict[tuple[int, datetime.date, str], Decimal] = defaultdict(lambda: ZERO)
    for kind, owner, day, other_day, amount, percent, done_on, waived, name in _inputs(
        ids, baseline_of, unbaselined
    ):
        if kind in (_BASELINE_WORK, _LIVE_WORK):
            pid = baseline_of[owner] if kind == _BASELINE_WORK else owner
            cost = amount.quantize(CENTS) if amount is not None else ZERO
            out[pid].work.append(PlannedWork(day, other_day, cost, percent or 0))
        elif kind == _SPEND:  # costs in cents already; labour (hours × rate) to the cent
            spend[(owner, day, name)] += amount.quantize(CENTS, rounding=ROUND_HALF_UP)
        else:
            out[owner].milestones.append(
                MilestoneDate(
                    name=name,
                    baseline_due=other_day or day,
                    due_date=day,
                    completed_on=done_on,
                    waived=waived,
                )
            )
    for (pid, day, category), amount in sorted(spend.items()):
        out[pid].spend.append(Spend(day, amount, category))
    return out


_BASELINE_WORK, _LIVE_WORK, _SPEND, _MILESTONE = range(4)


def _inputs(ids: list[int], baseline_of: dict[int, int], unbaselined: list[int]):
    """One UNION ALL of the projects' EVM inputs, each row (kind, owner, day, other day,
    amount, percent, completed on, waived, name), the columns a kind lacks left NULL:

    - baseline work: the newest baseline's leaves (owner: the baseline), start and finish,
      planned cost, the live task's percent complete;
    - live work (projects without a baseline): leaf tasks, the same columns;
    - spend: per project, day and category, cost entries summed; labour (hours × rate) per
      project and day, its category TIME_LOGGED;
    - milestones: due date, its date in the newest baseline, completion, waiver, name.
    """
    from django.db.models import (
        BooleanField,
        CharField,
        DateField,
        DecimalField,
        Exists,
        ExpressionWrapper,
        F,
        IntegerField,
        OuterRef,
        Subquery,
        Sum,
        Value,
    )
    from django.db.models.functions import Cast

    from projects.models import (
        BaselineMilestone,
        BaselineTask,
        CostEntry,
        Milestone,
        Task,
        TimeEntry,
    )

    money = DecimalField(max_digits=20, decimal_places=4)

    def none(field):  # typed: PostgreSQL resolves a union's bare NULLs as text
        return Cast(Value(None), output_field=field)

    def row(queryset, kind: int, owner: str, **columns):
        """`queryset` as the union's columns: its own where named, NULL elsewhere."""
        typed = {
            "day": DateField(),
            "other_day": DateField(),
            "amount": money,
            "percent": IntegerField(),
            "done_on": DateField(),
            "waived": BooleanField(),
            "name": CharField(),
        }
        values = {f"evm_{name}": columns.get(name, none(field)) for name, field in typed.items()}
        return (
            queryset.annotate(evm_kind=Value(kind, IntegerField()), evm_owner=F(owner), **values)
            .values_list("evm_kind", "evm_owner", *values)
            .order_by()
        )

    def work(leaves, kind: int, owner: str, progress: str):
        planned_cost = ExpressionWrapper(F("planned_cost"), output_field=money)
        return row(
            leaves,
            kind,
            owner,
            day=F("planned_start"),
            other_day=F("planned_finish"),
            amount=planned_cost,
            percent=F(progress),
        )

    parts = []
    if baseline_of:
        leaves = BaselineTask.objects.filter(baseline_id__in=list(baseline_of), is_leaf=True)
        parts.append(work(leaves, _BASELINE_WORK, "baseline_id", "task__percent_complete"))
    if unbaselined:
        leaves = Task.objects.filter(project_id__in=unbaselined).filter(
            ~Exists(Task.objects.filter(parent=OuterRef("pk")))
        )
        parts.append(work(leaves, _LIVE_WORK, "project_id", "percent_complete"))
    costs = CostEntry.objects.filter(project_id__in=ids).values(
        "project_id", "incurred_on", "category"
    )
    parts.append(
        row(
            costs.annotate(total=Sum("amount", output_field=money)),
            _SPEND,
            "project_id",
            day=F("incurred_on"),
            amount=F("total"),
            name=F("category"),
        )
    )
    labour = ExpressionWrapper(F("hours") * F("hourly_rate"), output_field=money)
    hours = TimeEntry.objects.filter(project_id__in=ids, hourly_rate__isnull=False)
    parts.append(
        row(
            hours.values("project_id", "date").annotate(total=Sum(labour)),
            _SPEND,
            "project_id",
            day=F("date"),
            amount=F("total"),
            name=Value(TIME_LOGGED, CharField()),
        )
    )
    in_baseline = BaselineMilestone.objects.filter(
        baseline_id__in=list(baseline_of), milestone=OuterRef("pk")
    ).values("due_date")[:1]
    parts.append(
        row(
            Milestone.objects.filter(project_id__in=ids),
            _MILESTONE,
            "project_id",
            day=F("due_date"),
            other_day=Subquery(in_baseline) if baseline_of else none(DateField()),
            done_on=F("completed_on"),
            waived=F("waived"),
            name=F("name"),
        )
    )
    return parts[0].union(*parts[1:], all=True)


def project_evm_data(project) -> EvmData:
    """The EVM inputs of one project (its budget and newest baseline taken from the row when
    it carries them, as `projects.queries.workspace_projects` rows do)."""
    known = None
    if hasattr(project, "current_baseline"):
        known = {project.pk: (project.budget, project.current_baseline)}
    return load_evm_data([project.pk], known=known)[project.pk]


def project_evm(project, as_of: datetime.date) -> EarnedValue:
    """The EVM measures of one project as of a date (see project_evm_data)."""
    return earned_value_measures(project_evm_data(project), as_of)
