"""What people type is stored as typed and shown as text: words in angle brackets are part of
what they wrote (`<mailbox>`, `a<b`), never markup to drop, and a typed `<script>` shows as
those characters without becoming an element."""

import re
from decimal import Decimal

import pytest

from servicedesk import improvement_actions
from servicedesk.mailbox import email_ingest
from servicedesk.models import Improvement, Incident
from tests.conftest import assert_status
from tests.core.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

TYPED = "Outlook says: Cannot open <mailbox> for user a<b and 3 < 5, see <Settings>"
SCRIPT = "<script>alert(1)</script>"
SHOWN = "Cannot open &lt;mailbox&gt; for user a&lt;b and 3 &lt; 5, see &lt;Settings&gt;"


def _no_markup(html: str) -> None:
    assert "<script" not in html and "<mailbox" not in html and "<settings" not in html.lower()


def test_a_description_and_comment_with_angle_brackets_are_kept_and_shown_as_typed(people, client):
    body = assert_status(
        people["requester"],
        "post",
        "/api/v1/incidents/",
        201,
        {"title": "Mail <Outlook> a<b", "description": f"{TYPED}\n\n{SCRIPT}"},
    ).json()
    incident = Incident.objects.get(pk=body["id"])
    assert incident.description == f"{TYPED}\n\n{SCRIPT}"
    assert SHOWN in body["description_html"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body["description_html"]
    _no_markup(body["description_html"])

    comment = assert_status(
        people["requester"],
        "post",
        f"/api/v1/incidents/{incident.pk}/comments/",
        201,
        {"body": f"Still: {TYPED} {SCRIPT}"},
    ).json()
    assert comment["body"] == f"Still: {TYPED} {SCRIPT}"
    assert SHOWN in comment["body_html"]
    _no_markup(comment["body_html"])

    client.force_login(people["requester"])
    page = client.get(f"/portal/incidents/{incident.number}/").content.decode()
    assert page.count(SHOWN) == 2
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 2
    assert "Mail &lt;Outlook&gt; a&lt;b" in page
    main = page[page.index("<main") :]
    _no_markup(re.sub(r"<script[^>]*nonce[^>]*>", "", main))


def test_markdown_still_formats_and_links_stay_safe(people):
    body = assert_status(
        people["requester"],
        "post",
        "/api/v1/incidents/",
        201,
        {
            "title": "Formatting",
            "description": "**bold** `a<b>` [docs](https://example.com) [x](javascript:alert(1))",
        },
    ).json()
    html = body["description_html"]
    assert "<strong>bold</strong>" in html and "<code>a&lt;b&gt;</code>" in html
    assert 'href="https://example.com"' in html and "javascript:" not in html


def test_an_improvement_keeps_bracketed_words(people, client):
    from tests.servicedesk.factories import ServiceFactory

    improvement = improvement_actions.improvement_create(
        actor=people["service_owner"],
        title="Mailbox <quota>",
        service=ServiceFactory(name="Email"),
        problem_statement=TYPED,
        expected_benefit=SCRIPT,
        metric="Tickets <per> week",
        baseline_value=Decimal("10"),
        target_value=Decimal("5"),
        planned_quarter="2026-Q2",
    )
    assert Improvement.objects.get(pk=improvement.pk).problem_statement == TYPED
    client.force_login(people["service_owner"])
    page = client.get(f"/improvements/{improvement.pk}/").content.decode()
    assert SHOWN in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_html_mail_keeps_bracketed_words_as_text(db):
    acme = OrganisationFactory(name="Acme", email_domain="acme.example")
    UserFactory(username="riley", email="riley@acme.example", organisation=acme)
    email_ingest(
        raw=(
            b"From: riley@acme.example\r\nTo: servicedesk@example.com\r\n"
            b"Subject: Outlook\r\nMessage-ID: <h3-typed@acme.example>\r\nMIME-Version: 1.0\r\n"
            b"Content-Type: text/html; charset=utf-8\r\n\r\n"
            b"<p>Cannot open &lt;mailbox&gt; for a&lt;b &amp; c</p><script>alert(1)</script>"
        )
    )
    assert Incident.objects.get().description == "Cannot open <mailbox> for a<b & c"
