"""The Budget & costs tab agrees with itself: its spend by category, its actual cost to date,
what remains and the portfolio's budget used all come from the same rows (the earned-value
spend: costs and logged time up to today, labour rounded to the cent per day as AC is)."""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from projects.models import CostEntry
from tests.conftest import assert_status, browser_for
from tests.projects.factories import (
    CostEntryFactory,
    ProjectFactory,
    TaskFactory,
    TimeEntryFactory,
)

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def project(people):
    return ProjectFactory(
        code="PAY", manager=people["project_manager"], sponsor=people["manager"], budget=D("1000")
    )


def _figures(html: str) -> tuple[dict[str, Decimal], Decimal, Decimal]:
    """The page's spend by category, its total and the actual cost tile."""
    block = html[html.index('data-testid="by-category"') :]
    block = block[: block.index("</dl>")]
    rows = dict(re.findall(r"<dt>([^<]+)</dt><dd>([\d.]+)</dd>", block))
    total = re.search(r'data-testid="by-category-total"><strong>([\d.]+)<', block).group(1)
    ac = re.search(r'data-testid="ac">([\d.]+)<', html).group(1)
    return {k: D(v) for k, v in rows.items()}, D(total), D(ac)


def test_spend_by_category_adds_up_to_the_actual_cost_to_date(people, project):
    """Labour 10.00 and service 300.00 entries; three 1.25 h entries at 33.33 on one day
    (3 × 41.6625 = 124.9875, 124.99 to the cent for the day: per entry it was 3 × 41.66 =
    124.98); and a cost dated next year, written before such dates were refused, which is not
    incurred yet. AC = 10.00 + 300.00 + 124.99 = 434.99; remaining 1000 − 434.99 = 565.01."""
    today = timezone.localdate()
    task = TaskFactory(project=project)
    CostEntryFactory(project=project, amount=D("10.00"), category="labour", incurred_on=today)
    CostEntryFactory(project=project, amount=D("300.00"), category="service", incurred_on=today)
    for _ in range(3):
        TimeEntryFactory(task=task, date=today, hours=D("1.25"), hourly_rate=D("33.33"))
    CostEntry.objects.create(  # as rows written before the check are: no full_clean()
        project=project,
        amount=D("5000.00"),
        currency="EUR",
        category="material",
        incurred_on=today + datetime.timedelta(days=365),
    )
    html = browser_for(people["manager"]).get(f"/projects/{project.pk}/costs/").content.decode()
    by_category, total, ac = _figures(html)
    assert by_category == {
        "Labour": D("10.00"),
        "Labour (time logged)": D("124.99"),
        "Service": D("300.00"),
    }
    assert sum(by_category.values()) == total == ac == D("434.99")
    assert "565.01" in html  # remaining
    row = assert_status(people["manager"], "GET", "/api/v1/projects/", 200).data["results"][0]
    assert (row["spent"], row["budget_used_pct"]) == ("434.99", "43.499")


def test_the_budget_tab_says_what_its_percentages_compare(people, project):
    """Budget 1000; one task of planned cost 800 (BAC), half done: EV 400; 500 spent → CPI
    0.8, EAC = 800 ÷ 0.8 = 1000. Spent 500 ÷ 1000 = 50.0 % of the budget; the forecast is
    (1000 − 800) ÷ 800 = +25.0 % over the planned cost and (1000 − 1000) ÷ 1000 = 0.0 % of
    the approved budget (it had said "−50.000% vs budget" of AC against the whole budget)."""
    TaskFactory(project=project, planned_cost=D("800"), percent_complete=50)
    CostEntryFactory(project=project, amount=D("500"), incurred_on=timezone.localdate())
    html = browser_for(people["manager"]).get(f"/projects/{project.pk}/costs/").content.decode()
    assert 'data-testid="spent">spent 50.0 % of the budget<' in html
    assert (
        'data-testid="forecast">+25.0 % vs the planned cost (BAC) · 0.0 % vs the approved budget<'
        in html
    )
    assert "% vs budget" not in html


def test_the_budget_tab_makes_no_forecast_before_work_is_earned(people, project):
    TaskFactory(project=project, percent_complete=0)
    CostEntryFactory(project=project, amount=D("100"), incurred_on=timezone.localdate())
    html = browser_for(people["manager"]).get(f"/projects/{project.pk}/costs/").content.decode()
    assert "no forecast until work is earned and costs are recorded" in html
    assert 'data-testid="spent">spent 10.0 % of the budget<' in html
