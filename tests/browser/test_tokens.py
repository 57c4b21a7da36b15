import pytest
from django.core.management import call_command

from core.models import ApiToken
from tests.browser.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_user_creates_and_revokes_a_token_in_the_browser(page, live_server, transactional_db):
    call_command("seed_demo")
    login(page, "agent")
    page.click("text=Settings")
    page.click("text=API tokens")
    page.fill("#id_name", "laptop script")
    page.click("[data-testid=create-token]")
    page.wait_for_load_state("networkidle")
    key = page.locator("[data-testid=new-key] code").inner_text()
    assert len(key) == 40
    response = page.request.get(
        f"{live_server.url}/api/v1/me/", headers={"Authorization": f"Token {key}"}
    )
    assert response.status == 200 and response.json()["username"] == "agent"
    screenshot(page, "tokens")
    page.reload()  # the page was reached by a redirect: no second token, the key is gone
    assert page.locator("[data-testid=new-key]").count() == 0
    assert ApiToken.objects.filter(name="laptop script").count() == 1
    page.click("[data-testid='revoke-laptop script']")
    page.wait_for_load_state("networkidle")
    assert "Revoked" in page.inner_text("[data-testid=tokens]")
    # page.request shares the browser's session cookie; use a clean context for the token.
    fresh = page.context.browser.new_context()
    response = fresh.request.get(
        f"{live_server.url}/api/v1/me/", headers={"Authorization": f"Token {key}"}
    )
    assert response.status == 401
    fresh.close()
