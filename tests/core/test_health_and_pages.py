import os

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_redis(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok"
    if settings.REDIS_URL:
        assert body["checks"]["redis"] == "ok"


def test_healthz_fails_when_redis_is_unreachable(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"].startswith("error")


def test_pages_need_login(client):
    response = client.get("/")
    assert response.status_code == 302 and response.url.startswith("/login/")


def test_every_page_carries_a_csp_without_inline_scripts(client, people):
    client.force_login(people["agent"])
    response = client.get("/", follow=True)
    csp = response.headers["Content-Security-Policy"]
    assert (
        "script-src 'self'" in csp
        and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    )
    assert b"<script>" not in response.content


@pytest.mark.skipif(not os.environ.get("DATABASE_URL"), reason="runs on PostgreSQL in CI")
def test_suite_runs_on_postgresql_when_database_url_is_set():
    assert settings.IS_POSTGRES


@pytest.mark.parametrize(
    ("who", "home"),
    [
        ("requester", "/portal/"),
        ("agent", "/desk/"),
        ("service_owner", "/services/"),
        ("project_manager", "/projects/"),
        ("manager", "/dashboards/"),
        ("admin", "/desk/"),
    ],
)
def test_each_role_lands_on_its_daily_page(client, people, who, home):
    client.force_login(people[who])
    response = client.get("/")
    assert response.status_code == 302 and response.url == home
