"""A title pasted with tabs and runs of spaces (a copied table cell, an error line) is shown
and saved as one tidy line, and the report is sent (its mail goes out, no error page)."""

import pytest
from django.core import mail

from servicedesk.models import Incident
from tests.browser.conftest import login
from tests.servicedesk.factories import ServiceFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_requester_reports_with_a_pasted_title_and_sees_it_on_one_line(page, people):
    ServiceFactory(name="Email")
    mail.outbox.clear()
    login(page, people["requester"].username)
    page.goto("/portal/report/")
    page.select_option("#id_service", label="Email")
    page.fill("#id_title", "Outlook\t\tcrashes   on\u0007 start")
    page.fill("#id_description", "Since this morning.")
    page.click("[data-testid=submit-report]")
    page.wait_for_load_state("networkidle")

    assert "/portal/incidents/" in page.url
    assert "Outlook crashes on start" in page.inner_text("h1")
    assert Incident.objects.get().title == "Outlook crashes on start"
    assert any("Outlook crashes on start" in m.subject for m in mail.outbox)
