"""Earned value of every project at once, as SQL aggregates (the portfolio KPIs' source).

The same definitions as projects/evm.py, which measures one project in Python (with the
earned schedule and the S-curve the workspace shows): PV spreads each leaf task's cost evenly
over its planned calendar days up to the date; EV is Σ cost × percent complete; AC is the
cost entries plus each day's hours × rate, rounded to the cent per project and day; the plan
is the newest baseline's leaf tasks (progress from the live task), or the live leaf tasks
when a project has no baseline; milestones are due by their baseline date. Three GROUP BY
statements per date, whatever the number of projects; tests/projects/test_evm_aggregates.py
holds the two computations equal.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection

from projects.evm import ZERO, divide

HUNDRED = Decimal(100)
MICRO = Decimal("0.000001")


@dataclass(frozen=True)
class EvmTotals:
    """One project's earned-value figures as of a date."""

    pv: Decimal
    ev: Decimal
    ac: Decimal
    budget: Decimal
    milestones_due: int = 0
    milestones_missed: int = 0

    @property
    def sv(self) -> Decimal:
        return self.ev - self.pv

    @property
    def cv(self) -> Decimal:
        return self.ev - self.ac

    @property
    def spi(self) -> Decimal | None:
        return divide(self.ev, self.pv)

    @property
    def cpi(self) -> Decimal | None:
        return divide(self.ev, self.ac)

    @property
    def budget_deviation_pct(self) -> Decimal | None:
        return divide((self.ac - self.budget) * HUNDRED, self.budget)


def _tables() -> dict[str, str]:
    from projects.models import (
        Baseline,
        BaselineMilestone,
        BaselineTask,
        CostEntry,
        Milestone,
        Task,
        TimeEntry,
    )

    models = {
        "baseline": Baseline,
        "baseline_task": BaselineTask,
        "baseline_milestone": BaselineMilestone,
        "task": Task,
        "cost": CostEntry,
        "time": TimeEntry,
        "milestone": Milestone,
    }
    return {name: connection.ops.quote_name(m._meta.db_table) for name, m in models.items()}


def _dialect() -> dict[str, str]:
    """The two things PostgreSQL and SQLite spell differently: a date parameter, and the
    number of days between two dates."""
    if connection.vendor == "postgresql":
        return {"date": "CAST(%s AS date)", "days": "({b} - {a})", "nudge": ""}
    # SQLite keeps dates as ISO text and sums decimals as binary floats: 49.995 is stored as
    # 49.99499…, so the cent rounding gets a nudge far below a cent to round half up as
    # PostgreSQL's numeric does.
    return {
        "date": "date(%s)",
        "days": "CAST(julianday({b}) - julianday({a}) AS INTEGER)",
        "nudge": " + 0.0000001",
    }


CURRENT_BASELINE = """current_baseline AS (
    SELECT b.id, b.project_id FROM {baseline} b
    WHERE b.number = (SELECT MAX(b2.number) FROM {baseline} b2 WHERE b2.project_id = b.project_id)
)"""

WORK_SQL = (
    "WITH as_of AS (SELECT {date} AS d), "
    + CURRENT_BASELINE
    + """, work AS (
    SELECT cb.project_id, bt.planned_start AS s, bt.planned_finish AS f,
           COALESCE(bt.planned_cost, 0) AS cost, COALESCE(t.percent_complete, 0) AS pct
    FROM current_baseline cb
    JOIN {baseline_task} bt ON bt.baseline_id = cb.id AND bt.is_leaf
    LEFT JOIN {task} t ON t.id = bt.task_id
    UNION ALL
    SELECT t.project_id, t.planned_start, t.planned_finish, COALESCE(t.planned_cost, 0),
           t.percent_complete
    FROM {task} t
    WHERE NOT EXISTS (SELECT 1 FROM {baseline} b WHERE b.project_id = t.project_id)
      AND NOT EXISTS (SELECT 1 FROM {task} c WHERE c.parent_id = t.id)
)
SELECT w.project_id,
       SUM(CASE WHEN w.s IS NULL OR w.f IS NULL OR a.d < w.s THEN 0
                WHEN a.d >= w.f THEN w.cost
                ELSE 1.0 * w.cost * ({days_elapsed} + 1) / ({days_planned} + 1) END),
       SUM(1.0 * w.cost * w.pct / 100)
FROM work w CROSS JOIN as_of a
GROUP BY w.project_id"""
)

SPEND_SQL = """WITH as_of AS (SELECT {date} AS d)
SELECT c.project_id, SUM(c.amount) FROM {cost} c CROSS JOIN as_of a
WHERE c.incurred_on <= a.d GROUP BY c.project_id
UNION ALL
SELECT l.project_id, SUM(l.amount) FROM (
    SELECT t.project_id, ROUND(SUM(t.hours * t.hourly_rate){nudge}, 2) AS amount
    FROM {time} t CROSS JOIN as_of a
    WHERE t.hourly_rate IS NOT NULL AND t.date <= a.d
    GROUP BY t.project_id, t.date
) l GROUP BY l.project_id"""

MILESTONES_SQL = (
    "WITH as_of AS (SELECT {date} AS d), "
    + CURRENT_BASELINE
    + """, baseline_due AS (
    SELECT bm.milestone_id, MAX(bm.due_date) AS due_date
    FROM {baseline_milestone} bm JOIN current_baseline cb ON cb.id = bm.baseline_id
    WHERE bm.milestone_id IS NOT NULL GROUP BY bm.milestone_id
)
SELECT m.project_id, COUNT(*),
       SUM(CASE WHEN m.completed_on IS NULL OR m.completed_on > a.d THEN 1 ELSE 0 END)
FROM {milestone} m CROSS JOIN as_of a
LEFT JOIN baseline_due bd ON bd.milestone_id = m.id
WHERE NOT m.waived AND COALESCE(bd.due_date, m.due_date) <= a.d
GROUP BY m.project_id"""
)


def _decimal(value) -> Decimal:
    if value is None:
        return ZERO
    if isinstance(value, float):  # SQLite
        return Decimal(repr(value)).quantize(MICRO)
    return Decimal(value)


def _rows(sql: str, as_of: datetime.date) -> list[tuple]:
    dialect = _dialect()
    text = sql.format(
        **_tables(),
        date=dialect["date"],
        nudge=dialect["nudge"],
        days_elapsed=dialect["days"].format(a="w.s", b="a.d"),
        days_planned=dialect["days"].format(a="w.s", b="w.f"),
    )
    with connection.cursor() as cursor:
        cursor.execute(text, [as_of])
        return cursor.fetchall()


def evm_totals(as_of: datetime.date, budgets: dict[int, Decimal]) -> dict[int, EvmTotals]:
    """{project id: EvmTotals} as of the date for the projects in `budgets` that have a plan
    (at least one leaf task); the others have nothing to measure against."""
    work = {pid: (pv, ev) for pid, pv, ev in _rows(WORK_SQL, as_of) if pid in budgets}
    spend: dict[int, Decimal] = {}
    for pid, amount in _rows(SPEND_SQL, as_of):
        spend[pid] = spend.get(pid, ZERO) + _decimal(amount)
    milestones = {pid: (due, missed) for pid, due, missed in _rows(MILESTONES_SQL, as_of)}
    out = {}
    for pid, (pv, ev) in work.items():
        due, missed = milestones.get(pid, (0, 0))
        out[pid] = EvmTotals(
            pv=_decimal(pv),
            ev=_decimal(ev),
            ac=spend.get(pid, ZERO),
            budget=budgets[pid],
            milestones_due=int(due),
            milestones_missed=int(missed or 0),
        )
    return out
