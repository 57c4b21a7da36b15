"""Project and portfolio KPIs from projects/evm.py, on a hand-worked pair of projects."""

import datetime
from decimal import Decimal as D

import pytest

from tests.kpis.conftest import extras, measure
from tests.projects.factories import (
    CostEntryFactory,
    MilestoneFactory,
    ProjectFactory,
    TaskFactory,
)

pytestmark = pytest.mark.django_db
d = datetime.date


@pytest.fixture
def portfolio(db):
    """As of 4 March 2026 (end of the day period):

    P (budget 10 000): task 1–10 March, 1000, 50 % done → PV 4/10 × 1000 = 400, EV 500;
      task 6–15 March, 2000, 0 % → PV 0, EV 0. Costs 2 March 300, 5 March 100 → AC 300.
      SV 500 − 400 = 100; CV 500 − 300 = 200; SPI 1.250; CPI 1.667; BAC 3000,
      EAC = 3000 ÷ (500/300) = 1800, budget deviation (1800 − 3000) ÷ 3000 × 100 = −40.00 %
      (= (AC − EV) ÷ EV = −200 ÷ 500); the 10 000 budget plays no part.
      Milestones: due 3 March open (missed), due 2 March done 2 March, due 20 March (not
      due), due 1 March waived (left out) → 1 of 2 = 50.00 %.
    Q (budget 1000): task 1–4 March, 1000, 100 % → PV 1000, EV 1000; cost 3 March 1200.
      SV 0; CV −200; SPI 1.000; CPI 0.833; EAC = 1000 ÷ (1000/1200) = 1200, deviation
      (1200 − 1000) ÷ 1000 = +20.00 %; no milestones.
    Portfolio: ΣPV 1400, ΣEV 1500, ΣAC 1500, ΣBAC 4000 → SV 100, CV 0,
      SPI 1500/1400 = 1.071, CPI 1.000, EAC 4000 ÷ 1 = 4000, deviation 0.00 %,
      milestones 1 of 2 = 50.00 %.
    A project still in initiation is left out.
    """
    p = ProjectFactory(code="P", phase="execution", budget=D("10000"))
    q = ProjectFactory(code="Q", phase="execution", budget=D("1000"))
    ProjectFactory(code="NEW", phase="initiation")
    TaskFactory(
        project=p,
        planned_start=d(2026, 3, 1),
        planned_finish=d(2026, 3, 10),
        planned_cost=D("1000"),
        percent_complete=50,
    )
    TaskFactory(
        project=p,
        planned_start=d(2026, 3, 6),
        planned_finish=d(2026, 3, 15),
        planned_cost=D("2000"),
        percent_complete=0,
    )
    TaskFactory(
        project=q,
        planned_start=d(2026, 3, 1),
        planned_finish=d(2026, 3, 4),
        planned_cost=D("1000"),
        percent_complete=100,
    )
    CostEntryFactory(project=p, amount=D("300"), incurred_on=d(2026, 3, 2))
    CostEntryFactory(project=p, amount=D("100"), incurred_on=d(2026, 3, 5))
    CostEntryFactory(project=q, amount=D("1200"), incurred_on=d(2026, 3, 3))
    MilestoneFactory(project=p, due_date=d(2026, 3, 3))
    MilestoneFactory(project=p, due_date=d(2026, 3, 2), completed_on=d(2026, 3, 2))
    MilestoneFactory(project=p, due_date=d(2026, 3, 20))
    MilestoneFactory(project=p, due_date=d(2026, 3, 1), waived=True, waived_reason="Descoped")
    return {"p": f"project:{p.pk}", "q": f"project:{q.pk}"}


@pytest.mark.parametrize(
    "code, p_value, q_value, portfolio_value",
    [
        ("schedule_variance", D("100.00"), D("0.00"), D("100.00")),
        ("cost_variance", D("200.00"), D("-200.00"), D("0.00")),
        ("spi", D("1.250"), D("1.000"), D("1.071")),
        ("cpi", D("1.667"), D("0.833"), D("1.000")),
        ("budget_deviation", D("-40.00"), D("20.00"), D("0.00")),
        ("milestones_missed", D("50.00"), None, D("50.00")),
    ],
)
def test_project_kpis_follow_the_earned_value_definitions(
    portfolio, code, p_value, q_value, portfolio_value
):
    assert measure(code, "project") == {portfolio["p"]: p_value, portfolio["q"]: q_value}
    assert measure(code, "global") == {"global": portfolio_value}


def test_portfolio_money_is_not_summed_across_currencies(portfolio):
    ProjectFactory(code="USD", phase="execution", currency="USD")
    from projects.models import Project

    usd = Project.objects.get(code="USD")
    TaskFactory(project=usd, planned_start=d(2026, 3, 1), planned_finish=d(2026, 3, 2))
    assert measure("schedule_variance", "global") == {"global": None}


def test_budget_deviation_has_no_value_before_there_is_a_forecast(portfolio):
    """A project that has spent 500 but earned nothing (CPI 0) and one that has earned 250
    with nothing spent (no CPI) have no forecast at completion, so no budget deviation — not
    the −100 % that comparing spend with the whole budget gave a project not yet started.
    The portfolio's stays P's and Q's: ΣEV 1500 + 250 = 1750, ΣAC 1500 + 500 = 2000 →
    (2000 − 1750) ÷ 1750 × 100 = 14.2857… → 14.29 %."""
    spent = ProjectFactory(code="SPENT", phase="execution")
    TaskFactory(project=spent, planned_start=d(2026, 3, 1), planned_finish=d(2026, 3, 31))
    CostEntryFactory(project=spent, amount=D("500"), incurred_on=d(2026, 3, 1))
    earned = ProjectFactory(code="EARNED", phase="execution")
    TaskFactory(
        project=earned,
        planned_start=d(2026, 3, 1),
        planned_finish=d(2026, 3, 31),
        planned_cost=D("1000"),
        percent_complete=25,
    )
    values = measure("budget_deviation", "project")
    assert values[f"project:{spent.pk}"] is None and values[f"project:{earned.pk}"] is None
    assert values[portfolio["q"]] == D("20.00")
    assert measure("budget_deviation", "global") == {"global": D("14.29")}
    assert extras("budget_deviation", "project")[portfolio["q"]] == {
        "currency": "EUR",
        "ev": "1000.00",
        "ac": "1200.00",
    }
