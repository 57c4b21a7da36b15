"""A title or name is one line: a line break typed into one is saved as a space, its mails go
out, and a mail that cannot be sent never turns a saved change into a 500.

(a) one-line fields keep what is typed on one line, on the pages and the API alike;
(b) mail subjects are built safely from any stored text (rows saved before (a));
(c) a notification that fails in the request (the embedded mode runs Celery tasks in-process)
    is logged, and the request that made the change answers as it would have, the change
    stored. With a broker the worker runs the task and retries transient errors
    (core/task_policy.py)."""

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.urls import reverse

from core.fields import OneLineCharField, one_line
from core.models import AuditEvent, Organisation, Team
from projects.models import Milestone, Project, Task
from servicedesk.mail import send_incident_mail
from servicedesk.models import CatalogItem, Improvement, Incident, RequestTask, Service
from tests.conftest import browser_for, client_for
from tests.servicedesk.factories import IncidentFactory, ServiceFactory

TYPED = "=1+1\n=2+2 \t multi\r\nline\x07 end \u2028x"
ONE_LINE = "=1+1 =2+2 multi line end x"


def test_one_line_collapses_whitespace_runs_and_drops_control_characters():
    assert one_line(TYPED) == ONE_LINE
    assert one_line("  Printer on floor 2  ") == "Printer on floor 2"
    assert one_line("Crème brûlée — ok") == "Crème brûlée — ok"


@pytest.mark.parametrize(
    ("model", "name"),
    [
        (Incident, "title"),
        (Improvement, "title"),
        (CatalogItem, "name"),
        (RequestTask, "title"),
        (Service, "name"),
        (Project, "name"),
        (Task, "name"),
        (Milestone, "name"),
        (Team, "name"),
        (Organisation, "name"),
    ],
)
def test_every_heading_field_is_kept_on_one_line(model, name):
    assert isinstance(model._meta.get_field(name), OneLineCharField)


@pytest.mark.django_db
def test_api_incident_with_a_line_break_in_its_title_is_saved_on_one_line(
    people, django_capture_on_commit_callbacks
):
    service = ServiceFactory()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(people["agent"]).post(
            "/api/v1/incidents/",
            {
                "service": service.pk,
                "title": TYPED,
                "description": "x",
                "impact": 3,
                "urgency": 3,
            },
            format="json",
        )
    assert response.status_code == 201, response.content
    assert response.json()["title"] == ONE_LINE
    assert Incident.objects.get(pk=response.json()["id"]).title == ONE_LINE
    assert mail.outbox and "\n" not in mail.outbox[0].subject


@pytest.mark.django_db
def test_api_patch_of_a_title_with_a_line_break_stores_one_line_and_audits_that(people):
    incident = IncidentFactory(requester=people["requester"])
    response = client_for(people["agent"]).patch(
        f"/api/v1/incidents/{incident.pk}/",
        {"title": "line1\nline2", "version": incident.version},
        format="json",
    )
    assert response.status_code == 200, response.content
    incident.refresh_from_db()
    assert incident.title == response.json()["title"] == "line1 line2"
    event = AuditEvent.objects.filter(action="incident.updated").latest("pk")
    assert "line1\nline2" not in str(event.changes)


@pytest.mark.django_db
def test_api_title_of_only_line_breaks_is_refused_naming_title(people):
    service = ServiceFactory()
    response = client_for(people["agent"]).post(
        "/api/v1/incidents/",
        {"service": service.pk, "title": "\n\r\n", "description": "x", "impact": 3, "urgency": 3},
        format="json",
    )
    assert response.status_code == 400
    assert "title" in response.json()["fields"]
    assert not Incident.objects.exists()


@pytest.mark.django_db
def test_portal_report_with_a_line_break_in_the_title_is_saved_on_one_line(people):
    service = ServiceFactory()
    response = browser_for(people["requester"]).post(
        reverse("servicedesk:portal_report"),
        {
            "service": service.pk,
            "title": "Printer\r\nbroken",
            "description": "x",
            "impact": 3,
            "urgency": 3,
            "category": "other",
        },
    )
    assert response.status_code == 302
    assert Incident.objects.get().title == "Printer broken"


@pytest.mark.django_db
def test_project_and_task_names_are_kept_on_one_line_by_any_save(people):
    # A save that bypasses forms and serializers (an action, a script) keeps one line too.
    project = Project.objects.create(
        code="P1", name="Payroll\nmigration", manager=people["project_manager"]
    )
    task = Task.objects.create(project=project, name="Cut\tover\r\nnight")
    assert Project.objects.get(pk=project.pk).name == "Payroll migration"
    assert Task.objects.get(pk=task.pk).name == "Cut over night"


@pytest.mark.django_db
def test_mail_about_a_title_stored_with_a_line_break_goes_out_on_one_subject_line(people):
    incident = IncidentFactory(requester=people["requester"])
    # A row saved before titles were kept on one line.
    Incident.objects.filter(pk=incident.pk).update(title="=1+1\n=2+2 multi\r")
    incident.refresh_from_db()
    mail.outbox.clear()
    assert send_incident_mail(incident, "opened") == 1
    (message,) = mail.outbox
    assert "=1+1 =2+2 multi" in message.subject
    assert "\n" not in message.subject and "\r" not in message.subject
    message.message()  # the headers serialise (BadHeaderError before)


class BrokenMailBackend(BaseEmailBackend):
    """A mail server that refuses everything; counts the attempts."""

    attempts = 0
    error: type[Exception] = ValueError

    def send_messages(self, messages):
        BrokenMailBackend.attempts += 1
        raise BrokenMailBackend.error("the mail server refused the message")


@pytest.fixture
def broken_mail(settings):
    settings.EMAIL_BACKEND = f"{__name__}.BrokenMailBackend"
    BrokenMailBackend.attempts = 0
    return BrokenMailBackend


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("error", [ValueError, ConnectionRefusedError])
def test_a_failing_notification_leaves_the_request_its_status_and_the_change_stored(
    people, broken_mail, error, caplog
):
    # transaction=True: the notifications run at the real commit, inside the request, as on
    # the demo (embedded mode: Celery runs tasks in-process).
    broken_mail.error = error
    agent = people["agent"]
    requester = people["requester"]
    service = ServiceFactory(support_team=people["team"])
    api = client_for(agent)

    opened = api.post(
        "/api/v1/incidents/",
        {
            "service": service.pk,
            "title": "VPN down",
            "description": "x",
            "impact": 3,
            "urgency": 3,
            "requester": requester.pk,
        },
        format="json",
    )
    assert opened.status_code == 201, opened.content
    incident = Incident.objects.get(pk=opened.json()["id"])

    assigned = api.post(
        f"/api/v1/incidents/{incident.pk}/transitions/",
        {"action": "assign", "assignee": agent.pk},
        format="json",
    )
    assert assigned.status_code == 200, assigned.content
    replied = api.post(
        f"/api/v1/incidents/{incident.pk}/comments/",
        {"body": "public reply", "internal": False},
        format="json",
    )
    assert replied.status_code == 201, replied.content

    incident.refresh_from_db()
    assert incident.status == "assigned" and incident.assignee == agent
    assert incident.comments.filter(body="public reply").count() == 1
    assert Incident.objects.count() == 1  # no retry by the client, no duplicate
    assert broken_mail.attempts >= 3  # every mail was tried
    assert "Notification" in caplog.text and "failed" in caplog.text


@pytest.mark.django_db
def test_a_name_stored_before_the_rule_is_left_alone_by_saves_of_other_fields(people):
    """A service named with two spaces beside one with one (rows older than the rule) is
    edited and moved through its lifecycle without a clash, and found by its stored name."""
    from servicedesk.actions import service_transition, service_update

    ServiceFactory(name="Office 365")
    old = ServiceFactory(name="Legacy", owner=people["service_owner"], status="live")
    Service.objects.filter(pk=old.pk).update(name="Office  365")
    old = Service.objects.get(name="Office  365")
    admin = people["admin"]
    service_update(
        service=old, actor=admin, expected_version=old.version, changes={"description": "Mail"}
    )
    service_transition(service=Service.objects.get(pk=old.pk), action="retire", actor=admin)
    stored = Service.objects.get(pk=old.pk)
    assert (stored.name, stored.description, stored.status) == ("Office  365", "Mail", "retired")
