"""A survey comment over its limit: the requester stays on the ticket, sees why beside the
comment, and keeps the rating and the text to shorten."""

import pytest

from servicedesk import actions
from tests.browser.conftest import login, screenshot
from tests.servicedesk.factories import IncidentFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_requester_sees_the_comment_limit_and_keeps_what_was_typed(page, people):
    incident = IncidentFactory(requester=people["requester"], title="Printer jams")
    agent = people["agent"]
    incident = actions.incident_transition(incident=incident, action="start", actor=agent)
    actions.incident_transition(
        incident=incident,
        action="resolve",
        actor=agent,
        data={"resolution_code": "fixed", "resolution_note": "Replaced the toner."},
    )
    typed = "Took a while. " * 400  # 5,600 characters (pasted past the box's limit)
    login(page, people["requester"].username)
    page.goto(f"/portal/incidents/{incident.number}/")
    page.check("[data-testid=rating-5]")
    # The box stops typing at 5,000; a pasted text from an older browser or a script is not.
    page.locator("#id_survey_comment").evaluate("box => box.removeAttribute('maxlength')")
    page.fill("#id_survey_comment", typed)
    page.click("[data-testid=survey-submit]")
    page.wait_for_load_state("networkidle")

    assert page.url.endswith(f"/survey/{incident.survey.token}/")
    assert "Printer jams" in page.inner_text("main")
    error = page.get_by_test_id("survey-comment-error")
    assert "At most 5,000 characters (this one has 5,599)" in error.inner_text()
    assert page.is_checked("[data-testid=rating-5]")
    assert page.input_value("#id_survey_comment") == typed
    screenshot(page, "portal-survey-comment-too-long")
    incident.survey.refresh_from_db()
    assert incident.survey.answered_at is None
