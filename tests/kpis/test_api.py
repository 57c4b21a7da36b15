"""The KPI API: who may read and compute, definitions with latest values, series, CSV, runs."""

import csv
import io
from decimal import Decimal as D

import pytest

from kpis.actions import kpis_compute
from kpis.models import KpiRun
from tests.conftest import assert_status, client_for
from tests.kpis.conftest import DAY, NOW

pytestmark = pytest.mark.django_db

READERS = ["manager", "admin", "service_owner", "project_manager"]
NOT_READERS = ["requester", "agent"]


@pytest.fixture
def computed(desk):
    kpis_compute(as_of=DAY, backfill_days=2, now=NOW)
    return desk


@pytest.mark.parametrize(
    "role, expected",
    [*[(r, 200) for r in READERS], *[(r, 403) for r in NOT_READERS], ("anonymous", 401)],
)
def test_who_may_read_kpis(people, role, expected):
    assert_status(people[role], "GET", "/api/v1/kpis/", expected)
    assert_status(people[role], "GET", "/api/v1/kpis/mttr/series/", expected)


@pytest.mark.parametrize(
    "role, expected",
    [
        ("admin", 202),
        ("manager", 403),
        ("service_owner", 403),
        ("requester", 403),
        ("agent", 403),
        ("anonymous", 401),
    ],
)
def test_only_admins_start_a_run(people, role, expected):
    assert_status(people[role], "POST", "/api/v1/kpis/compute/", expected, data={})


def test_the_list_has_every_definition_with_targets_and_the_latest_value_per_scope(
    people, computed
):
    data = assert_status(people["manager"], "GET", "/api/v1/kpis/?period=day", 200).json()
    by_code = {k["code"]: k for k in data}
    assert {"mtta", "mttr", "csat", "availability", "spi", "milestones_missed"} <= set(by_code)
    mttr = by_code["mttr"]
    assert mttr["unit"] == "min" and mttr["direction"] == "lower"
    assert mttr["scopes"] == ["global", "service", "team", "priority"]
    latest = {v["scope"]: v for v in mttr["latest"]}
    # the newest day with a value is the 4th (the job ran as of the 4th)
    assert latest["global"]["period_start"] == "2026-03-04"
    assert D(latest["global"]["value"]) == D("280")
    assert latest["global"]["status"] == "on_target"


def test_the_lists_latest_values_equal_the_value_serializers(people, computed, settings):
    """The list builds its (many) latest values from plain rows; they are what the declared
    KpiValueSerializer gives for the same snapshots: decimals, dates, times in the current
    time zone, JSON figures, nulls."""
    from kpis.api.serializers import KpiValueSerializer
    from kpis.api.views import latest_values
    from kpis.models import KpiSnapshot
    from kpis.queries import latest_snapshots

    KpiSnapshot.objects.filter(code="mttr", scope="global").update(target=None)
    for zone in ("UTC", "America/New_York"):
        settings.TIME_ZONE = zone
        for period in ("day", "week", "month"):
            snapshots = latest_snapshots(period_kind=period)
            built = latest_values(snapshots)
            expected: dict = {}
            for snap in snapshots:
                expected.setdefault(snap.code, []).append(KpiValueSerializer(snap).data)
            assert built == expected and len(built) >= 5, (zone, period)


def test_the_list_keeps_one_kind_of_scope_on_request(people, computed):
    """`?scope_kind=global` answers every KPI with its global value only; an unknown kind is a
    400 naming the kinds."""
    manager = client_for(people["manager"])
    data = manager.get("/api/v1/kpis/?period=day&scope_kind=global").json()
    scopes = {v["scope"] for k in data for v in k["latest"]}
    assert scopes == {"global"}
    services = manager.get("/api/v1/kpis/?period=day&scope_kind=service").json()
    mttr = next(k for k in services if k["code"] == "mttr")
    assert mttr["latest"] and all(v["scope"].startswith("service:") for v in mttr["latest"])
    bad = assert_status(people["manager"], "GET", "/api/v1/kpis/?scope_kind=planet", 400).json()
    assert "scope_kind" in str(bad) and "project" in str(bad)


def test_a_series_per_scope_and_period(people, computed):
    a = computed["a"].pk
    url = f"/api/v1/kpis/mttr/series/?scope=service:{a}&period=day&start=2026-03-01&end=2026-03-10"
    data = assert_status(people["manager"], "GET", url, 200).json()
    assert data["scope"] == f"service:{a}" and data["unit"] == "min"
    assert [(p["period_start"], p["value"]) for p in data["points"]] == [("2026-03-04", "180.0000")]


def test_a_series_as_csv(people, computed):
    for url in [
        "/api/v1/kpis/incident_volume/series/?period=day&start=2026-03-02&end=2026-03-04&format=csv",
        "/api/v1/kpis/incident_volume/series.csv?period=day&start=2026-03-02&end=2026-03-04",
    ]:
        response = client_for(people["manager"]).get(url)
        assert response.status_code == 200, response.content
        assert response["Content-Type"].startswith("text/csv")
        assert "attachment" in response["Content-Disposition"]
        rows = list(csv.DictReader(io.StringIO(response.content.decode())))
        assert [(r["period_start"], r["value"]) for r in rows] == [
            ("2026-03-02", "0.0000"),
            ("2026-03-03", "1.0000"),
            ("2026-03-04", "3.0000"),
        ]


@pytest.mark.parametrize(
    "query",
    [
        "scope=galaxy",
        "scope=service:abc",
        "period=year",
        "start=2026-03-05&end=2026-03-01",
        "end=0001-01-01",  # the default start, 90 days before, overflowed (a 500)
        "period=month&end=0001-01-01",
        "start=9999-12-31&end=9999-12-31",
    ],
)
def test_bad_series_parameters_are_a_400_not_a_500(people, query):
    response = assert_status(people["manager"], "GET", f"/api/v1/kpis/mttr/series/?{query}", 400)
    assert response.json()["code"] == "invalid"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_options_of_a_series_in_a_file_format_describe_it_in_json(people, fmt):
    """OPTIONS describes the endpoint whatever format is asked (a 500 before)."""
    client = client_for(people["manager"])
    response = client.options(f"/api/v1/kpis/mttr/series/?format={fmt}")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    assert response.json()["name"]
    assert client.get(f"/api/v1/kpis/mttr/series/?format={fmt}").status_code == 200


def test_an_unknown_kpi_is_a_404(people):
    assert_status(people["manager"], "GET", "/api/v1/kpis/nope/series/", 404)


def test_compute_records_a_run_and_in_embedded_mode_it_is_done_on_return(people, desk):
    body = {"as_of": "2026-03-04", "codes": ["mtta", "backlog"], "backfill_days": 1}
    run = assert_status(people["admin"], "POST", "/api/v1/kpis/compute/", 202, data=body).json()
    assert run["status"] == "ok"
    assert run["per_kpi"] == {"backlog": "ok", "mtta": "ok"}
    detail = assert_status(people["admin"], "GET", f"/api/v1/kpi-runs/{run['id']}/", 200).json()
    assert detail["as_of"] == "2026-03-04" and detail["trigger"] == "api"
    assert detail["duration_seconds"] is not None
    assert KpiRun.objects.get().requested_by == people["admin"]


def test_compute_rejects_unknown_codes(people):
    assert_status(people["admin"], "POST", "/api/v1/kpis/compute/", 400, data={"codes": ["x"]})


@pytest.mark.django_db(transaction=True)  # the view is outside the request's transaction
@pytest.mark.parametrize("as_of", ["0001-01-01", "9999-12-31"])
def test_compute_as_of_a_day_no_one_may_name_is_a_400_and_starts_no_run(people, as_of):
    """Its periods overflowed (a 500)."""
    body = {"as_of": as_of, "backfill_days": 1}
    response = assert_status(people["admin"], "POST", "/api/v1/kpis/compute/", 400, data=body)
    assert "Give a day from 1900-01-01 to 9998-12-31." in response.json()["fields"]["as_of"]
    assert not KpiRun.objects.exists()


@pytest.mark.parametrize(
    "role, expected",
    [("admin", 200), ("manager", 200), ("service_owner", 403), ("requester", 403)],
)
def test_who_may_read_runs(people, desk, role, expected):
    run = kpis_compute(as_of=DAY, codes=["mtta"], now=NOW)
    assert_status(people[role], "GET", f"/api/v1/kpi-runs/{run.pk}/", expected)
    assert_status(people[role], "GET", "/api/v1/kpi-runs/", expected)


def test_admins_set_a_target_per_scope_and_values_are_rejudged(people, computed):
    body = {"scope": "global", "target": "200", "tolerance": "60"}
    assert_status(people["manager"], "PUT", "/api/v1/kpis/mttr/targets/", 403, data=body)
    assert_status(people["admin"], "PUT", "/api/v1/kpis/mttr/targets/", 200, data=body)
    url = "/api/v1/kpis/mttr/series/?period=day&start=2026-03-04&end=2026-03-04"
    point = assert_status(people["manager"], "GET", url, 200).json()["points"][0]
    assert point["status"] == "off_target" and D(point["target"]) == D("200")
    bad = {"scope": "planet:3", "target": "1", "tolerance": "0"}
    assert_status(people["admin"], "PUT", "/api/v1/kpis/mttr/targets/", 400, data=bad)


def test_the_schema_validates():
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


def test_series_downloads_as_a_spreadsheet(people, db):
    import io

    from openpyxl import load_workbook

    from tests.conftest import client_for

    response = client_for(people["manager"]).get("/api/v1/kpis/mttr/series/?format=xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="mttr-global.xlsx"'
    header = next(load_workbook(io.BytesIO(response.content)).active.values)
    assert header[0] == "code"
