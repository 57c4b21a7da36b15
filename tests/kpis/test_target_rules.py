"""A KPI target means something or is refused: a scope the KPI is measured for, a member that
exists, a value (and tolerance) its unit can hold. One rule (kpis.actions.kpi_target_refusals)
speaks for the API and the Django admin alike."""

from decimal import Decimal as D

import pytest

from kpis import registry
from kpis.models import KpiSnapshot, KpiTarget
from tests.conftest import assert_status, browser_for
from tests.core.factories import TeamFactory
from tests.servicedesk.factories import ServiceFactory

pytestmark = pytest.mark.django_db
ADMIN = "/admin/kpis/kpitarget/"


def put(people, code, body, expected):
    return assert_status(people["admin"], "PUT", f"/api/v1/kpis/{code}/targets/", expected, body)


@pytest.fixture
def judged_csat(people):
    """A CSAT value stored for today, judged against the default target (85 ± 5)."""
    import datetime

    day = datetime.date.today()
    return KpiSnapshot.objects.create(
        code="csat",
        scope="global",
        period_kind="day",
        period_start=day,
        period_end=day,
        value=D("60"),
        target=D("85"),
        status="off_target",
    )


@pytest.mark.parametrize(
    "body, field, words",
    [
        ({"scope": "project:1", "target": 80}, "scope", "not measured per project"),
        ({"scope": "priority:1", "target": 80}, "scope", "not measured per priority"),
        ({"scope": "service:99999", "target": 80}, "scope", "No service has the id 99999"),
        ({"scope": "team:99999", "target": 80}, "scope", "No team has the id 99999"),
        ({"scope": "planet:3", "target": 80}, "scope", "A scope is global"),
        ({"scope": "global", "target": -5}, "target", "from 0 to 100"),
        ({"scope": "global", "target": "100.5"}, "target", "from 0 to 100"),
        ({"scope": "global", "target": 80, "tolerance": 101}, "tolerance", "at most 100"),
        ({"scope": "global", "target": 80, "tolerance": -1}, "tolerance", "cannot be negative"),
    ],
)
def test_a_meaningless_csat_target_is_a_400_naming_the_field_and_nothing_changes(
    people, judged_csat, body, field, words
):
    response = put(people, "csat", body, 400).json()
    assert field in response["fields"], response
    assert words in " ".join(response["fields"][field]), response
    assert not KpiTarget.objects.exists()
    judged_csat.refresh_from_db()
    assert (judged_csat.target, judged_csat.status) == (D("85"), "off_target")  # not re-judged


@pytest.mark.parametrize(
    "code, body, words",
    [
        ("mttr", {"scope": "global", "target": -1}, "0 or more"),
        ("incident_volume", {"scope": "global", "target": "-0.5"}, "0 or more"),
        ("tco", {"scope": "global", "target": -100}, "0 or more"),
        ("spi", {"scope": "global", "target": "-0.1"}, "0 or more"),
        ("milestones_missed", {"scope": "global", "target": 120}, "from 0 to 100"),
        ("incident_reduction", {"scope": "global", "target": 101}, "100 at most"),
        ("budget_deviation", {"scope": "global", "target": -101}, "-100 or more"),
    ],
)
def test_each_unit_has_its_range(people, code, body, words):
    response = put(people, code, body, 400).json()
    assert words in " ".join(response["fields"]["target"]), response
    assert not KpiTarget.objects.exists()


@pytest.mark.parametrize(
    "code, target",
    [
        ("schedule_variance", "-5000"),  # a variance: behind schedule by at most 5,000
        ("cost_variance", "-250.50"),
        ("incident_reduction", "-10"),  # at most 10 % more incidents than before
        ("budget_deviation", "-5"),
        ("csat", "0"),
        ("csat", "100"),
    ],
)
def test_a_target_a_kpi_can_mean_is_set(people, code, target):
    put(people, code, {"scope": "global", "target": target}, 200)
    assert KpiTarget.objects.get(code=code, scope="global").target == D(target)


def test_a_target_for_a_member_that_exists_is_set(people):
    team, service = TeamFactory(name="Ops"), ServiceFactory(name="Mail")
    put(people, "csat", {"scope": f"team:{team.pk}", "target": 95}, 200)
    put(people, "csat", {"scope": f"service:{service.pk}", "target": "90", "tolerance": "5"}, 200)
    put(people, "mttr", {"scope": "priority:1", "target": 120}, 200)
    response = put(people, "mttr", {"scope": "priority:9", "target": 120}, 400).json()
    assert "priority" in " ".join(response["fields"]["scope"])
    assert KpiTarget.objects.count() == 3


def test_every_kpi_has_a_range_its_default_target_and_tolerance_fit_in():
    for definition in registry.definitions():
        low, high = definition.target_range
        assert definition.target_refusals(definition.default_target, definition.tolerance) == {}
        if low is not None and high is not None:
            assert low < high, definition.code


@pytest.mark.parametrize(
    "post, words",
    [
        ({"code": "csat", "scope": "project:1", "target": "80"}, "not measured per project"),
        ({"code": "csat", "scope": "service:99999", "target": "80"}, "No service has the id"),
        ({"code": "csat", "scope": "global", "target": "-5"}, "from 0 to 100"),
        ({"code": "csat", "scope": "global", "target": "80", "tolerance": "150"}, "at most 100"),
    ],
)
def test_the_admin_refuses_the_same_targets_beside_the_field(people, post, words):
    admin = browser_for(people["admin"])
    response = admin.post(f"{ADMIN}add/", {"tolerance": "0", **post})
    assert response.status_code == 200
    assert words in response.content.decode()
    assert not KpiTarget.objects.exists()


def test_the_admin_refuses_an_out_of_range_change_of_a_target(people):
    put(people, "csat", {"scope": "global", "target": 90}, 200)
    target = KpiTarget.objects.get()
    admin = browser_for(people["admin"])
    response = admin.post(f"{ADMIN}{target.pk}/change/", {"target": "-5", "tolerance": "0"})
    assert response.status_code == 200
    assert "from 0 to 100" in response.content.decode()
    target.refresh_from_db()
    assert target.target == D("90")
