"""The portfolio KPIs' SQL earned value (projects/evm_aggregates.py) equals the workspace's
Python one (projects/evm.py) on plans that exercise every rule: baselines, re-planning after
a baseline, deleted tasks, summary tasks, undated and one-day tasks, labour at half a cent."""

import datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest

from projects.actions import baseline_capture
from projects.evm import load_evm_data, project_evm
from projects.evm_aggregates import evm_totals, evm_totals_many
from tests.projects.factories import (
    CostEntryFactory,
    MilestoneFactory,
    ProjectFactory,
    TaskFactory,
    TimeEntryFactory,
)

pytestmark = pytest.mark.django_db
d = datetime.date
FOUR = Decimal("0.0001")


@pytest.fixture
def plans():
    baselined = ProjectFactory(code="B", phase="execution", budget=Decimal("5000"))
    parent = TaskFactory(project=baselined, planned_start=None, planned_finish=None)
    TaskFactory(
        project=baselined,
        parent=parent,
        planned_start=d(2026, 3, 2),
        planned_finish=d(2026, 3, 8),
        planned_cost=Decimal("700.00"),
        percent_complete=40,
    )
    one_day = TaskFactory(
        project=baselined,
        planned_start=d(2026, 3, 5),
        planned_finish=d(2026, 3, 5),
        planned_cost=Decimal("333.33"),
        percent_complete=100,
    )
    doomed = TaskFactory(
        project=baselined,
        planned_start=d(2026, 3, 1),
        planned_finish=d(2026, 3, 30),
        planned_cost=Decimal("1000.00"),
        percent_complete=70,
    )
    TaskFactory(project=baselined, planned_start=None, planned_finish=None, planned_cost=None)
    moved = MilestoneFactory(project=baselined, due_date=d(2026, 3, 4))
    MilestoneFactory(project=baselined, due_date=d(2026, 3, 3), completed_on=d(2026, 3, 6))
    MilestoneFactory(project=baselined, due_date=d(2026, 3, 2), waived=True, waived_reason="x")
    baseline_capture(project=baselined, actor=baselined.manager)
    # Re-planned after an older baseline: the newest one counts.
    one_day.planned_cost = Decimal("999.99")
    one_day.save()
    baseline_capture(project=baselined, actor=baselined.manager)
    # Changes after the newest baseline: a new task is not in the plan measured against,
    # a deleted task keeps its baselined cost with no progress, a moved milestone is due
    # by its baseline date.
    TaskFactory(project=baselined, planned_cost=Decimal("5000.00"), percent_complete=100)
    doomed.delete()
    moved.due_date = d(2026, 3, 20)
    moved.save()
    CostEntryFactory(project=baselined, amount=Decimal("120.10"), incurred_on=d(2026, 3, 3))
    CostEntryFactory(project=baselined, amount=Decimal("80.00"), incurred_on=d(2026, 3, 9))

    live = ProjectFactory(code="L", phase="execution", budget=Decimal("900"))
    summary = TaskFactory(project=live, planned_cost=Decimal("9999.00"))
    leaf = TaskFactory(
        project=live,
        parent=summary,
        planned_start=d(2026, 2, 27),
        planned_finish=d(2026, 3, 9),
        planned_cost=Decimal("1000.01"),
        percent_complete=33,
    )
    # A day's labour is rounded to the cent half up: 1.5 h × 33.31 = 49.965 → 49.97
    # (half-even would give 49.96).
    TimeEntryFactory(
        task=leaf, date=d(2026, 3, 2), hours=Decimal("1.50"), hourly_rate=Decimal("33.31")
    )
    TimeEntryFactory(task=leaf, date=d(2026, 3, 3), hours=Decimal("2"), hourly_rate=Decimal("10"))
    TimeEntryFactory(task=leaf, date=d(2026, 3, 6), hours=Decimal("3"), hourly_rate=None)
    MilestoneFactory(project=live, due_date=d(2026, 3, 1), completed_on=d(2026, 3, 1))

    empty = ProjectFactory(code="EMPTY", phase="execution")  # no plan: nothing to measure
    return {"baselined": baselined, "live": live, "empty": empty}


@pytest.mark.parametrize("day", [d(2026, 2, 20), d(2026, 3, 2), d(2026, 3, 5), d(2026, 4, 1)])
def test_the_portfolio_sql_measures_what_the_workspace_measures(plans, day):
    totals = evm_totals(day, {p.pk: p.budget for p in plans.values()})
    projects = [plans["baselined"], plans["live"]]
    assert set(totals) == {p.pk for p in projects}
    data = load_evm_data([p.pk for p in projects])
    for project in projects:
        sql, python = totals[project.pk], project_evm(project, day)
        for name in ("pv", "ev", "ac", "sv", "cv", "spi", "cpi", "budget_deviation_pct"):
            a, b = getattr(sql, name), getattr(python, name)
            assert (a is None) == (b is None), (project.code, name)
            if a is not None:
                assert a.quantize(FOUR, ROUND_HALF_UP) == b.quantize(FOUR, ROUND_HALF_UP), (
                    project.code,
                    name,
                    a,
                    b,
                )
        due = [m for m in data[project.pk].milestones if not m.waived and m.baseline_due <= day]
        missed = [m for m in due if m.completed_on is None or m.completed_on > day]
        assert (sql.milestones_due, sql.milestones_missed) == (len(due), len(missed))


def test_hand_worked_values_on_the_fifth_of_march(plans):
    """As of 5 March: B's newest baseline holds the 700 task (4 of 7 days → PV 400, EV 280),
    the one-day task at 999.99 (PV and EV 999.99) and the deleted 1000 task (5 of 30 days →
    PV 166.67, no progress); AC 120.10. Its milestones: due 4 March (baseline date) and 3 March,
    neither done by the 5th → 2 of 2 missed. L: 1000.01 over 11 days, 7 elapsed → PV 636.37,
    EV 330.00; AC 49.97 + 20.00."""
    b, live = plans["baselined"], plans["live"]
    totals = evm_totals(d(2026, 3, 5), {b.pk: b.budget, live.pk: live.budget})
    cent = Decimal("0.01")
    assert totals[b.pk].pv.quantize(cent, ROUND_HALF_UP) == Decimal("1566.66")
    assert totals[b.pk].ev.quantize(cent) == Decimal("1279.99")
    assert totals[b.pk].ac == Decimal("120.10")
    assert (totals[b.pk].milestones_due, totals[b.pk].milestones_missed) == (2, 2)
    assert totals[live.pk].pv.quantize(cent, ROUND_HALF_UP) == Decimal("636.37")
    assert totals[live.pk].ev.quantize(cent) == Decimal("330.00")
    assert totals[live.pk].ac == Decimal("69.97")
    assert (totals[live.pk].milestones_due, totals[live.pk].milestones_missed) == (1, 0)


def test_many_dates_at_once_measure_what_each_date_alone_does(plans):
    """A KPI run asks for every day of a month at once (settled rows summed once, the rest per
    day): the figures equal the ones asked one date at a time."""
    budgets = {p.pk: p.budget for p in plans.values()}
    days = [d(2026, 2, 25) + datetime.timedelta(days=i) for i in range(40)]
    together = evm_totals_many(days, budgets)
    assert sorted(together) == days
    for day in days:
        assert together[day] == evm_totals(day, budgets), day
    for i in range(len(days) - 2):  # every span of three days: each edge meets each event
        span = days[i : i + 3]
        assert evm_totals_many(span, budgets) == {day: together[day] for day in span}, span
