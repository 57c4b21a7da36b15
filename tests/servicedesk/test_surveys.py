"""CSAT surveys: created at resolution, answered once by the requester, CSAT computed
from answered ratings only."""

from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from servicedesk import actions, survey_actions
from servicedesk.models import Survey
from servicedesk.queries import csat
from tests.conftest import assert_status
from tests.servicedesk.factories import IncidentFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/incidents/{}/survey/"


def resolved(people, **extra):
    incident = IncidentFactory(requester=people["requester"], team=people["team"], **extra)
    agent = people["agent"]
    incident = actions.incident_transition(incident=incident, action="start", actor=agent)
    return actions.incident_transition(
        incident=incident,
        action="resolve",
        actor=agent,
        data={"resolution_code": "fixed", "resolution_note": "Replaced the toner."},
    )


@pytest.fixture
def incident(people):
    return resolved(people)


def test_resolving_creates_one_survey_for_the_requester_and_mails_its_link(
    people, django_capture_on_commit_callbacks
):
    incident = IncidentFactory(requester=people["requester"], team=people["team"])
    incident = actions.incident_transition(incident=incident, action="start", actor=people["agent"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.incident_transition(
            incident=incident,
            action="resolve",
            actor=people["agent"],
            data={"resolution_code": "fixed", "resolution_note": "Done"},
        )
    survey = Survey.objects.get(incident=incident)
    assert survey.requester == people["requester"] and len(survey.token) >= 40
    (message,) = mail.outbox
    assert message.to == [people["requester"].email]
    assert f"/survey/{survey.token}/" in message.body


def test_reopen_and_resolve_again_keeps_the_one_survey(people, incident):
    token = incident.survey.token
    incident = actions.incident_transition(
        incident=incident, action="reopen", actor=people["requester"]
    )
    actions.incident_transition(
        incident=incident,
        action="resolve",
        actor=people["agent"],
        data={"resolution_code": "fixed", "resolution_note": "Really fixed now"},
    )
    assert Survey.objects.filter(incident=incident).count() == 1
    assert Survey.objects.get(incident=incident).token == token


def test_requester_answers_once_201_then_409(people, incident):
    url = URL.format(incident.pk)
    body = assert_status(
        people["requester"], "post", url, 201, {"rating": 5, "comment": "Quick and kind"}
    ).json()
    assert (body["rating"], body["comment"]) == (5, "Quick and kind")
    again = assert_status(people["requester"], "post", url, 409, {"rating": 1})
    assert again.json()["code"] == "already_answered"
    assert Survey.objects.get(incident=incident).rating == 5


@pytest.mark.parametrize("rating", [0, 6, -1, "five", None])
def test_ratings_outside_1_to_5_are_400_and_answer_nothing(people, incident, rating):
    response = assert_status(
        people["requester"], "post", URL.format(incident.pk), 400, {"rating": rating}
    )
    assert "rating" in response.json()["fields"]
    assert Survey.objects.get(incident=incident).answered_at is None


@pytest.mark.parametrize(
    ("who", "get", "post"),
    [
        ("requester", 200, 201),
        ("requester_same_org", 404, 404),
        ("requester_other", 404, 404),
        ("agent", 200, 404),
        ("admin", 200, 404),
        ("anonymous", 401, 401),
    ],
)
def test_only_the_requester_answers_staff_may_read_others_get_404(people, incident, who, get, post):
    url = URL.format(incident.pk)
    assert_status(people[who], "get", url, get)
    assert_status(people[who], "post", url, post, {"rating": 4})


def test_shared_org_colleague_sees_the_ticket_but_not_the_survey(people):
    incident = resolved(people)
    incident.requester = people["requester_shared"]
    incident.organisation = people["requester_shared"].organisation
    incident.save()
    Survey.objects.filter(incident=incident).update(requester=people["requester_shared"])
    assert_status(people["requester_shared2"], "get", f"/api/v1/incidents/{incident.pk}/", 200)
    assert_status(people["requester_shared2"], "get", URL.format(incident.pk), 404)
    assert_status(people["requester_shared2"], "post", URL.format(incident.pk), 404, {"rating": 5})


def test_no_survey_before_resolution_is_404(people):
    incident = IncidentFactory(requester=people["requester"])
    assert_status(people["requester"], "get", URL.format(incident.pk), 404)


def test_the_token_link_works_without_login_for_its_survey_only(people, incident, client):
    survey = incident.survey
    page = client.get(f"/survey/{survey.token}/")
    assert page.status_code == 200 and 'data-testid="survey-form"' in page.content.decode()
    assert client.get("/survey/not-a-real-token/").status_code == 404
    other = resolved(people)
    response = client.post(f"/survey/{survey.token}/", {"rating": "4", "comment": "ok"})
    assert response.status_code == 200 and "answered" in response.content.decode()
    survey.refresh_from_db()
    other.survey.refresh_from_db()
    assert (survey.rating, other.survey.rating) == (4, None)
    second = client.post(f"/survey/{survey.token}/", {"rating": "1"})
    assert second.status_code == 409
    survey.refresh_from_db()
    assert survey.rating == 4


def test_token_form_rejects_a_missing_rating(incident, client):
    response = client.post(f"/survey/{incident.survey.token}/", {"comment": "no stars"})
    assert response.status_code == 400
    incident.survey.refresh_from_db()
    assert incident.survey.answered_at is None


def test_portal_shows_the_survey_form_then_the_answer(people, incident, client):
    client.force_login(people["requester"])
    page = client.get(f"/portal/incidents/{incident.number}/").content.decode()
    assert 'data-testid="survey-form"' in page
    response = client.post(
        f"/survey/{incident.survey.token}/", {"rating": "5", "next": "portal"}, follow=True
    )
    page = response.content.decode()
    assert 'data-testid="survey-answer"' in page and "5/5" in page


def test_agent_ticket_page_shows_the_rating(people, incident, client):
    survey_actions.survey_answer(
        survey=incident.survey, actor=people["requester"], rating=2, comment="Slow"
    )
    client.force_login(people["agent"])
    page = client.get(f"/desk/incidents/{incident.number}/").content.decode()
    assert "2/5" in page and "Slow" in page


def test_csat_counts_answered_ratings_only_and_reports_the_response_rate(people):
    """Six surveys sent: ratings 5, 4, 3 and 1 answered, two unanswered.

    CSAT = ratings 4–5 (two: the 5 and the 4) ÷ answered (four) × 100 = 50.000%; the
    unanswered two are not counted as unhappy. Response rate = 4 ÷ 6 × 100 = 66.667%
    (66.6666… rounded half up).
    """
    for rating in [5, 4, 3, 1, None, None]:
        survey = resolved(people).survey
        if rating is not None:
            survey_actions.survey_answer(survey=survey, actor=people["requester"], rating=rating)
    result = csat(Survey.objects.all())
    assert result == {
        "csat_pct": Decimal("50.000"),
        "answered": 4,
        "satisfied": 2,
        "sent": 6,
        "response_rate_pct": Decimal("66.667"),
    }


def test_csat_of_nothing_answered_is_none_not_zero(people):
    resolved(people)
    result = csat(Survey.objects.all())
    assert result["csat_pct"] is None and result["response_rate_pct"] == Decimal("0.000")
    assert csat(Survey.objects.none())["response_rate_pct"] is None


def test_csat_is_one_query(people, django_assert_num_queries):
    for _ in range(3):
        resolved(people)
    with django_assert_num_queries(1):
        csat(Survey.objects.filter(created_at__lte=timezone.now()))
