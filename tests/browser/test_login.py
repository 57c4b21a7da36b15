import pytest
from django.core.management import call_command

from tests.browser.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEMO_ROLES = [
    ("admin", "Administrator"),
    ("agent", "Service desk agent"),
    ("agent2", "Service desk agent"),
    ("owner", "Service owner"),
    ("pm", "Project manager"),
    ("manager", "Manager"),
    ("requester", "Requester"),
    ("requester2", "Requester"),
    ("requester3", "Requester"),
]


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo")


@pytest.mark.parametrize(("username", "role_label"), DEMO_ROLES)
def test_each_demo_user_logs_in_and_sees_their_home_page(page, demo, username, role_label):
    login(page, username)
    assert "/login/" not in page.url
    assert role_label in page.get_by_test_id("who").inner_text()
    assert page.js_errors == []
    screenshot(page, f"home-{username}")


def test_wrong_password_stays_on_login_with_an_error(page, demo):
    login(page, "agent", "wrong")
    assert "/login/" in page.url
    assert "correct username and password" in page.inner_text(".errorlist")


def test_logout_returns_to_login(page, demo):
    login(page, "agent")
    page.click("text=Log out")
    page.wait_for_load_state("networkidle")
    assert "/login/" in page.url
