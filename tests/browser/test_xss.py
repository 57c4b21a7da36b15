"""Stored XSS (django-helpdesk CVE-2021-3945/3994 class): payloads stored in every text a
user can write are rendered on every page that shows them, in Chromium, and nothing runs.

Three detectors: a dialog (alert/confirm/prompt), an uncaught page error, and a
Content-Security-Policy violation in the console — an injected inline script or handler
that escaped escaping would be blocked by the CSP and reported there. The DOM is also
searched for injected elements and javascript: links.
"""

import pytest
from django.db.models import F

from tests.browser.conftest import login
from tests.security import conftest as security

world = security.world  # one object of every kind (tests/security/conftest.py)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Short enough for 200-character titles.
TITLE = "<img src=x id=xss1 onerror=alert(1)><script>alert(2)</script>\"'><svg onload=alert(3)>"
MARKDOWN = (
    TITLE
    + '\n\n[click me](javascript:alert(4)) <a href="javascript:alert(5)" id=xss2>x</a>'
    + '\n\n<iframe src="javascript:alert(6)"></iframe> {{ 7|add:7 }} \';alert(7);//'
    + '\n\n![img](x" onerror="alert(8))'
)
OUTER_HTML = "els => els.map(e => e.outerHTML.slice(0, 200))"
INJECTED = "#xss1, #xss2, iframe, svg[onload], img[onerror], a[href^='javascript:' i]"


@pytest.fixture
def poisoned(world):
    """Every user-written text of the world holds a payload."""
    from projects.models import Milestone, Project, Risk, Task
    from servicedesk.models import Incident, IncidentComment, Service

    Incident.objects.update(title=TITLE, description=MARKDOWN)
    IncidentComment.objects.update(body=MARKDOWN)
    Service.objects.update(name=F("name"), description=MARKDOWN)
    Service.objects.filter(pk=world.service.pk).update(name=TITLE[:100])
    Project.objects.update(name=TITLE, description=MARKDOWN, objectives=MARKDOWN)
    Task.objects.update(name=TITLE)
    Milestone.objects.update(name=TITLE)
    Risk.objects.update(description=MARKDOWN)
    for attr in ("incident", "service", "project"):
        getattr(world, attr).refresh_from_db()
    return world


def _pages(w) -> dict[str, list[str]]:
    number = w.incident.number
    project = f"/projects/{w.project.pk}"
    return {
        "requester": ["/portal/", f"/portal/incidents/{number}/", "/services/"],
        "agent": [
            "/desk/",
            f"/desk/incidents/{number}/",
            f"/portal/incidents/{number}/",
            "/services/",
            f"/services/{w.service.pk}/",
        ],
        "project_manager": [
            "/projects/",
            f"{project}/",
            f"{project}/plan/",
            f"{project}/gantt/",
            f"{project}/milestones/",
            f"{project}/risks/",
            f"{project}/costs/",
            f"{project}/time/",
        ],
        "manager": [
            "/dashboards/",
            "/dashboards/portfolio/",
            f"/dashboards/services/{w.service.pk}/",
            f"/dashboards/projects/{w.project.pk}/",
        ],
    }


def test_stored_payloads_never_execute_on_any_page(browser, live_server, poisoned):
    for role, urls in _pages(poisoned).items():
        context = browser.new_context(base_url=live_server.url)
        page = context.new_page()
        problems: list[str] = []
        page.on("pageerror", lambda exc, p=problems: p.append(f"pageerror: {exc}"))
        page.on("dialog", lambda d, p=problems: p.append(f"dialog: {d.message}") or d.dismiss())
        page.on(
            "console",
            lambda m, p=problems: (
                p.append(f"console: {m.text}")
                if m.type == "error" and "Content Security Policy" in m.text
                else None
            ),
        )
        login(page, getattr(poisoned, role).username)
        for url in urls:
            response = page.goto(url)
            page.wait_for_load_state("networkidle")
            assert response.status == 200, (role, url, response.status)
            injected = page.locator(INJECTED).count()
            found = (
                page.locator(INJECTED).evaluate_all(
                    "els => els.map(e => e.outerHTML.slice(0, 200))"
                )
                if injected
                else []
            )
            assert injected == 0, f"{url} as {role}: {injected} injected element(s) {found}"
            # The payload is there, as text.
            assert "alert(" in page.content() or url.startswith("/dashboards"), url
        context.close()
        assert not problems, f"as {role}: {problems}"
