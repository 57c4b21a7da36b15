"""An admin manages integrations' service tokens in the browser: from the API tokens tab to
Service tokens, create one (its key shown once, under the name given), see it listed by name
and role, revoke it."""

import pytest
from playwright.sync_api import expect

from core.models import ApiToken
from core.roles import Role
from tests.browser.conftest import login
from tests.core.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_creates_lists_and_revokes_a_service_token(page):
    UserFactory(username="admin", role=Role.ADMIN, is_staff=True)
    login(page, "admin")
    page.goto("/account/tokens/")
    page.get_by_role("link", name="Service tokens").click()
    expect(page).to_have_url("/account/service-tokens/")
    page.get_by_label("Name").fill("erp")
    page.get_by_label("Role").select_option("agent")
    page.get_by_role("button", name="Create service token").click()
    key = page.get_by_test_id("new-key").locator("code").inner_text()
    token = ApiToken.objects.get(name="erp")
    assert key.startswith(token.prefix) and len(key) == 40
    row = page.get_by_test_id("service-tokens").locator("tbody tr", has_text="svc-erp")
    expect(row).to_contain_text("erp")
    expect(row).to_contain_text("Service desk agent")
    expect(row).not_to_contain_text(key)
    page.reload()
    expect(page.get_by_test_id("new-key")).to_have_count(0)  # shown once

    row.get_by_role("button", name="Revoke erp").click()
    expect(row).to_contain_text("Revoked")
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_an_agent_has_no_service_tokens_tab(page):
    UserFactory(username="agent", role=Role.AGENT)
    login(page, "agent")
    page.goto("/account/tokens/")
    expect(page.get_by_role("link", name="API tokens")).to_be_visible()
    expect(page.get_by_role("link", name="Service tokens")).to_have_count(0)
