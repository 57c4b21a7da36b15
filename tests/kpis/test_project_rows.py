"""The project KPIs' rows written by PostgreSQL (kpis/project_rows.py) equal the Python
definitions' (kpis/definitions/projects.py, which SQLite runs), row for row."""

import datetime
from decimal import Decimal as D

import pytest
from django.db import connection
from django.utils import timezone

from core.models import WebhookDelivery, WebhookEndpoint
from kpis import project_rows
from kpis.actions import kpi_target_set, kpis_compute
from kpis.models import KpiSnapshot
from tests.kpis.conftest import DAY, NOW
from tests.kpis.test_project_kpis import portfolio  # noqa: F401 (the hand-worked fixture)
from tests.projects.factories import CostEntryFactory, ProjectFactory, TaskFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="SQLite computes these rows in Python"
    ),
]
d = datetime.date
CODES = sorted(project_rows.EXPRESSIONS)


def stored() -> dict:
    return {
        (r.code, r.scope, r.period_kind, r.period_start): (
            r.period_end,
            r.value,
            r.target,
            r.status,
            r.extra,
        )
        for r in KpiSnapshot.objects.filter(code__in=CODES)
    }


def run_both_ways(monkeypatch, **kwargs) -> tuple[dict, dict]:
    """(rows the SQL writes, rows the Python definitions write) for the same run."""
    kpis_compute(codes=CODES, **kwargs)
    by_sql = stored()
    KpiSnapshot.objects.filter(code__in=CODES).delete()
    with monkeypatch.context() as patch:
        patch.setattr(project_rows, "writes", lambda code: False)
        kpis_compute(codes=CODES, **kwargs)
    return by_sql, stored()


def test_every_row_equals_the_python_definitions(portfolio, monkeypatch):  # noqa: F811
    """Ten days of day, week and month periods around the hand-worked portfolio, with a
    project of its own target (on target by it, off target by the default) and an awkward
    quotient: EV 1,000 ÷ PV 3,000 ÷ 7 × … rounds as Python's 28 digits do."""
    from projects.models import Project

    p = Project.objects.get(code="P")
    kpi_target_set(code="spi", scope=f"project:{p.pk}", target=D("1.3"), tolerance=D("0.1"))
    odd = ProjectFactory(code="ODD", phase="execution", budget=D("7000"))
    TaskFactory(
        project=odd,
        planned_start=d(2026, 2, 20),
        planned_finish=d(2026, 3, 14),
        planned_cost=D("6797.78"),
        percent_complete=37,
    )
    CostEntryFactory(project=odd, amount=D("2222.22"), incurred_on=d(2026, 3, 1))
    by_sql, by_python = run_both_ways(monkeypatch, as_of=DAY, backfill_days=9, now=NOW)
    assert by_sql == by_python
    # …and they are the hand-worked figures.
    day = ("spi", "global", "day", DAY)
    assert by_sql[("spi", f"project:{p.pk}", "day", DAY)][1:4] == (
        D("1.250"),
        D("1.3"),
        "at_risk",
    )
    assert by_sql[day][4]["projects"] == 3
    assert len({k[1] for k in by_sql}) == 4  # global, P, Q, ODD


def test_a_portfolio_in_two_currencies_has_no_money_total(portfolio, monkeypatch):  # noqa: F811
    usd = ProjectFactory(code="USD", phase="execution", currency="USD")
    TaskFactory(project=usd, planned_start=d(2026, 3, 1), planned_finish=d(2026, 3, 2))
    by_sql, by_python = run_both_ways(monkeypatch, as_of=DAY, now=NOW)
    assert by_sql == by_python
    value, extra = by_sql[("cpi", "global", "day", DAY)][1::3]
    assert value is None and extra == {"reason": "projects in more than one currency"}
    assert by_sql[("milestones_missed", "global", "day", DAY)][1] == D("50.00")


def test_a_rerun_rewrites_changed_rows_and_removes_gone_ones(portfolio):  # noqa: F811
    """A cost booked on 4 March changes P's cost figures from that day on; Q is cancelled, so
    its rows go; the rest keeps the run that wrote it. The run's scratch table is gone."""
    from projects.models import Project

    first = kpis_compute(codes=CODES, as_of=DAY, backfill_days=3, now=NOW)
    p, q = Project.objects.get(code="P"), Project.objects.get(code="Q")
    CostEntryFactory(project=p, amount=D("50"), incurred_on=DAY)
    Project.objects.filter(pk=q.pk).update(phase="cancelled")
    second = kpis_compute(codes=CODES, as_of=DAY, backfill_days=3, now=NOW)
    rows = KpiSnapshot.objects.filter(code="cost_variance", period_kind="day")
    by_run = {(r.scope, r.period_start): r.run_id for r in rows}
    assert by_run[(f"project:{p.pk}", DAY)] == second.pk
    assert by_run[(f"project:{p.pk}", DAY - datetime.timedelta(days=1))] == first.pk
    assert rows.get(scope=f"project:{p.pk}", period_start=DAY).value == D("150.00")
    assert not KpiSnapshot.objects.filter(scope=f"project:{q.pk}").exists()
    assert second.rows_written < first.rows_written
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [f"pg_temp.{project_rows.TABLE}"])
        assert cursor.fetchone()[0] is None


def test_a_project_going_off_target_today_raises_one_alarm(
    portfolio,  # noqa: F811
    settings,
    django_capture_on_commit_callbacks,
):
    settings.WEBHOOKS_INLINE = True
    WebhookEndpoint.objects.create(
        name="pmo", url="http://127.0.0.1:9/", secret="x" * 32, events=["kpi.off_target"]
    )
    from projects.models import Project

    q = Project.objects.get(code="Q")
    today = timezone.localdate()
    TaskFactory(
        project=q,
        planned_start=today - datetime.timedelta(days=10),
        planned_finish=today - datetime.timedelta(days=1),
        planned_cost=D("5000"),
        percent_complete=10,
    )
    with django_capture_on_commit_callbacks(execute=True):
        kpis_compute(codes=["spi"])
    alarms = {
        (x.payload["data"]["scope"], x.payload["data"]["period"])
        for x in WebhookDelivery.objects.all()
    }
    assert (f"project:{q.pk}", "day") in alarms
    count = WebhookDelivery.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        kpis_compute(codes=["spi"])
    assert WebhookDelivery.objects.count() == count  # still off target: no new alarm


def test_changed_inputs_with_the_same_figures_keep_when_they_were_written(portfolio):  # noqa: F811
    """P's budget grows: no project KPI's figures derive from it (the budget deviation compares
    the forecast with the planned cost), so its rows take the new inputs but still name the
    run that wrote their figures. A cost of 50 booked on the day then moves AC to 350: cost
    variance 500 − 350 = 150 and budget deviation (350 − 500) ÷ 500 = −30.00 % are written
    by that run."""
    from projects.models import Project

    first = kpis_compute(codes=CODES, as_of=DAY, now=NOW)
    p = Project.objects.get(code="P")
    Project.objects.filter(pk=p.pk).update(budget=D("20000"))
    later = NOW + datetime.timedelta(hours=1)
    kpis_compute(codes=CODES, as_of=DAY, now=later)

    def rows() -> dict:
        day = KpiSnapshot.objects.filter(scope=f"project:{p.pk}", period_kind="day")
        return {r.code: r for r in day.filter(period_start=DAY)}

    row = rows()
    for code in ("cost_variance", "budget_deviation"):
        assert (row[code].run_id, row[code].computed_at) == (first.pk, NOW), code
    assert (row["cost_variance"].value, row["budget_deviation"].value) == (
        D("200.00"),
        D("-40.00"),
    )
    CostEntryFactory(project=p, amount=D("50"), incurred_on=DAY)
    third = kpis_compute(codes=CODES, as_of=DAY, now=later)
    row = rows()
    for code in ("cost_variance", "budget_deviation"):
        assert (row[code].run_id, row[code].computed_at) == (third.pk, later), code
    assert (row["cost_variance"].value, row["budget_deviation"].value) == (
        D("150.00"),
        D("-30.00"),
    )
    assert row["budget_deviation"].extra == {"currency": "EUR", "ev": "500.00", "ac": "350.00"}


def test_a_new_global_target_rejudges_every_project_without_its_own(portfolio):  # noqa: F811
    """The rows are judged again when the fallback target moves, even though no project
    figure changed (the target is one of a row's inputs)."""
    from projects.models import Project

    kpis_compute(codes=["spi"], as_of=DAY, now=NOW)
    q = Project.objects.get(code="Q")
    rows = KpiSnapshot.objects.filter(code="spi", scope=f"project:{q.pk}", period_kind="day")
    assert rows.get(period_start=DAY).status == "on_target"  # 1.000 against 0.95
    from kpis.models import KpiTarget

    KpiTarget.objects.create(code="spi", scope="global", target=D("1.2"), tolerance=D("0.1"))
    kpis_compute(codes=["spi"], as_of=DAY, now=NOW)
    assert rows.get(period_start=DAY).status == "off_target"  # below 1.1
    assert rows.get(period_start=DAY).target == D("1.2")
