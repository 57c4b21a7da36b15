"""A requester types angle brackets (an error message, a comparison, a script) into the
portal's report and a comment: the page shows every character as typed, and nothing runs or
becomes an element."""

import pytest

from tests.browser.conftest import login
from tests.servicedesk.factories import ServiceFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TYPED = "Outlook says: Cannot open <mailbox> for user a<b and 3 < 5, see <Settings>"
SCRIPT = "<script>alert(1)</script>"


def test_requester_sees_bracketed_words_and_a_typed_script_as_text(page, people):
    ServiceFactory(name="Email")
    problems: list[str] = []
    page.on("dialog", lambda d: problems.append(d.message) or d.dismiss())
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    login(page, people["requester"].username)
    page.goto("/portal/report/")
    page.select_option("#id_service", label="Email")
    page.fill("#id_title", "Mailbox <quota> full")
    page.fill("#id_description", f"{TYPED}\n\n{SCRIPT}")
    page.click("[data-testid=submit-report]")
    page.wait_for_load_state("networkidle")
    page.fill("#id_body", f"Also: {SCRIPT} and <b>not bold</b>")
    page.click("[data-testid=send-comment]")
    page.wait_for_load_state("networkidle")

    text = page.inner_text("main")
    assert "Mailbox <quota> full" in text
    assert TYPED in text
    assert text.count(SCRIPT) == 2 and "Also: <script>alert(1)</script> and <b>not bold</b>" in text
    assert page.locator("main script, main mailbox, main settings, main b").count() == 0
    assert not problems
