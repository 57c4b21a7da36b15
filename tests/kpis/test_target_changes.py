"""A target changed while a run computes, or deleted in the admin: the stored values are
judged against the targets as they are once it is done."""

import threading
from decimal import Decimal as D

import pytest
from django.conf import settings
from django.db import connection

from kpis.actions import kpi_target_set, kpis_compute
from kpis.models import KpiSnapshot, KpiTarget
from tests.conftest import browser_for
from tests.kpis.conftest import DAY, NOW, pause_in

pytestmark = pytest.mark.django_db
ADMIN = "/admin/kpis/kpitarget/"


def judged(code: str, scope: str = "global") -> tuple:
    """(target, status) of a KPI's stored value for the day."""
    snap = KpiSnapshot.objects.get(code=code, scope=scope, period_kind="day", period_start=DAY)
    return snap.target, snap.status


def test_a_target_set_during_a_run_is_not_overwritten_with_the_old_one(desk, monkeypatch):
    """MTTR of the 4th is 280 min, on target against the default 480 ± 240. A target of
    200 ± 60 set while the run computes an earlier KPI applies to MTTR's rows as the run
    writes them (it read the targets when it started)."""
    kpis_compute(as_of=DAY, codes=["mttr"], now=NOW)
    assert judged("mttr") == (D("480"), "on_target")
    pause_in(
        monkeypatch,
        "incident_volume",
        lambda: kpi_target_set(code="mttr", scope="global", target=D("200"), tolerance=D("60")),
    )
    kpis_compute(as_of=DAY, codes=["incident_volume", "mttr"], now=NOW)
    assert judged("mttr") == (D("200"), "off_target")


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not settings.IS_POSTGRES, reason="concurrent transactions (PostgreSQL)")
def test_a_target_set_while_its_kpi_computes_judges_the_rows_the_kpi_then_writes(desk, monkeypatch):
    """The run has read MTTR's targets and is computing it when an admin sets one: the
    target waits for the KPI's rows and judges them (else they keep the old target)."""
    computing, target_set = threading.Event(), threading.Event()

    def hold():
        computing.set()
        target_set.wait(timeout=1.5)  # the target cannot be set meanwhile: it waits

    pause_in(monkeypatch, "mttr", hold)

    def admin():
        try:
            computing.wait(timeout=30)
            kpi_target_set(code="mttr", scope="global", target=D("200"), tolerance=D("60"))
            target_set.set()
        finally:
            connection.close()

    thread = threading.Thread(target=admin)
    thread.start()
    kpis_compute(as_of=DAY, codes=["mttr"], now=NOW)
    thread.join(timeout=30)
    assert judged("mttr") == (D("200"), "off_target")
    assert judged("mttr", f"service:{desk['a'].pk}") == (D("200"), "on_target")  # 180 min


@pytest.fixture
def targeted(desk, people):
    """MTTR computed with a global target of 200 ± 60 (the 4th's 280 min is off target) and
    incident volume with a target of 1."""
    kpis_compute(as_of=DAY, codes=["mttr", "incident_volume"], now=NOW)
    kpi_target_set(code="mttr", scope="global", target=D("200"), tolerance=D("60"))
    kpi_target_set(code="incident_volume", scope="global", target=D("1"))
    assert judged("mttr") == (D("200"), "off_target")
    assert judged("incident_volume") == (D("1"), "off_target")
    return browser_for(people["admin"])


def test_deleting_a_target_in_the_admin_judges_the_values_against_the_default(targeted):
    target = KpiTarget.objects.get(code="mttr", scope="global")
    response = targeted.post(f"{ADMIN}{target.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not KpiTarget.objects.filter(code="mttr").exists()
    assert judged("mttr") == (D("480"), "on_target")


def test_deleting_targets_in_bulk_in_the_admin_judges_each_kpis_values_again(targeted):
    response = targeted.post(
        ADMIN,
        {
            "action": "delete_selected",
            "_selected_action": list(KpiTarget.objects.values_list("pk", flat=True)),
            "post": "yes",
        },
    )
    assert response.status_code == 302
    assert not KpiTarget.objects.exists()
    assert judged("mttr") == (D("480"), "on_target")
    assert judged("incident_volume") == (None, "no_target")


def test_changing_a_target_in_the_admin_changes_that_target_not_a_new_one(targeted, people):
    """A target's identity is its KPI and scope: the change form shows them read-only, so a
    code or scope posted anyway moves nothing and adds no row; the target and tolerance
    change through kpi_target_set (who and when, the values judged again)."""
    target = KpiTarget.objects.get(code="mttr", scope="global")
    page = targeted.get(f"{ADMIN}{target.pk}/change/").content.decode()
    assert 'name="code"' not in page and 'name="scope"' not in page
    assert 'name="target"' in page
    before = KpiTarget.objects.count()

    response = targeted.post(
        f"{ADMIN}{target.pk}/change/",
        {"code": "incident_volume", "scope": "service:1", "target": "300", "tolerance": "10"},
    )

    assert response.status_code == 302, response.content
    assert KpiTarget.objects.count() == before
    target.refresh_from_db()
    assert (target.code, target.scope) == ("mttr", "global")
    assert (target.target, target.tolerance) == (D("300"), D("10"))
    assert target.updated_by == people["admin"]
    assert KpiTarget.objects.get(code="incident_volume", scope="global").target == D("1")
    assert judged("mttr") == (D("300"), "on_target")


@pytest.mark.parametrize(
    "code, scope, error",
    [
        ("no_such_kpi", "global", "No KPI has this code."),
        ("mttr", "service:x", "A scope is global, or a kind and a number (service:3)."),
        ("mttr", "global", "Kpi target with this Code and Scope already exists."),
    ],
)
def test_adding_a_target_in_the_admin_refuses_a_bad_code_or_scope_on_the_form(
    targeted, code, scope, error
):
    before = list(KpiTarget.objects.values_list("pk", "code", "scope", "target"))
    response = targeted.post(
        f"{ADMIN}add/", {"code": code, "scope": scope, "target": "5", "tolerance": "0"}
    )
    assert response.status_code == 200
    assert error in response.content.decode()
    assert list(KpiTarget.objects.values_list("pk", "code", "scope", "target")) == before


def test_adding_a_target_in_the_admin_sets_it_through_the_action(targeted, people):
    team = f"team:{people['team'].pk}"
    response = targeted.post(
        f"{ADMIN}add/",
        {"code": "mttr", "scope": team, "target": "100", "tolerance": "0"},
    )
    assert response.status_code == 302, response.content
    added = KpiTarget.objects.get(code="mttr", scope=team)
    assert added.updated_by == people["admin"]
