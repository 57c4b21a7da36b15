"""An admin setting a KPI target in the Django admin, in Chromium: a target that could mean
nothing is refused beside its field, in the words the API uses, and nothing is saved."""

import pytest
from playwright.sync_api import expect

from kpis.models import KpiTarget
from tests.core.factories import AdminFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_sees_why_a_csat_target_is_refused_and_then_sets_a_sensible_one(page):
    AdminFactory(username="boss", is_staff=True, is_superuser=True)
    page.goto("/admin/login/?next=/admin/kpis/kpitarget/add/")
    page.fill("#id_username", "boss")
    page.fill("#id_password", "demo")
    page.click("input[type=submit]")
    page.wait_for_url("**/kpitarget/add/")

    page.fill("#id_code", "csat")
    page.fill("#id_scope", "project:1")
    page.fill("#id_target", "-5")
    page.click("input[name=_save]")

    expect(page.locator(".field-scope .errorlist")).to_contain_text(
        "Customer satisfaction is not measured per project"
    )
    expect(page.locator(".field-target .errorlist")).to_contain_text(
        "give a target from 0 to 100 (not -5)"
    )
    assert not KpiTarget.objects.exists()

    page.fill("#id_scope", "global")
    page.fill("#id_target", "90")
    page.click("input[name=_save]")
    page.wait_for_url("**/admin/kpis/kpitarget/")
    assert KpiTarget.objects.get(code="csat", scope="global").target == 90
    assert page.js_errors == []
