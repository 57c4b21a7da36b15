import pytest

from core.models import ApiToken, AuditEvent
from tests.conftest import assert_status

pytestmark = pytest.mark.django_db


def test_user_creates_a_named_token_uses_it_and_revokes_it(people, api):
    created = assert_status(
        people["agent"], "post", "/api/v1/tokens/", 201, {"name": "monitoring"}
    ).json()
    key = created["key"]
    assert created["prefix"] == key[:8]
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/me/").json()["username"] == "agent"
    listed = assert_status(people["agent"], "get", "/api/v1/tokens/", 200).json()["results"]
    assert listed[0]["last_used_at"] is not None and "key" not in listed[0]
    assert_status(people["agent"], "delete", f"/api/v1/tokens/{created['id']}/", 204)
    assert api.get("/api/v1/me/").status_code == 401
    assert AuditEvent.objects.filter(action="token.revoked").count() == 1


def test_tokens_of_others_are_invisible(people):
    token, _ = ApiToken.issue(user=people["agent2"], name="theirs")
    assert assert_status(people["agent"], "get", "/api/v1/tokens/", 200).json()["results"] == []
    assert_status(people["agent"], "delete", f"/api/v1/tokens/{token.pk}/", 404)
    token.refresh_from_db()
    assert token.revoked_at is None


def test_expired_token_is_refused(people, api):
    from datetime import timedelta

    from django.utils import timezone

    token, key = ApiToken.issue(
        user=people["agent"], name="old", expires_at=timezone.now() - timedelta(days=1)
    )
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/me/").status_code == 401
    assert_status(
        people["agent"],
        "post",
        "/api/v1/tokens/",
        400,
        {"name": "x", "expires_at": "2000-01-01T00:00:00Z"},
    )


def test_admin_creates_a_service_token_with_a_limited_role(people, api):
    body = assert_status(
        people["admin"], "post", "/api/v1/service-tokens/", 201, {"name": "erp", "role": "agent"}
    ).json()
    api.credentials(HTTP_AUTHORIZATION=f"Token {body['key']}")
    me = api.get("/api/v1/me/").json()
    assert me["username"] == "svc-erp" and me["role"] == "agent"
    assert_status(
        people["admin"], "post", "/api/v1/service-tokens/", 400, {"name": "erp2", "role": "admin"}
    )
    assert_status(
        people["agent"], "post", "/api/v1/service-tokens/", 403, {"name": "x", "role": "agent"}
    )


def test_token_page_creates_shows_key_once_and_revokes(people, client):
    client.force_login(people["requester"])
    created = client.post("/account/tokens/", {"name": "script", "expires_in_days": 30})
    # Post/redirect/get: reloading the page the browser lands on creates no second token.
    assert created.status_code == 302 and created["Location"] == "/account/tokens/"
    html = client.get("/account/tokens/").content.decode()
    token = ApiToken.objects.get(user=people["requester"])
    assert 'data-testid="new-key"' in html and token.prefix in html
    again = client.get("/account/tokens/").content.decode()
    assert 'data-testid="new-key"' not in again and token.prefix not in again.split("<table")[0]
    assert ApiToken.objects.filter(user=people["requester"]).count() == 1
    client.post(f"/account/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_token_page_refuses_a_zero_day_expiry_with_400_and_creates_no_token(people, client):
    client.force_login(people["requester"])
    audit = AuditEvent.objects.count()
    response = client.post("/account/tokens/", {"name": "script", "expires_in_days": 0})
    html = response.content.decode()
    assert response.status_code == 400
    assert "greater than or equal to 1" in html and 'value="script"' in html
    assert 'data-testid="new-key"' not in html
    assert not ApiToken.objects.exists() and AuditEvent.objects.count() == audit
