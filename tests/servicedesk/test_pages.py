"""The console, ticket and portal pages: visibility (404 not 403), forms, query counts."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import AuditEvent
from servicedesk.models import Attachment, Incident
from tests.core.factories import TeamFactory
from tests.servicedesk.factories import CommentFactory, IncidentFactory, ServiceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(people):
    incident = IncidentFactory(
        requester=people["requester"], team=people["team"], title="Printer on fire"
    )
    CommentFactory(incident=incident, author=people["agent"], body="We are on it")
    CommentFactory(
        incident=incident, author=people["agent"], body="TOPSECRET root cause", internal=True
    )
    return incident


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("requester", 200),
        ("requester_same_org", 404),
        ("requester_other", 404),
        ("agent", 200),
        ("admin", 200),
    ],
)
def test_portal_ticket_page_visibility(client, people, incident, who, expected):
    client.force_login(people[who])
    assert client.get(f"/portal/incidents/{incident.number}/").status_code == expected


@pytest.mark.parametrize(
    ("who", "expected"), [("requester", 403), ("agent", 200), ("manager", 200)]
)
def test_console_is_for_staff(client, people, incident, who, expected):
    client.force_login(people[who])
    assert client.get("/desk/?view=all").status_code == expected
    assert client.get(f"/desk/incidents/{incident.number}/").status_code == expected


def test_portal_page_never_shows_internal_notes(client, people, incident):
    client.force_login(people["requester"])
    html = client.get(f"/portal/incidents/{incident.number}/").content.decode()
    assert "We are on it" in html and "TOPSECRET" not in html
    assert "internal_note" not in html


def test_agent_ticket_page_marks_internal_notes(client, people, incident):
    client.force_login(people["agent"])
    html = client.get(f"/desk/incidents/{incident.number}/").content.decode()
    assert "TOPSECRET" in html and 'data-testid="internal-note"' in html


def test_agent_ticket_page_offers_exactly_the_allowed_actions(client, people, incident):
    client.force_login(people["agent"])
    html = client.get(f"/desk/incidents/{incident.number}/").content.decode()
    assert 'data-testid="action-start"' in html and 'data-testid="action-cancel"' in html
    assert 'data-testid="action-close"' not in html and 'data-testid="action-resume"' not in html


def _written() -> tuple[int, int]:
    """Incidents and audit rows: what a refused form must leave as it was."""
    return Incident.objects.count(), AuditEvent.objects.count()


def test_report_form_shows_errors_next_to_fields_and_creates_nothing(client, people):
    client.force_login(people["requester"])
    before = _written()
    response = client.post("/portal/report/", {"title": "", "description": "Printer jams"})
    html = response.content.decode()
    assert response.status_code == 400
    assert 'data-testid="error-title"' in html and 'data-testid="error-service"' in html
    assert "Printer jams" in html  # what they typed is still there
    assert _written() == before


def test_report_on_a_retired_service_is_refused_beside_the_service(client, people):
    retired = ServiceFactory(name="Fax", status="retired")
    client.force_login(people["requester"])
    before = _written()
    response = client.post(
        "/portal/report/",
        {
            "service": retired.pk,
            "title": "Fax down",
            "impact": 2,
            "urgency": 2,
            "category": "other",
        },
    )
    assert response.status_code == 400
    assert 'data-testid="error-service"' in response.content.decode()
    assert _written() == before


def test_report_form_opens_an_incident_and_shows_it(client, people):
    service = ServiceFactory(name="VPN")
    client.force_login(people["requester"])
    response = client.post(
        "/portal/report/",
        {
            "service": service.pk,
            "title": "VPN down",
            "description": "",
            "impact": 2,
            "urgency": 1,
            "category": "network",
        },
        follow=True,
    )
    html = response.content.decode()
    assert "VPN down" in html and "was opened" in html


def _inline_edit(client, incident, htmx=True, **fields):
    data = {
        "service": incident.service_id,
        "team": incident.team_id or "",
        "impact": incident.impact,
        "urgency": incident.urgency,
        "category": incident.category,
        "version": incident.version,
        **fields,
    }
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(f"/desk/incidents/{incident.number}/fields/", data, **headers)


def test_inline_edit_saves_and_answers_the_panel(client, people, incident):
    client.force_login(people["agent"])
    response = _inline_edit(client, incident, urgency=1)
    assert response.status_code == 200 and "Saved." in response.content.decode()
    incident.refresh_from_db()
    assert (incident.urgency, incident.version) == (1, 2)


def test_inline_edit_leaves_a_field_the_browser_did_not_send_as_it_is(client, people, incident):
    """A select showing no option is left out of the form data: that is no change, not
    "none" (the service, team and assignee would be cleared)."""
    client.force_login(people["agent"])
    service = incident.service
    data = {"team": incident.team_id, "impact": incident.impact, "urgency": 1,
            "category": incident.category, "version": incident.version}  # fmt: skip
    response = client.post(
        f"/desk/incidents/{incident.number}/fields/", data, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    incident.refresh_from_db()
    assert (incident.service, incident.urgency) == (service, 1)
    event = AuditEvent.objects.filter(action="incident.updated").get()
    assert "urgency" in event.changes and "service" not in event.changes


def test_inline_edit_with_stale_version_answers_412_and_changes_nothing(client, people, incident):
    client.force_login(people["agent"])
    before = _written()
    response = _inline_edit(client, incident, impact=1, urgency=1, version=99)
    assert response.status_code == 412
    html = response.content.decode()
    assert "changed by someone else" in html and html.startswith('<form id="fields-panel"')
    incident.refresh_from_db()
    assert (incident.priority, incident.version) == (3, 1)
    assert _written() == before


def test_inline_edit_with_an_unknown_team_answers_400_beside_the_field(client, people, incident):
    client.force_login(people["agent"])
    before = _written()
    response = _inline_edit(client, incident, team=999_999)
    assert response.status_code == 400
    assert 'class="field-error">Select a valid choice.' in response.content.decode()
    incident.refresh_from_db()
    assert incident.team == people["team"]
    assert _written() == before


def test_rerouting_a_resolved_incident_answers_400_with_the_reason(client, people, incident):
    other = TeamFactory(name="Network Ops")
    Incident.objects.filter(pk=incident.pk).update(status="resolved")
    client.force_login(people["agent"])
    before = _written()
    response = _inline_edit(client, incident, team=other.pk)
    assert response.status_code == 400
    assert "A resolved or closed incident cannot be re-routed." in response.content.decode()
    incident.refresh_from_db()
    assert incident.team == people["team"]
    assert _written() == before


def test_without_javascript_a_refused_inline_edit_shows_the_ticket_with_the_error(
    client, people, incident
):
    """The panel's Save button (noscript) posts a plain form: refused, the ticket page comes
    back with the panel as typed and the error, instead of a redirect that drops both."""
    client.force_login(people["agent"])
    before = _written()
    response = _inline_edit(client, incident, htmx=False, team=999_999)
    html = response.content.decode()
    assert response.status_code == 400
    assert "<html" in html and "Printer on fire" in html and "Select a valid choice." in html
    assert _written() == before
    saved = _inline_edit(client, incident, htmx=False, urgency=1)
    assert saved.status_code == 302


def test_a_staff_member_who_does_not_work_tickets_may_not_edit_the_panel(client, people, incident):
    client.force_login(people["manager"])
    before = _written()
    response = _inline_edit(client, incident, urgency=1)
    assert response.status_code == 403
    assert _written() == before


def test_bulk_assign_moves_new_incidents_to_assigned(client, people):
    a, b = IncidentFactory(), IncidentFactory()
    client.force_login(people["agent"])
    client.post("/desk/bulk-assign/", {"ids": [a.pk, b.pk], "assignee": people["agent2"].pk})
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.status, a.assignee, b.assignee) == ("assigned", people["agent2"], people["agent2"])


@pytest.mark.parametrize(
    ("next_url", "lands"),
    [
        ("/desk/?view=team&priority=1", "/desk/?view=team&priority=1"),
        ("https://evil.example/phish", "/desk/"),
        ("//evil.example/phish", "/desk/"),
        ("/\\evil.example/phish", "/desk/"),  # browsers read it as //evil.example
        ("not a page", "/desk/"),
        ("", "/desk/"),
    ],
)
def test_bulk_assign_goes_back_only_to_a_page_of_this_site(client, people, next_url, lands):
    """The queue sends its own address as `next`; anything else (another site: an open
    redirect; a bare word: a 500 before) lands on the queue."""
    a = IncidentFactory()
    client.force_login(people["agent"])
    response = client.post(
        "/desk/bulk-assign/", {"ids": [a.pk], "assignee": people["agent2"].pk, "next": next_url}
    )
    assert response.status_code == 302 and response["Location"] == lands
    a.refresh_from_db()
    assert a.assignee == people["agent2"]


def _statements(client, url, **headers) -> int:
    """SQL statements of one request, not counting the test transaction's savepoints."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url, **headers)  # warm the session and calendar caches
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, **headers).status_code == 200
    return sum(1 for q in queries if "SAVEPOINT" not in q["sql"])


def test_queue_page_query_count_is_constant(client, people):
    """The console's cost does not grow with the rows it shows (5 rows or 45): ≤ 8."""
    client.force_login(people["agent"])
    counts = []
    for batch in (5, 40):
        for _ in range(batch):
            IncidentFactory(assignee=people["agent"], team=people["team"], status="in_progress")
        counts.append(_statements(client, "/desk/?view=mine"))
    assert counts[0] == counts[1] <= 8, counts
    assert client.get("/desk/?view=mine").content.decode().count('name="ids"') == 45


def test_a_filter_change_fetches_only_the_rows(client, people):
    """htmx swaps #queue-rows: the reply is the table alone, without the page's counts and
    filter choices, so it costs fewer statements than the full page."""
    client.force_login(people["agent"])
    for _ in range(3):
        IncidentFactory(assignee=people["agent"], team=people["team"], status="in_progress")
    rows_only = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "queue-rows"}
    html = client.get("/desk/?view=mine", **rows_only).content.decode()
    assert html.startswith("<table") and html.count('name="ids"') == 3
    assert "<form" not in html and "<html" not in html
    full = _statements(client, "/desk/?view=mine")
    assert _statements(client, "/desk/?view=mine", **rows_only) < full
    with CaptureQueriesContext(connection) as queries:
        client.get("/desk/?view=mine", **rows_only)
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert "COUNT(" not in sql and '"choice_list"' not in sql  # no counts, no choice lists


def _conversation(incident, people, comments: int):
    from django.core.files.base import ContentFile

    from servicedesk.models import Attachment

    for n in range(comments):
        comment = CommentFactory(incident=incident, author=people["agent"], body=f"Note {n}")
        Attachment.objects.create(
            incident=incident,
            comment=comment,
            file=ContentFile(b"log", name=f"log{n}.txt"),
            filename=f"log{n}.txt",
            content_type="text/plain",
            size=3,
            uploaded_by=people["agent"],
        )


@pytest.mark.parametrize(
    "role, url, budget",
    [
        ("agent", "/desk/incidents/{number}/", 6),
        ("requester", "/portal/incidents/{number}/", 6),
        ("requester", "/portal/", 8),
    ],
)
def test_ticket_pages_cost_the_same_for_one_comment_or_many(
    client, people, settings, tmp_path, role, url, budget
):
    settings.MEDIA_ROOT = str(tmp_path)
    incident = IncidentFactory(requester=people["requester"], team=people["team"])
    client.force_login(people[role])
    counts = []
    for comments in (1, 6):
        _conversation(incident, people, comments)
        counts.append(_statements(client, url.format(number=incident.number)))
    assert counts[0] == counts[1] <= budget, counts
    if "incidents" in url:
        page = client.get(url.format(number=incident.number)).content.decode()
        assert page.count("📎") == 7  # every comment's attachment is still shown


def test_portal_list_shows_shared_org_tickets(client, people):
    theirs = IncidentFactory(requester=people["requester_shared"])
    client.force_login(people["requester_shared2"])
    assert theirs.number in client.get("/portal/?scope=all").content.decode()


def _conversation_rows() -> tuple[int, int, int]:
    from servicedesk.models import IncidentComment

    return IncidentComment.objects.count(), Attachment.objects.count(), AuditEvent.objects.count()


def test_a_reply_with_a_refused_file_comes_back_as_typed_with_400(
    client, people, incident, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path)
    client.force_login(people["agent"])
    before = _conversation_rows()
    page = SimpleUploadedFile("page.html", b"<html><script>alert(1)</script></html>")
    response = client.post(
        f"/incidents/{incident.number}/comment/",
        {"body": "Long analysis of the fuser unit", "internal": "on", "attachment": page},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "This type of file is not allowed" in html
    assert ">Long analysis of the fuser unit</textarea>" in html
    assert 'id="id_internal" checked' in html
    assert _conversation_rows() == before


def test_a_requester_sending_an_empty_reply_gets_the_portal_page_with_400(client, people, incident):
    client.force_login(people["requester"])
    before = _conversation_rows()
    response = client.post(f"/incidents/{incident.number}/comment/", {"body": ""})
    html = response.content.decode()
    assert response.status_code == 400
    assert 'class="field-error">This field is required.' in html
    assert "TOPSECRET" not in html  # the portal page, not the console's
    assert _conversation_rows() == before


def test_a_reply_is_sent_and_redirects_back_to_the_ticket(client, people, incident):
    client.force_login(people["requester"])
    response = client.post(f"/incidents/{incident.number}/comment/", {"body": "Still smoking"})
    assert response.status_code == 302
    assert response["Location"] == f"/portal/incidents/{incident.number}/"
    assert incident.comments.filter(body="Still smoking").exists()
