import pytest

from core.models import ApiToken, AuditEvent
from tests.conftest import assert_status

pytestmark = pytest.mark.django_db


def test_token_login_returns_a_token_that_authenticates_api_calls(api, people):
    response = api.post(
        "/api/v1/auth/token/", {"username": "agent", "password": "demo"}, format="json"
    )
    assert response.status_code == 201
    key = response.json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    me = api.get("/api/v1/me/").json()
    assert me["username"] == "agent"
    assert me["role"] == "agent"
    assert [t["name"] for t in me["teams"]] == ["Service Desk"]
    # Only a hash is stored, never the key itself.
    assert not ApiToken.objects.filter(key_hash=key).exists()
    assert AuditEvent.objects.filter(action="token.issued").count() == 1


def test_wrong_password_gets_401_json_error_and_no_token(api, people):
    response = api.post("/api/v1/auth/token/", {"username": "agent", "password": "x"})
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    body = response.json()
    assert body["code"] == "invalid_credentials" and "credentials" in body["detail"]
    assert ApiToken.objects.count() == 0


def test_missing_fields_are_named_in_the_error(api, people):
    body = api.post("/api/v1/auth/token/", {}).json()
    assert set(body["fields"]) == {"username", "password"}


def test_revoked_token_is_refused(api, people):
    from django.utils import timezone

    token, key = ApiToken.issue(user=people["agent"], name="ci")
    token.revoked_at = timezone.now()
    token.save()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = api.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_me_shows_the_requester_organisation(people):
    body = assert_status(people["requester_shared"], "get", "/api/v1/me/", 200).json()
    assert body["organisation"] == {
        "id": body["organisation"]["id"],
        "name": "Globex",
        "shared": True,
    }


def test_me_needs_authentication(people):
    body = assert_status(None, "get", "/api/v1/me/", 401).json()
    assert body["code"] == "not_authenticated"


def test_unknown_api_url_is_json_404(api, people):
    api.force_authenticate(people["agent"])
    assert api.get("/api/v1/nothing-here/").status_code == 404


def test_malformed_json_is_a_400_not_a_500(api, people):
    response = api.generic(
        "POST", "/api/v1/auth/token/", '{"username": ', content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_openapi_schema_and_docs_are_served_locally(client, people):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"openapi: 3" in schema.content and b"/api/v1/me/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "swagger-ui" in html
    assert "cdn" not in html.lower() and "https://" not in html.split("<body")[0]


def test_a_nul_in_the_username_is_a_400_not_a_server_error(api, people):
    response = api.post(
        "/api/v1/auth/token/", {"username": "age\x00nt", "password": "demo"}, format="json"
    )
    assert response.status_code == 400
    assert "username" in response.json()["fields"]
    assert ApiToken.objects.count() == 0
