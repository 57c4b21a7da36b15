"""Email in from a corpus of real .eml files: new tickets, replies, loops, broken mail."""

import subprocess
import sys
from pathlib import Path

import pytest

from core.models import InboundEmail
from servicedesk.mailbox import email_ingest
from servicedesk.models import Incident, IncidentComment
from tests.core.factories import OrganisationFactory, UserFactory
from tests.servicedesk.factories import IncidentFactory

pytestmark = pytest.mark.django_db
EML = Path(__file__).parent / "eml"


@pytest.fixture
def riley(db):
    acme = OrganisationFactory(name="Acme", email_domain="acme.example")
    return UserFactory(username="riley", email="riley@acme.example", organisation=acme)


def ingest(name: str, **replace) -> InboundEmail:
    raw = (EML / name).read_bytes()
    for key, value in replace.items():
        raw = raw.replace(f"{{{key}}}".encode(), value.encode())
    return email_ingest(raw=raw)


def test_plain_mail_from_a_known_requester_opens_an_incident(riley):
    record = ingest("new_plain.eml")
    incident = Incident.objects.get()
    assert record.status == "processed" and record.object_id == str(incident.pk)
    assert incident.requester == riley and incident.organisation == riley.organisation
    assert incident.title == "Printer on 2nd floor jams every page"
    assert "jams on every page since Friday" in incident.description


def test_same_message_id_twice_creates_one_ticket(riley):
    first = ingest("new_plain.eml")
    second = ingest("new_plain.eml")
    assert first.pk == second.pk and Incident.objects.count() == 1


def test_multipart_keeps_text_and_safe_attachments_only(riley):
    ingest("multipart_attachment.eml")
    incident = Incident.objects.get()
    assert incident.description == "The VPN client shows error 809, screenshot attached."
    assert [a.filename for a in incident.attachments.all()] == ["vpn-error.png"]


@pytest.mark.parametrize("template", ["reply_subject.eml", "reply_references.eml"])
def test_replies_become_comments_on_the_ticket(riley, template):
    incident = IncidentFactory(requester=riley)
    record = ingest(template, NUMBER=incident.number)
    assert record.reason == "reply"
    comment = IncidentComment.objects.get(incident=incident)
    assert comment.author == riley and not comment.internal
    assert Incident.objects.count() == 1


def test_reply_to_someone_elses_ticket_opens_a_new_one(riley):
    other = IncidentFactory()
    ingest("reply_subject.eml", NUMBER=other.number)
    assert other.comments.count() == 0
    assert Incident.objects.count() == 2


@pytest.mark.parametrize("name", ["autoreply.eml", "bounce.eml"])
def test_auto_replies_and_bounces_are_recorded_not_ticketed(riley, name):
    record = ingest(name, NUMBER="INC0000001")
    assert record.status == "ignored" and record.reason
    assert Incident.objects.count() == 0 and IncidentComment.objects.count() == 0


def test_html_mail_is_converted_to_safe_text(riley):
    ingest("html_only.eml")
    description = Incident.objects.get().description
    assert "keyboard" in description and "<" not in description and "alert" not in description


def test_encoded_subject_and_body_are_decoded(riley):
    ingest("encoded.eml")
    incident = Incident.objects.get()
    assert incident.title == "Café machine à l'accueil"
    assert "La machine à café ne marche plus." in incident.description


def test_unknown_sender_is_quarantined_not_lost(riley):
    record = ingest("unknown_sender.eml")
    assert record.status == "quarantined" and record.reason == "unknown sender"
    assert bytes(record.raw).startswith(b"From: stranger@nowhere.example")


def test_unknown_sender_of_a_known_domain_becomes_a_requester_when_enabled(riley, settings):
    settings.EMAIL_IN_CREATE_REQUESTERS = True
    raw = (
        (EML / "unknown_sender.eml")
        .read_bytes()
        .replace(b"stranger@nowhere.example", b"newbie@acme.example")
    )
    record = email_ingest(raw=raw)
    assert record.status == "processed"
    assert Incident.objects.get().requester.organisation == riley.organisation


def test_broken_mail_is_quarantined_without_crashing(riley):
    record = ingest("broken_headers.eml")
    assert record.status == "quarantined"
    assert Incident.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_ingest_email_command_reads_a_pipe(tmp_path):
    """The MTA pipe: `python manage.py ingest_email < message.eml` in a real process."""
    import os

    from django.conf import settings

    acme = OrganisationFactory(name="Acme", email_domain="acme.example")
    UserFactory(username="riley", email="riley@acme.example", organisation=acme)
    env = dict(os.environ)
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        pytest.skip("the in-memory SQLite test database is not visible to another process")
    env["DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    result = subprocess.run(
        [sys.executable, "manage.py", "ingest_email"],
        input=(EML / "new_plain.eml").read_bytes(),
        capture_output=True,
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert b"processed" in result.stdout
    assert Incident.objects.filter(title__startswith="Printer").exists()
