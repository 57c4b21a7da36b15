"""Notification mail: text + HTML, threaded per ticket, replies come back as comments."""

import pytest
from django.core import mail

from core.models import NotificationSetting
from servicedesk.actions import incident_comment_add, incident_transition
from servicedesk.mailbox import email_ingest
from tests.servicedesk.factories import IncidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(people):
    return IncidentFactory(
        requester=people["requester"], status="in_progress", assignee=people["agent"]
    )


def test_public_reply_mail_has_text_html_and_thread_headers(
    people, incident, django_capture_on_commit_callbacks, settings
):
    settings.EMAIL_IN_ADDRESS = "desk@example.com"
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        incident_comment_add(incident=incident, actor=people["agent"], body="Try **rebooting**.")
    (message,) = mail.outbox
    assert message.to == [people["requester"].email]
    assert f"[{incident.number}]" in message.subject
    assert message.extra_headers["In-Reply-To"] == f"<{incident.number}@servicehub>"
    assert message.extra_headers["References"] == f"<{incident.number}@servicehub>"
    assert message.extra_headers["Reply-To"] == "desk@example.com"
    assert incident.number in message.extra_headers["Message-ID"]
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and "Open the ticket" in html and "rebooting" in html


def test_every_ticket_mail_is_sent_in_text_and_html(
    people, incident, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        incident_transition(
            incident=incident,
            action="resolve",
            actor=people["agent"],
            data={"resolution_code": "fixed", "resolution_note": "Done"},
        )
    assert mail.outbox and all(m.alternatives[0][1] == "text/html" for m in mail.outbox)


def test_muted_event_sends_no_mail_to_that_user(
    people, incident, django_capture_on_commit_callbacks
):
    NotificationSetting.objects.create(user=people["requester"], event="commented", email=False)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        incident_comment_add(incident=incident, actor=people["agent"], body="hello")
    assert mail.outbox == []


def test_a_reply_to_a_notification_lands_as_a_comment(
    people, incident, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        incident_comment_add(incident=incident, actor=people["agent"], body="Does it work now?")
    (sent,) = mail.outbox
    reply = (
        f"From: {people['requester'].email}\r\nTo: desk@example.com\r\n"
        f"Subject: Re: {sent.subject}\r\nMessage-ID: <reply-1@client>\r\n"
        f"In-Reply-To: {sent.extra_headers['Message-ID']}\r\n"
        f"References: {sent.extra_headers['References']} {sent.extra_headers['Message-ID']}\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nYes, thank you!\r\n"
    ).encode()
    record = email_ingest(raw=reply)
    assert record.reason == "reply"
    assert incident.comments.filter(author=people["requester"], body="Yes, thank you!").exists()


def test_settings_page_saves_choices(people, client):
    client.force_login(people["agent"])
    client.post("/account/notifications/", {"assigned": "on"})
    off = set(
        NotificationSetting.objects.filter(user=people["agent"], email=False).values_list(
            "event", flat=True
        )
    )
    assert "assigned" not in off and "commented" in off
