"""Earned value, formula by formula, with the arithmetic done by hand in each docstring."""

import datetime
from decimal import Decimal

import pytest

from projects import evm
from projects.actions import baseline_capture
from projects.evm import EvmData, MilestoneDate, PlannedWork, Spend
from projects.queries import plan_rows
from projects.task_actions import task_update
from tests.projects.factories import (
    CostEntryFactory,
    MilestoneFactory,
    ProjectFactory,
    TaskFactory,
    TimeEntryFactory,
)

D = Decimal
June = lambda day: datetime.date(2024, 6, day)  # noqa: E731


def pmbok_example() -> EvmData:
    """Three sequential tasks of 10 days each, a budget of 4,200 and four milestones.

    A  1–10 June  1,000  100 %
    B 11–20 June  2,000   45 %
    C 21–30 June  1,000    0 %
    Costs: 1,200 on 5 June, 800 on 14 June, 500 on 16 June (after the as-of date).
    """
    return EvmData(
        work=[
            PlannedWork(June(1), June(10), D("1000"), 100),
            PlannedWork(June(11), June(20), D("2000"), 45),
            PlannedWork(June(21), June(30), D("1000"), 0),
        ],
        spend=[Spend(June(5), D("1200")), Spend(June(14), D("800")), Spend(June(16), D("500"))],
        milestones=[
            MilestoneDate("Design signed", June(10), June(12), completed_on=June(12)),
            MilestoneDate("Pilot live", June(14), June(14)),
            MilestoneDate("Go live", June(20), June(22)),
            MilestoneDate("Vendor audit", June(12), June(12), waived=True),
        ],
        budget=D("4200"),
    )


def test_pmbok_example_as_of_15_june():
    """As of 15 June (inclusive):

    BAC = 1000 + 2000 + 1000 = 4000
    PV  = A fully (1000) + B 5 of 10 days (2000 × 5/10 = 1000) + C not started = 2000
    EV  = 1000 × 100 % + 2000 × 45 % + 0 = 1000 + 900 = 1900
    AC  = 1200 + 800 = 2000 (the 16 June cost is later)
    SV  = 1900 − 2000 = −100;  CV = 1900 − 2000 = −100
    SPI = 1900 / 2000 = 0.95;  CPI = 1900 / 2000 = 0.95
    EAC = 4000 / 0.95 = 4210.526… → 4210.53;  ETC = 4210.53 − 2000 = 2210.53
    VAC = 4000 − 4210.53 = −210.53
    ES: PV per day is 100 on days 1–10 and 200 on days 11–20, so PV_14 = 1000 + 4 × 200 = 1800
        ≤ 1900 < PV_15 = 2000; C = 14, ES = 14 + (1900 − 1800) / (2000 − 1800) = 14.5 days
    AT  = 1–15 June = 15 days; SV(t) = 14.5 − 15 = −0.5; SPI(t) = 14.5 / 15 = 0.96666… → 0.967
    Budget spent       = 2000 / 4200 × 100 = 47.6190… → 47.619
    Budget deviation   = (EAC − BAC) / BAC × 100 = (4210.526… − 4000) / 4000 × 100
                       = (AC − EV) / EV × 100 = 100 / 1900 × 100 = 5.2631… → 5.263
    Forecast deviation = (4210.526… − 4200) / 4200 × 100 = 0.25062… → 0.251
    Milestones due by 15 June, waived excluded: Design signed (done 12 June) and Pilot live
    (open) → 1 missed of 2 = 50.000 %.
    """
    result = evm.earned_value_measures(pmbok_example(), June(15)).as_json()
    assert result == {
        "bac": "4000.00",
        "pv": "2000.00",
        "ev": "1900.00",
        "ac": "2000.00",
        "sv": "-100.00",
        "cv": "-100.00",
        "spi": "0.950",
        "cpi": "0.950",
        "eac": "4210.53",
        "etc": "2210.53",
        "vac": "-210.53",
        "es_days": "14.500",
        "sv_days": "-0.500",
        "spi_t": "0.967",
        "budget_spent_pct": "47.619",
        "budget_deviation_pct": "5.263",
        "forecast_deviation_pct": "0.251",
        "milestones_missed_pct": "50.000",
    }


def test_planned_value_spreads_cost_evenly_over_calendar_days_inclusive():
    """A task 1–10 June costing 1000: 100 a day. End of 1 June → 100; end of 3 June → 300;
    31 May → 0; 10 June and later → 1000. A task 1–3 June costing 100 on 2 June → 66.67."""
    task = PlannedWork(June(1), June(10), D("1000"))
    assert evm.planned_value([task], datetime.date(2024, 5, 31)) == 0
    assert evm.planned_value([task], June(1)) == D("100")
    assert evm.planned_value([task], June(3)) == D("300")
    assert evm.planned_value([task], June(10)) == D("1000")
    assert evm.planned_value([task], June(30)) == D("1000")
    third = evm.planned_value([PlannedWork(June(1), June(3), D("100"))], June(2))
    assert evm.fmt(third, evm.CENTS) == "66.67"


def test_earned_schedule_when_ahead_and_at_completion():
    """One task 1–10 June costing 1000 (100 a day), 75 % done as of 5 June:
    EV = 750, PV_7 = 700 ≤ 750 < PV_8 = 800 → ES = 7 + 50/100 = 7.5; AT = 5;
    SV(t) = +2.5, SPI(t) = 1.5. Fully done: EV = 1000 = PV_10 → ES = 10 days (capped)."""
    data = EvmData(work=[PlannedWork(June(1), June(10), D("1000"), 75)])
    result = evm.earned_value_measures(data, June(5))
    assert (result.es_days, result.sv_days, result.spi_t) == (D("7.5"), D("2.5"), D("1.5"))
    done = EvmData(work=[PlannedWork(June(1), June(10), D("1000"), 100)])
    assert evm.earned_value_measures(done, June(20)).es_days == D("10")


def test_labour_from_time_entries_counts_in_actual_cost_only_when_costed(db):
    """Cost entry 100 on 5 June + 8 h × 50/h = 400 on 5 June + 2 h without a rate on 6 June
    → AC = 500 as of 6 June; the uncosted hours add nothing."""
    task = TaskFactory(percent_complete=50)
    CostEntryFactory(project=task.project, amount=D("100"), incurred_on=June(5))
    TimeEntryFactory(task=task, hours=D("8"), hourly_rate=D("50"), date=June(5))
    TimeEntryFactory(task=task, hours=D("2"), hourly_rate=None, date=June(6))
    result = evm.project_evm(task.project, June(6))
    assert result.ac == D("500")
    # EV = 1000 × 50 % = 500 → CPI = 500 / 500 = 1
    assert result.as_json()["cpi"] == "1.000"


def test_zero_divisions_yield_null_not_errors():
    """No spend → CPI = EV / 0 → null, so EAC, ETC, VAC and the forecast are null too.
    Before the plan starts PV = 0 → SPI null; AT = 0 → SPI(t) null. No budget → both
    deviations null. No tasks at all → BAC 0 and ES null. No milestone due → null."""
    data = EvmData(work=[PlannedWork(June(10), June(19), D("1000"), 10)], budget=D("0"))
    result = evm.earned_value_measures(data, June(1)).as_json()
    assert result["pv"] == "0.00" and result["ev"] == "100.00"
    for name in ("spi", "cpi", "eac", "etc", "vac", "spi_t", "budget_deviation_pct"):
        assert result[name] is None, name
    assert result["forecast_deviation_pct"] is None
    assert result["milestones_missed_pct"] is None
    empty = evm.earned_value_measures(EvmData(), June(1)).as_json()
    assert empty["bac"] == "0.00" and empty["es_days"] is None and empty["sv_days"] is None


def test_milestone_slip_in_days():
    """Baseline 10 June: done 12 June → +2. Open, re-planned to 14 June, as of 12 June → +4
    (its current date). Open, due 14 June, as of 20 June → 20 − 10 = +10 (it is at least as
    late as today). Done early on 8 June → −2."""
    assert evm.milestone_slip_days(MilestoneDate("a", June(10), June(10), June(12)), June(20)) == 2
    assert evm.milestone_slip_days(MilestoneDate("b", June(10), June(14)), June(12)) == 4
    assert evm.milestone_slip_days(MilestoneDate("c", June(10), June(14)), June(20)) == 10
    assert evm.milestone_slip_days(MilestoneDate("d", June(10), June(10), June(8)), June(20)) == -2


def test_a_milestone_completed_after_the_as_of_date_counts_as_missed_then():
    """Due 10 June, completed 12 June. As of 11 June it was missed (1 of 1 = 100 %);
    as of 12 June it was done (0 of 1 = 0 %)."""
    ms = [MilestoneDate("a", June(10), June(10), completed_on=June(12))]
    assert evm.milestones_missed_pct(ms, June(11)) == 100
    assert evm.milestones_missed_pct(ms, June(12)) == 0


@pytest.mark.django_db
def test_summary_tasks_roll_up_and_only_leaves_count_in_bac(people):
    """Summary S (its own cost 999 is ignored) over
    child 1: 1–10 June, 1000, 50 %; child 2: 5–20 June, 3000, 10 %.
    Roll-up: S spans 1–20 June, costs 1000 + 3000 = 4000, progress weighted by cost
    (1000 × 50 + 3000 × 10) / 4000 = 20 %. BAC = 4000 (not 4999); EV = 500 + 300 = 800."""
    summary = TaskFactory(planned_cost=D("999"), name="S")
    project = summary.project
    TaskFactory(project=project, parent=summary, percent_complete=50)
    TaskFactory(
        project=project,
        parent=summary,
        planned_start=June(5),
        planned_finish=June(20),
        planned_cost=D("3000"),
        percent_complete=10,
    )
    rows = plan_rows(project)
    top = rows[0]
    assert (top.wbs, top.is_summary) == ("1", True)
    assert (top.planned_start, top.planned_finish) == (June(1), June(20))
    assert top.planned_cost == D("4000")
    assert top.percent_complete == D("20")
    assert [r.wbs for r in rows] == ["1", "1.1", "1.2"]
    result = evm.project_evm(project, June(30))
    assert (result.bac, result.ev) == (D("4000"), D("800"))


@pytest.mark.django_db
def test_evm_measures_against_the_newest_baseline_and_keeps_the_old_one(people):
    """Baseline 1: one task 1–10 June costing 1000. The plan then changes to 1–20 June
    costing 2000; until re-baselined, EVM still uses baseline 1: as of 5 June PV = 500.
    Baseline 2 makes PV = 2000 × 5/20 = 500 too but BAC = 2000, and as of 10 June
    PV = 2000 × 10/20 = 1000 (baseline 1 would say 1000 of BAC 1000).
    Milestone due 10 June, moved to 15 June after baseline 1: the missed % as of 12 June
    uses 10 June under baseline 1 (missed: 100 %) and 15 June under baseline 2 (none due)."""
    pm = people["project_manager"]
    project = ProjectFactory(manager=pm)
    task = TaskFactory(project=project)
    milestone = MilestoneFactory(project=project, due_date=June(10))
    first = baseline_capture(project=project, actor=pm)
    task_update(
        task=task,
        actor=pm,
        expected_version=task.version,
        planned_finish=June(20),
        planned_cost=D("2000"),
    )
    milestone.due_date = June(15)
    milestone.save()
    before = evm.project_evm(project, June(10))
    assert (before.bac, before.pv) == (D("1000"), D("1000"))
    assert evm.project_evm(project, June(12)).milestones_missed_pct == 100
    second = baseline_capture(project=project, actor=pm, note="Scope change approved")
    after = evm.project_evm(project, June(10))
    assert (after.bac, after.pv) == (D("2000"), D("1000"))
    assert evm.project_evm(project, June(12)).milestones_missed_pct is None
    assert (first.number, second.number) == (1, 2)
    old = first.tasks.get()
    assert (old.planned_finish, old.planned_cost) == (June(10), D("1000.00"))


def test_health_from_the_worse_of_spi_and_cpi():
    """Both ≥ 0.95 → ok; worse 0.90 → warn; worse 0.80 → bad; none known → unknown."""
    assert evm.health(D("1.0"), D("0.96")) == "ok"
    assert evm.health(D("0.90"), D("1.2")) == "warn"
    assert evm.health(D("0.80"), None) == "bad"
    assert evm.health(None, None) == "unknown"
