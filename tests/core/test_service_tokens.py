"""Service tokens (admins): named as given, listed without their keys, revocable, over the API
and on the settings page; every creation and revocation leaves an audit row."""

import pytest

from core.models import ApiToken, AuditEvent, User
from tests.conftest import assert_status

pytestmark = pytest.mark.django_db


def _create(people, name="erp", role="agent", code=201):
    return assert_status(
        people["admin"], "post", "/api/v1/service-tokens/", code, {"name": name, "role": role}
    ).json()


def test_admin_lists_service_tokens_by_their_name_without_keys_and_revokes_them(people, api):
    created = _create(people)
    assert created["name"] == "erp"  # was "service:<4 hex>"
    personal = ApiToken.issue(user=people["admin"], name="laptop")[0]
    listing = assert_status(people["admin"], "get", "/api/v1/service-tokens/", 200).json()
    (row,) = listing["results"]  # the admin's own token is not a service token
    assert row["id"] == created["id"] != personal.pk
    assert (row["name"], row["account"], row["role"]) == ("erp", "svc-erp", "agent")
    assert {"created_at", "expires_at", "last_used_at", "revoked_at", "prefix"} <= set(row)
    assert "key" not in row and created["key"] not in str(listing)

    api.credentials(HTTP_AUTHORIZATION=f"Token {created['key']}")
    assert api.get("/api/v1/me/").status_code == 200
    api.credentials()
    used = assert_status(people["admin"], "get", "/api/v1/service-tokens/", 200).json()
    assert used["results"][0]["last_used_at"] is not None

    assert_status(people["admin"], "delete", f"/api/v1/service-tokens/{created['id']}/", 204)
    api.credentials(HTTP_AUTHORIZATION=f"Token {created['key']}")
    assert api.get("/api/v1/me/").status_code == 401
    after = assert_status(people["admin"], "get", "/api/v1/service-tokens/", 200).json()
    assert after["results"][0]["revoked_at"] is not None
    actions = list(
        AuditEvent.objects.filter(object_id=str(created["id"])).values_list("action", flat=True)
    )
    assert "token.issued" in actions and "token.revoked" in actions


@pytest.mark.parametrize("who", ["agent", "manager", "requester", "service_owner"])
def test_only_admins_see_or_revoke_service_tokens(people, who):
    created = _create(people)
    assert_status(people[who], "get", "/api/v1/service-tokens/", 403)
    assert_status(people[who], "delete", f"/api/v1/service-tokens/{created['id']}/", 403)
    assert ApiToken.objects.get(pk=created["id"]).revoked_at is None


def test_personal_tokens_are_not_revoked_through_the_service_token_api(people):
    personal = ApiToken.issue(user=people["agent"], name="laptop")[0]
    assert_status(people["admin"], "delete", f"/api/v1/service-tokens/{personal.pk}/", 404)
    personal.refresh_from_db()
    assert personal.revoked_at is None


def test_a_bad_service_token_is_refused_naming_the_field_and_nothing_is_made(people):
    before = (ApiToken.objects.count(), User.objects.count(), AuditEvent.objects.count())
    assert set(_create(people, name="erp bot!", code=400)["fields"]) == {"name"}
    assert set(_create(people, name="erp", role="admin", code=400)["fields"]) == {"role"}
    _create(people)
    body = _create(people, name="erp", role="manager", code=400)  # svc-erp is an agent
    assert "svc-erp already has role agent" in str(body["fields"]["role"])
    assert ApiToken.objects.count() == before[0] + 1 and User.objects.count() == before[1] + 1


def test_the_service_tokens_page_lists_creates_and_revokes(people, client):
    created = _create(people, name="monitoring", role="requester")
    client.force_login(people["admin"])
    tabs = client.get("/account/tokens/").content.decode()
    assert 'href="/account/service-tokens/"' in tabs
    html = client.get("/account/service-tokens/").content.decode()
    assert "monitoring" in html and "svc-monitoring" in html and "Requester" in html
    assert created["key"] not in html

    made = client.post("/account/service-tokens/", {"name": "erp", "role": "agent"})
    assert made.status_code == 302
    token = ApiToken.objects.get(name="erp")
    shown = client.get("/account/service-tokens/").content.decode()
    assert 'data-testid="new-key"' in shown and token.user.username == "svc-erp"

    refused = client.post("/account/service-tokens/", {"name": "erp", "role": "manager"})
    assert refused.status_code == 400
    assert "svc-erp already has role agent" in refused.content.decode()

    assert client.post(f"/account/service-tokens/{token.pk}/revoke/").status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEvent.objects.filter(action="token.revoked", object_id=str(token.pk)).exists()


@pytest.mark.parametrize("who", ["agent", "requester"])
def test_others_do_not_see_the_service_tokens_page_or_its_tab(people, client, who):
    created = _create(people)
    client.force_login(people[who])
    assert "service-tokens" not in client.get("/account/tokens/").content.decode()
    assert client.get("/account/service-tokens/").status_code == 403
    assert client.post(f"/account/service-tokens/{created['id']}/revoke/").status_code == 403
    assert ApiToken.objects.get(pk=created["id"]).revoked_at is None
