"""Earned value of every project at once, as SQL aggregates (the portfolio KPIs' source).

The same definitions as projects/evm.py, which measures one project in Python (with the
earned schedule and the S-curve the workspace shows): PV spreads each leaf task's cost evenly
over its planned calendar days up to the date; EV is Σ cost × percent complete; AC is the
cost entries plus each day's hours × rate, rounded to the cent per project and day; the plan
is the newest baseline's leaf tasks (progress from the live task), or the live leaf tasks
when a project has no baseline; milestones are due by their baseline date. Three GROUP BY
statements for any number of projects and dates; tests/projects/test_evm_aggregates.py holds
the two computations equal.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection

from projects.evm import ZERO, budget_deviation_pct, divide

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
        return budget_deviation_pct(self.ev, self.ac)


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
# The dates measured as of (one row each) and their span. Most rows are settled before the
# first date (a task finished, a cost booked, a milestone decided) and are summed once per
# project; only those that move inside the span are summed per date.
AS_OF = "as_of(d) AS ({dates}), span AS (SELECT MIN(d) AS first, MAX(d) AS last FROM as_of)"

WORK_SQL = (
    "WITH "
    + AS_OF
    + ", "
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
SELECT NULL, w.project_id,
       SUM(CASE WHEN w.s < sp.first AND w.f < sp.first THEN w.cost ELSE 0 END),
       SUM(1.0 * w.cost * w.pct / 100)
FROM work w CROSS JOIN span sp
GROUP BY w.project_id
UNION ALL
SELECT a.d, w.project_id,
       SUM(CASE WHEN a.d < w.s THEN 0
                WHEN a.d >= w.f THEN w.cost
                ELSE 1.0 * w.cost * ({days_elapsed} + 1) / ({days_planned} + 1) END),
       NULL
FROM work w CROSS JOIN span sp CROSS JOIN as_of a
WHERE w.s IS NOT NULL AND w.f IS NOT NULL AND w.s <= sp.last
  AND NOT (w.s < sp.first AND w.f < sp.first)
GROUP BY a.d, w.project_id"""
)

SPEND_SQL = (
    "WITH "
    + AS_OF
    + """, spend AS (
    SELECT c.project_id, c.incurred_on AS day, c.amount FROM {cost} c
    UNION ALL
    SELECT t.project_id, t.date, ROUND(SUM(t.hours * t.hourly_rate){nudge}, 2)
    FROM {time} t WHERE t.hourly_rate IS NOT NULL GROUP BY t.project_id, t.date
)
SELECT NULL, x.project_id, SUM(x.amount) FROM spend x CROSS JOIN span sp
WHERE x.day < sp.first GROUP BY x.project_id
UNION ALL
SELECT a.d, x.project_id, SUM(x.amount) FROM spend x CROSS JOIN span sp
JOIN as_of a ON x.day <= a.d
WHERE x.day >= sp.first AND x.day <= sp.last GROUP BY a.d, x.project_id"""
)

MILESTONES_SQL = (
    "WITH "
    + AS_OF
    + ", "
    + CURRENT_BASELINE
    + """, baseline_due AS (
    SELECT bm.milestone_id, MAX(bm.due_date) AS due_date
    FROM {baseline_milestone} bm JOIN current_baseline cb ON cb.id = bm.baseline_id
    WHERE bm.milestone_id IS NOT NULL GROUP BY bm.milestone_id
), ms AS (
    SELECT m.project_id, COALESCE(bd.due_date, m.due_date) AS due, m.completed_on AS done
    FROM {milestone} m LEFT JOIN baseline_due bd ON bd.milestone_id = m.id
    WHERE NOT m.waived
), settled AS (
    SELECT ms.*, (ms.due < sp.first AND (ms.done IS NULL OR ms.done <= sp.first
                                         OR ms.done > sp.last)) AS fixed
    FROM ms CROSS JOIN span sp WHERE ms.due <= sp.last
)
SELECT NULL, x.project_id, COUNT(*),
       SUM(CASE WHEN x.done IS NULL OR x.done > sp.last THEN 1 ELSE 0 END)
FROM settled x CROSS JOIN span sp WHERE x.fixed GROUP BY x.project_id
UNION ALL
SELECT a.d, x.project_id, COUNT(*),
       SUM(CASE WHEN x.done IS NULL OR x.done > a.d THEN 1 ELSE 0 END)
FROM settled x JOIN as_of a ON x.due <= a.d WHERE NOT x.fixed GROUP BY a.d, x.project_id"""
)


def _decimal(value) -> Decimal:
    if value is None:
        return ZERO
    if isinstance(value, float):  # SQLite
        return Decimal(repr(value)).quantize(MICRO)
    return Decimal(value)


def statement(sql: str, dates: list[datetime.date]) -> tuple[str, list]:
    """One of WORK_SQL, SPEND_SQL, MILESTONES_SQL as SQL text and parameters for the dates."""
    dialect = _dialect()
    text = sql.format(
        **_tables(),
        dates=" UNION ALL ".join([f"SELECT {dialect['date']}"] * len(dates)),
        nudge=dialect["nudge"],
        days_elapsed=dialect["days"].format(a="w.s", b="a.d"),
        days_planned=dialect["days"].format(a="w.s", b="w.f"),
    )
    return text, list(dates)


def _rows(sql: str, dates: list[datetime.date]) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(*statement(sql, dates))
        return cursor.fetchall()


def _by_date(rows, dates) -> dict[datetime.date, dict[int, list]]:
    """Rows of (date or None, project, figures…) → {date: {project: summed figures}}, the
    figures settled before the span (date None) added to every date's."""
    out: dict[datetime.date, dict[int, list]] = {day: {} for day in dates}
    settled = [row for row in rows if row[0] is None]
    moving = [row for row in rows if row[0] is not None]
    for day in dates:
        for _, pid, *figures in settled:
            out[day][pid] = [_decimal(x) for x in figures]
    for day, pid, *figures in moving:
        day = day if isinstance(day, datetime.date) else datetime.date.fromisoformat(day)
        sums = out[day].setdefault(pid, [ZERO] * len(figures))
        out[day][pid] = [a + _decimal(b) for a, b in zip(sums, figures, strict=True)]
    return out


def evm_totals_many(
    dates, budgets: dict[int, Decimal]
) -> dict[datetime.date, dict[int, EvmTotals]]:
    """{date: {project id: EvmTotals}} for each date, in three statements whatever the number
    of dates; only the projects in `budgets` that have a plan (at least one leaf task) — the
    others have nothing to measure against."""
    dates = sorted(set(dates))
    if not dates:
        return {}
    work = _by_date(_rows(WORK_SQL, dates), dates)
    spend = _by_date(_rows(SPEND_SQL, dates), dates)
    milestones = _by_date(_rows(MILESTONES_SQL, dates), dates)
    out = {}
    for day in dates:
        out[day] = {}
        for pid, (pv, ev) in work[day].items():
            if pid not in budgets:
                continue
            due, missed = milestones[day].get(pid, (ZERO, ZERO))
            out[day][pid] = EvmTotals(
                pv=pv,
                ev=ev,
                ac=spend[day].get(pid, [ZERO])[0],
                budget=budgets[pid],
                milestones_due=int(due),
                milestones_missed=int(missed),
            )
    return out


def evm_totals(as_of: datetime.date, budgets: dict[int, Decimal]) -> dict[int, EvmTotals]:
    """{project id: EvmTotals} as of one date (see evm_totals_many)."""
    return evm_totals_many([as_of], budgets)[as_of]
