import os
import shutil

import pytest
from django.test import Client
from rest_framework.test import APIClient

from core.roles import Role
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.core.factories import OrganisationFactory, TeamFactory, UserFactory

# Playwright's sync API runs an event loop in the test thread; the ORM calls we make
# around it are ordinary synchronous ones.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _celery_eager_for_unit_tests():
    """Unit tests run tasks in-process; tests/…/test_worker*.py start a real worker. Set for
    every test: a worker test that put it back from the setting (False with a broker, as in
    CI) left every later test queueing its tasks to Redis with nobody running them."""
    from core.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2 is slow on purpose; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def people(db):
    """One user per role, plus requesters in a plain, a shared and another organisation."""
    acme = OrganisationFactory(name="Acme", shared=False)
    globex = OrganisationFactory(name="Globex", shared=True)
    initech = OrganisationFactory(name="Initech", shared=False)
    desk = TeamFactory(name="Service Desk")
    return {
        "anonymous": None,
        "requester": UserFactory(username="req", role=Role.REQUESTER, organisation=acme),
        "requester_same_org": UserFactory(
            username="req_acme2", role=Role.REQUESTER, organisation=acme
        ),
        "requester_shared": UserFactory(
            username="req_g1", role=Role.REQUESTER, organisation=globex
        ),
        "requester_shared2": UserFactory(
            username="req_g2", role=Role.REQUESTER, organisation=globex
        ),
        "requester_other": UserFactory(
            username="req_other", role=Role.REQUESTER, organisation=initech
        ),
        "agent": UserFactory(username="agent", role=Role.AGENT, teams=[desk]),
        "agent2": UserFactory(username="agent2", role=Role.AGENT, teams=[desk]),
        "service_owner": UserFactory(username="owner", role=Role.SERVICE_OWNER),
        "project_manager": UserFactory(username="pm", role=Role.PROJECT_MANAGER),
        "manager": UserFactory(username="manager", role=Role.MANAGER),
        "admin": UserFactory(username="admin", role=Role.ADMIN, is_staff=True, is_superuser=True),
        "team": desk,
    }


def browser_for(user) -> Client:
    """A browser session signed in as `user` (the pages' helper)."""
    client = Client()
    client.force_login(user)
    return client


def client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def assert_status(user, method: str, url: str, expected: int, data=None):
    """The API helper: `user` gets `expected` for `method url` (None = anonymous)."""
    response = getattr(client_for(user), method.lower())(url, data=data, format="json")
    assert response.status_code == expected, (
        f"{method} {url} as {getattr(user, 'username', 'anonymous')}: "
        f"{response.status_code} != {expected}: {getattr(response, 'data', response.content)!r}"
    )
    return response


# --- Browser harness: Playwright for Python driving Debian's Chromium, headless ----------


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(f"Chromium not found at {CHROMIUM} (REQUIRE_BROWSER is set)")
        pytest.skip(f"Chromium not found at {CHROMIUM}; .ci/run installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda dialog: errors.append(f"dialog: {dialog.message}") or dialog.dismiss())
    page.js_errors = errors
    yield page
    context.close()


@pytest.fixture(autouse=True)
def _nothing_kept_from_another_test():
    """Rows a worker keeps (core.kept) survive a test's rollback, which sends no signal: each
    test starts with none kept, as a new worker would."""
    from core import choice_lists
    from kpis import service_table
    from servicedesk import catalogue

    for kept in (choice_lists.KEPT, catalogue.KEPT, service_table.KEPT):
        kept.forget()
