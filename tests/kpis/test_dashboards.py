"""The managers' pages: tiles, trends, filters, cards and drill-down, in a pinned query count."""

import datetime
import json
import re
from decimal import Decimal as D

import pytest
from django.test import Client

from core.kept import shared_cache
from kpis import service_table
from kpis.actions import kpis_compute
from tests.kpis.conftest import DAY, NOW
from tests.projects.factories import ProjectFactory, TaskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def today_data(desk):
    """The desk set computed as of 4 March 2026, plus a project; pages are asked for that date
    (`?date=2026-03-04`), so what they show does not depend on today."""
    project = ProjectFactory(code="P", phase="execution")
    TaskFactory(
        project=project,
        planned_start=datetime.date(2026, 3, 1),
        planned_finish=datetime.date(2026, 3, 10),
        percent_complete=40,
    )
    kpis_compute(as_of=DAY, backfill_days=14, now=NOW)
    desk["project"] = project
    return desk


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(user, url):
    return logged_in(user).get(url)


@pytest.mark.parametrize(
    "role, expected",
    [("manager", 200), ("admin", 200), ("service_owner", 200), ("requester", 403), ("agent", 403)],
)
def test_who_sees_the_dashboards(people, role, expected):
    assert page(people[role], "/dashboards/").status_code == expected
    assert page(people[role], "/dashboards/portfolio/").status_code == expected


def test_anonymous_users_are_sent_to_log_in(db):
    response = Client().get("/dashboards/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_service_dashboard_shows_tiles_trends_and_the_services_in_few_queries(
    people, today_data, django_assert_max_num_queries
):
    manager = logged_in(people["manager"])
    with django_assert_max_num_queries(12):
        response = manager.get("/dashboards/?period=day&date=2026-03-04")
    html = response.content.decode()
    assert response.status_code == 200
    for name in ["Mean time to resolve", "Backlog", "First-contact resolution", "Availability"]:
        assert name in html
    assert 'data-testid="drill-mttr"' in html
    data = json.loads(
        re.search(r'id="kpi-data" type="application/json">(.*?)</script>', html, re.S).group(1)
    )
    assert data["labels"] and any(c["datasets"] for c in data["charts"])
    assert "<script>" not in html.replace('<script id="kpi-data"', "")  # CSP: no inline code


def test_the_dashboard_query_count_does_not_grow_with_services(
    people, today_data, django_assert_max_num_queries
):
    manager = logged_in(people["manager"])
    from tests.servicedesk.factories import ServiceFactory

    for n in range(15):
        ServiceFactory(name=f"Extra {n}")
    kpis_compute(as_of=DAY, codes=["incident_volume"], now=NOW)
    with django_assert_max_num_queries(12):
        manager.get("/dashboards/?period=week&date=2026-03-04")


def test_filters_by_service_and_team_scope_the_tiles(people, today_data):
    a, t1 = today_data["a"], today_data["t1"]
    html = page(
        people["manager"], f"/dashboards/?service={a.pk}&period=day&date=2026-03-04"
    ).content.decode()
    assert "Service management · A" in html
    assert f"scope=service%3A{a.pk}" in html
    html = page(
        people["manager"], f"/dashboards/?team={t1.pk}&period=day&date=2026-03-04"
    ).content.decode()
    assert "team T1" in html
    assert "not measured per team" in html  # e.g. availability has no team scope


@pytest.mark.parametrize("query", ["service=²", "team=²", "service=abc", "team=٣"])
def test_a_scope_that_is_no_id_shows_all_services(people, today_data, query):
    """The digit "²" passes isdigit() but not int() (a 500 before): no scope, as "abc"."""
    response = page(people["manager"], f"/dashboards/?{query}&period=day&date=2026-03-04")
    assert response.status_code == 200
    assert "<h1>Service management</h1>" in response.content.decode()


def test_the_portfolio_dashboard_and_cards_render_in_few_queries(
    people, today_data, django_assert_max_num_queries
):
    manager = logged_in(people["manager"])
    with django_assert_max_num_queries(12):
        response = manager.get("/dashboards/portfolio/?period=month&date=2026-03-04")
    html = response.content.decode()
    assert "Schedule performance index" in html and 'id="kpi-scatter"' in html
    project = today_data["project"]
    with django_assert_max_num_queries(10):
        assert manager.get(f"/dashboards/projects/{project.pk}/").status_code == 200
    with django_assert_max_num_queries(10):
        response = manager.get(f"/dashboards/services/{today_data['a'].pk}/")
    assert response.status_code == 200


def test_the_portfolio_pages_its_table_and_charts_the_largest_deviations(people, db):
    """60 projects: the table shows 50, then the next 10; the scatter plots all 60 (each
    point opens the project's card); the deviation chart the 20 largest, largest first."""
    from kpis.models import KpiSnapshot

    projects = [ProjectFactory(code=f"P{i:02d}", phase="execution") for i in range(60)]
    month = datetime.date(2026, 3, 1)
    KpiSnapshot.objects.bulk_create(
        KpiSnapshot(
            code=code,
            scope=f"project:{p.pk}",
            period_kind="month",
            period_start=month,
            period_end=datetime.date(2026, 3, 31),
            value=value,
        )
        for i, p in enumerate(projects)
        for code, value in [("spi", D("0.9")), ("cpi", D("1.1")), ("budget_deviation", D(i - 30))]
    )
    manager = logged_in(people["manager"])
    html = manager.get("/dashboards/portfolio/?period=month&date=2026-03-04").content.decode()
    table = html[html.index('data-testid="project-table"') :]
    assert [f"P{i:02d}" for i in range(50)] == re.findall(r"<strong>(P\d\d)</strong>", table)
    data = json.loads(
        re.search(r'id="kpi-data" type="application/json">(.*?)</script>', html, re.S).group(1)
    )
    assert len(data["scatter"]) == 60
    assert data["scatter"][7]["url"] == f"/dashboards/projects/{projects[7].pk}/"
    assert manager.get(data["scatter"][7]["url"]).status_code == 200
    deviation = [bar["value"] for bar in data["deviation"]]
    assert deviation[:3] == [-30.0, -29.0, 29.0] and len(deviation) == 20
    assert "The 20 projects furthest from their budget" in html
    assert "furthest from plan, of" not in html  # every project plotted
    next_url = re.search(r'<a class="btn secondary" href="([^"]+)">Next</a>', table).group(1)
    second = manager.get(next_url.replace("&amp;", "&")).content.decode()
    rest = second[second.index('data-testid="project-table"') :]
    assert re.findall(r"<strong>(P\d\d)</strong>", rest) == [f"P{i:02d}" for i in range(50, 60)]
    assert "period=month" in next_url and ">Previous</a>" in rest


def test_the_portfolio_scatter_plots_the_projects_furthest_from_plan(people, db, monkeypatch):
    """With more projects than the scatter plots (here 8 of 12), it keeps those furthest from
    SPI = CPI = 1, in code order, and says so."""
    from kpis import views
    from kpis.models import KpiSnapshot

    monkeypatch.setattr(views, "SCATTER_POINTS", 8)
    projects = [ProjectFactory(code=f"P{i:02d}", phase="execution") for i in range(12)]
    # P00…P11: SPI 1.00, 0.95, …, 0.45 (further each time) but P03 and P07 right on plan.
    spi = {p.pk: D(1) if i in (3, 7) else D(100 - 5 * i) / 100 for i, p in enumerate(projects)}
    KpiSnapshot.objects.bulk_create(
        KpiSnapshot(
            code=code, scope=f"project:{pk}", period_kind="month",
            period_start=datetime.date(2026, 3, 1), period_end=datetime.date(2026, 3, 31),
            value=value,
        )
        for pk, value in spi.items()
        for code, value in [("spi", value), ("cpi", D(1))]
    )  # fmt: skip
    html = logged_in(people["manager"]).get("/dashboards/portfolio/?period=month&date=2026-03-04")
    html = html.content.decode()
    data = json.loads(
        re.search(r'id="kpi-data" type="application/json">(.*?)</script>', html, re.S).group(1)
    )
    assert [point["label"] for point in data["scatter"]] == [
        "P02", "P04", "P05", "P06", "P08", "P09", "P10", "P11"
    ]  # fmt: skip
    assert "The 8 projects furthest from plan, of 12." in html


def test_drilling_down_from_mttr_lists_the_incidents_behind_it(
    people, today_data, django_assert_max_num_queries
):
    manager = logged_in(people["manager"])
    html = page(people["manager"], "/dashboards/?period=day&date=2026-03-04").content.decode()
    link = re.search(r'href="([^"]+)" data-testid="drill-mttr"', html).group(1)
    link = link.replace("&amp;", "&")
    with django_assert_max_num_queries(10):
        response = manager.get(link)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<strong>3</strong> incidents resolved in the period" in html
    # The figure is a run's; the list is live: the page says when the figure was computed.
    assert 'data-testid="computed-at"' in html
    for incident in today_data["i"][:3]:
        assert incident.number in html
    assert today_data["i"][3].number not in html


def test_each_cell_of_the_service_table_drills_down_to_its_own_records(people, today_data):
    """The service table links every value to the records behind it, for that service."""
    manager = logged_in(people["manager"])
    html = page(people["manager"], "/dashboards/?period=day&date=2026-03-04").content.decode()
    service = today_data["a"]
    links = re.findall(r'href="(/dashboards/records/\?[^"]+)"', html)
    own = [link.replace("&amp;", "&") for link in links if f"scope=service%3A{service.pk}&" in link]
    assert any("kpi=mttr" in link for link in own), links[:5]
    link = next(link for link in own if "kpi=mttr" in link)
    response = manager.get(link)
    assert response.status_code == 200
    assert "<strong>2</strong> incidents resolved in the period" in response.content.decode()


def _service_row(html: str, service) -> str:
    row = re.search(
        rf'<tr>\s*<td><a href="/dashboards/services/{service.pk}/[^"]*">[^<]*</a></td>(.*?)</tr>',
        html,
        re.S,
    )
    return row.group(1) if row else ""


@pytest.mark.skipif(not shared_cache(), reason="tables are kept only with a shared cache")
def test_the_service_table_is_kept_until_a_kpi_run_a_target_or_a_service_changes(
    people, today_data, django_assert_num_queries
):
    """Kept per worker: a second view does not read the period's snapshots again; each thing
    the table shows makes the next view read and draw it afresh."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kpis.actions import kpi_target_set
    from kpis.models import KpiSnapshot

    url = "/dashboards/?period=day&date=2026-03-04"
    manager, service = logged_in(people["manager"]), today_data["a"]

    def view():
        with CaptureQueriesContext(connection) as seen:
            html = manager.get(url).content.decode()
        table_reads = [q for q in seen.captured_queries if "kpis_kpisnapshot" in q["sql"]
                       and "LIKE" in q["sql"]]  # fmt: skip
        return html, len(table_reads)

    first, reads = view()
    assert reads == 1 and _service_row(first, service)
    again, reads = view()
    assert reads == 0 and _service_row(again, service) == _service_row(first, service)

    # A KPI run (here recomputing one KPI after a new incident) shows at once.
    kpis_compute(as_of=DAY, codes=["incident_volume"], now=NOW)
    _, reads = view()
    assert reads == 1

    # A target change re-judges the stored values: the statuses drawn change with it.
    before, _ = view()
    kpi_target_set(code="mttr", scope="global", target=D("0.001"))
    html, reads = view()
    assert reads == 1
    snap = KpiSnapshot.objects.get(
        code="mttr", scope=f"service:{service.pk}", period_kind="day", period_start=DAY
    )
    assert snap.status == "off_target"
    assert 'kpi-dot bad"' in _service_row(html, service)
    assert _service_row(html, service) != _service_row(before, service)

    # A renamed service shows under its new name at once.
    service.name = "Renamed payroll"
    service.save()
    html, _ = view()
    assert "Renamed payroll" in html


@pytest.mark.parametrize("period", ["day", "week", "month"])
@pytest.mark.parametrize("where", ["/dashboards/", "/dashboards/portfolio/", "service card"])
@pytest.mark.parametrize("date", ["0001-01-01", "1899-12-31", "garbage"])
def test_a_date_no_one_may_name_shows_today(people, db, where, period, date):
    """As for a date that is none: today's periods (0001-01-01's trend overflowed, a 500)."""
    from django.utils import timezone

    from tests.servicedesk.factories import ServiceFactory

    if where == "service card":
        where = f"/dashboards/services/{ServiceFactory().pk}/"
    response = page(people["manager"], f"{where}?period={period}&date={date}")
    assert response.status_code == 200
    today = timezone.localdate().isoformat()
    assert f'name="date" value="{today}"' in response.content.decode()


def test_a_drill_down_with_bad_parameters_is_a_404(people, db):
    for query in [
        "kpi=nope&scope=global&period=day&start=2026-03-04",
        "kpi=mttr&scope=x:1&period=day&start=2026-03-04",
        "kpi=mttr&scope=service:%D9%A3&period=day&start=2026-03-04",  # "٣": no id
        "kpi=mttr&scope=global&period=day&start=yesterday",
        "kpi=mttr&scope=global&period=day&start=9999-12-31",  # its period overflowed (a 500)
        "kpi=mttr&scope=global&period=month&start=0001-01-01",
    ]:
        assert page(people["manager"], f"/dashboards/records/?{query}").status_code == 404


def test_a_project_kpi_drills_down_to_the_project(people, today_data):
    project = today_data["project"]
    url = f"/dashboards/records/?kpi=spi&scope=project:{project.pk}&period=day&start=2026-03-04"
    response = page(people["manager"], url)
    assert response.status_code == 302 and f"/projects/{project.pk}/" in response["Location"]


@pytest.mark.parametrize(
    ("next_url", "lands"),
    [
        ("/dashboards/portfolio/?period=month", "/dashboards/portfolio/?period=month"),
        ("/\\evil.example/phish", "/dashboards/"),  # browsers read it as //evil.example
        ("//evil.example/phish", "/dashboards/"),
        ("https://evil.example/phish", "/dashboards/"),
        ("not a page", "/dashboards/"),
    ],
)
def test_compute_now_goes_back_only_to_a_page_of_this_site(people, db, next_url, lands):
    client = logged_in(people["admin"])
    response = client.post("/dashboards/compute/", {"next": next_url})
    assert response.status_code == 302 and response["Location"] == lands


def test_admins_recompute_from_the_dashboard(people, desk, django_capture_on_commit_callbacks):
    client = Client()
    client.force_login(people["admin"])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post("/dashboards/compute/", {"next": "/dashboards/?period=day"})
    # The task is sent once the run row is committed (the others stamp the kept table).
    sent = [c for c in callbacks if getattr(c, "__self__", None) is not service_table.KEPT]
    assert len(sent) == 1
    assert response.status_code == 302 and response["Location"] == "/dashboards/?period=day"
    from kpis.models import KpiRun

    assert KpiRun.objects.get().status == "ok"
    client.force_login(people["manager"])
    assert client.post("/dashboards/compute/").status_code == 403


def test_the_availability_drill_down_lists_the_outages_behind_the_figure(people, desk):
    """Downtime with no incident linked still shows: the outages overlapping the period, for
    the scope, planned and unplanned, with their incident where there is one."""
    from servicedesk.models import Outage

    service, other = desk["a"], desk["b"]
    day = datetime.datetime(2026, 3, 4, tzinfo=datetime.UTC)
    crash = Outage.objects.create(
        service=service,
        started_at=day + datetime.timedelta(hours=10),
        ended_at=day + datetime.timedelta(hours=11, minutes=30),
        description="Concentrator crashed",
    )
    Outage.objects.create(
        service=service,
        kind="planned",
        started_at=day + datetime.timedelta(hours=2),
        ended_at=day + datetime.timedelta(hours=3),
        description="Firmware upgrade",
    )
    Outage.objects.create(
        service=other,
        started_at=day + datetime.timedelta(hours=5),
        ended_at=day + datetime.timedelta(hours=6),
        description="Someone else's",
    )
    Outage.objects.create(  # the day before: not in the period
        service=service,
        started_at=day - datetime.timedelta(hours=5),
        ended_at=day - datetime.timedelta(hours=4),
        description="Yesterday's",
    )
    url = (
        f"/dashboards/records/?kpi=availability&scope=service:{service.pk}"
        "&period=day&start=2026-03-04"
    )
    html = page(people["manager"], url).content.decode()
    assert "<strong>2</strong> outages in the period; <strong>0</strong> incidents" in html
    assert "Concentrator crashed" in html and "Firmware upgrade" in html
    assert "Someone else" not in html and "Yesterday" not in html
    assert html.index("Concentrator crashed") < html.index("Firmware upgrade")  # newest first
    assert "1 h 30 min" in html and crash.service.name in html
    everywhere = url.replace(f"service:{service.pk}", "global")
    assert "Someone else" in page(people["manager"], everywhere).content.decode()
