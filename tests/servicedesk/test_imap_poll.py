"""Email in over IMAP: a real IMAP conversation with a minimal server on loopback."""

import socketserver
import threading
from pathlib import Path

import pytest

from servicedesk.mailbox import mailbox_poll
from servicedesk.models import Incident
from tests.core.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db
EML = Path(__file__).parent / "eml"


class MiniImap(socketserver.StreamRequestHandler):
    """Just enough IMAP4rev1 for a client that logs in, searches UNSEEN, fetches, stores."""

    def handle(self):
        box = self.server.box
        self.wfile.write(b"* OK mini IMAP ready\r\n")
        for line in self.rfile:
            tag, command, *args = line.decode().strip().split(" ", 2)
            command = command.upper()
            rest = args[0] if args else ""
            if command == "CAPABILITY":
                self.wfile.write(b"* CAPABILITY IMAP4rev1\r\n")
            elif command == "LOGIN":
                if [word.strip('"') for word in rest.split()[:2]] != ["desk", "s3cret"]:
                    self.wfile.write(f"{tag} NO bad login\r\n".encode())
                    continue
            elif command == "SELECT":
                self.wfile.write(f"* {len(box)} EXISTS\r\n".encode())
            elif command == "SEARCH":
                unseen = " ".join(str(i + 1) for i, m in enumerate(box) if not m["seen"])
                self.wfile.write(f"* SEARCH {unseen}\r\n".encode())
            elif command == "FETCH":
                number = int(rest.split()[0])
                raw = box[number - 1]["raw"]
                self.wfile.write(
                    f"* {number} FETCH (RFC822 {{{len(raw)}}}\r\n".encode() + raw + b")\r\n"
                )
            elif command == "STORE":
                box[int(rest.split()[0]) - 1]["seen"] = True
            elif command == "LOGOUT":
                self.wfile.write(f"* BYE\r\n{tag} OK LOGOUT\r\n".encode())
                return
            self.wfile.write(f"{tag} OK {command}\r\n".encode())


@pytest.fixture
def imap_server():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), MiniImap)
    server.daemon_threads = True
    server.box = [
        {"raw": (EML / "new_plain.eml").read_bytes(), "seen": False},
        {"raw": (EML / "bounce.eml").read_bytes(), "seen": False},
        {"raw": b"From: x\r\n\r\nseen already", "seen": True},
    ]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def test_poll_ingests_unseen_mail_and_marks_it_seen(imap_server):
    acme = OrganisationFactory(name="Acme")
    UserFactory(username="riley", email="riley@acme.example", organisation=acme)
    port = imap_server.server_address[1]
    counts = mailbox_poll(url=f"imap://desk:s3cret@127.0.0.1:{port}/INBOX")
    assert counts == {"processed": 1, "ignored": 1, "quarantined": 0}
    assert Incident.objects.get().title == "Printer on 2nd floor jams every page"
    assert all(m["seen"] for m in imap_server.box)
    # A second poll finds nothing new and changes nothing.
    assert mailbox_poll(url=f"imap://desk:s3cret@127.0.0.1:{port}/INBOX") == {
        "processed": 0,
        "ignored": 0,
        "quarantined": 0,
    }
    assert Incident.objects.count() == 1


def test_poll_refuses_a_non_imap_url():
    with pytest.raises(ValueError):
        mailbox_poll(url="http://example.com/")
