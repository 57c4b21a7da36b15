import pytest

from core.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def small_limits(settings):
    settings.LOGIN_MAX_FAILURES_PER_ACCOUNT = 3
    settings.LOGIN_MAX_FAILURES_PER_IP = 10


def token(api, username, password):
    return api.post(
        "/api/v1/auth/token/", {"username": username, "password": password}, format="json"
    )


def test_account_is_locked_after_repeated_failures_even_with_the_right_password(api, people):
    for _ in range(3):
        assert token(api, "agent", "wrong").status_code == 401
    response = token(api, "agent", "demo")
    assert response.status_code == 429 and response.json()["code"] == "locked"
    # Another account from the same address still works.
    assert token(api, "manager", "demo").status_code == 201


def test_failures_are_audited_with_the_address(api, people):
    token(api, "agent", "wrong")
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert event.object_repr == "agent" and event.changes == {"ip": [None, "127.0.0.1"]}


def test_address_is_locked_after_many_failures_across_accounts(api, people):
    for i in range(10):
        token(api, f"nobody{i}", "x")
    assert token(api, "manager", "demo").status_code == 429


def test_login_page_tells_a_locked_user_and_refuses_them(client, people):
    for _ in range(3):
        client.post("/login/", {"username": "agent", "password": "wrong"})
    response = client.post("/login/", {"username": "agent", "password": "demo"})
    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_success_resets_the_account_counter(api, people):
    token(api, "agent", "wrong")
    token(api, "agent", "wrong")
    assert token(api, "agent", "demo").status_code == 201
    token(api, "agent", "wrong")
    token(api, "agent", "wrong")
    assert token(api, "agent", "demo").status_code == 201


def test_a_wrong_password_on_the_login_page_is_400_and_signs_nobody_in(client, people):
    response = client.post("/login/", {"username": "agent", "password": "wrong"})
    assert response.status_code == 400
    assert "correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.post("/login/", {"username": "agent", "password": "demo"}).status_code == 302
