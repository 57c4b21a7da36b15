"""Email in: a mail to the service desk becomes an incident, or a comment on one.

Replies are matched by the ticket number in the subject ([INC0000123]) or by the
In-Reply-To/References headers our notifications set. Auto-replies and bounces are
recorded and ignored; mail that cannot be handled is quarantined with the reason,
never lost; the same Message-ID twice is handled once.
"""

import hashlib
import html
import re
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parseaddr

import nh3
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction

from core.exceptions import DomainError
from core.models import InboundEmail, Organisation, User
from core.roles import Role
from servicedesk import actions
from servicedesk.models import Incident
from servicedesk.queries import incidents_visible_to

TICKET_RE = re.compile(r"\[?(INC\d{7})\]?", re.IGNORECASE)
REFERENCE_RE = re.compile(r"<(INC\d{7})@servicehub>", re.IGNORECASE)
AUTO_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}
DAEMONS = ("mailer-daemon", "postmaster", "no-reply", "noreply")


def _message_id(message: EmailMessage, raw: bytes) -> str:
    value = str(message.get("Message-ID", "") or "").strip()
    return value[:300] if value else "sha256:" + hashlib.sha256(raw).hexdigest()


def _is_automatic(message: EmailMessage, sender: str) -> str:
    """Why this mail is machine-generated (so no ticket), or ''."""
    auto = str(message.get("Auto-Submitted", "no")).strip().lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto}"
    if message.get("X-Autoreply") or message.get("X-Autorespond"):
        return "auto-reply header"
    if str(message.get("Precedence", "")).strip().lower() in AUTO_PRECEDENCE:
        return "bulk/auto precedence"
    if message.get_content_type() == "multipart/report":
        return "delivery status report (bounce)"
    if sender.split("@")[0].lower() in DAEMONS:
        return "sent by a mail daemon"
    return ""


def _body_text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, UnicodeDecodeError):
        content = part.get_payload(decode=True).decode("utf-8", errors="replace")
    if part.get_content_type() == "text/html":
        # Keep the words, drop every tag: HTML mail is stored as plain text (the characters
        # the mail showed: nh3 answers HTML, so `&lt;mailbox&gt;` is turned back to `<mailbox>`).
        content = html.unescape(nh3.clean(content, tags=set()))
        content = re.sub(r"[ \t]+", " ", content)
    return content.replace("\x00", "").strip()[:50_000]


def _attachments(message: EmailMessage) -> list[SimpleUploadedFile]:
    files = []
    for part in message.iter_attachments():
        payload = part.get_payload(decode=True) or b""
        name = part.get_filename() or "attachment"
        files.append(SimpleUploadedFile(name[:200], payload, content_type=part.get_content_type()))
    return files


def _sender_user(address: str) -> User | None:
    user = User.objects.filter(email__iexact=address, is_active=True).first()
    if user or not settings.EMAIL_IN_CREATE_REQUESTERS:
        return user
    domain = address.rsplit("@", 1)[-1].lower()
    organisation = Organisation.objects.filter(email_domain__iexact=domain).first()
    if organisation is None:
        return None
    user = User.objects.create(
        username=address.lower()[:150],
        email=address,
        role=Role.REQUESTER,
        organisation=organisation,
    )
    user.set_unusable_password()
    user.save(update_fields=["password"])
    return user


def _thread(message: EmailMessage, user: User) -> Incident | None:
    """The incident this mail replies to, if the sender may see it."""
    numbers = REFERENCE_RE.findall(
        f"{message.get('In-Reply-To', '')} {message.get('References', '')}"
    )
    numbers += TICKET_RE.findall(str(message.get("Subject", "")))
    for number in numbers:
        incident = incidents_visible_to(user).filter(number=number.upper()).first()
        if incident:
            return incident
    return None


def _clean(text: str) -> str:
    """Header text as PostgreSQL will store it: no NUL, no surrogates."""
    return text.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")


def _record(raw, message_id, sender, subject, status, reason="", obj=None) -> InboundEmail:
    return InboundEmail.objects.create(
        message_id=_clean(message_id),
        sender=_clean(sender)[:300],
        subject=_clean(subject)[:300],
        status=status,
        reason=_clean(reason)[:300],
        raw=raw,
        content_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
        object_id=str(obj.pk) if obj is not None else "",
    )


def email_ingest(*, raw: bytes) -> InboundEmail:
    """Turn one raw RFC 5322 message into an incident or a comment (idempotent)."""
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
        message_id = _message_id(message, raw)
        sender = parseaddr(str(message.get("From", "")))[1]
        subject = str(message.get("Subject", "") or "").replace("\x00", "").strip()
    except Exception as exc:  # noqa: BLE001 - malformed mail is quarantined, never fatal
        digest = "sha256:" + hashlib.sha256(raw).hexdigest()
        existing = InboundEmail.objects.filter(message_id=digest).first()
        return existing or _record(
            raw, digest, "", "", InboundEmail.QUARANTINED, f"unparsable: {exc}"
        )
    existing = InboundEmail.objects.filter(message_id=message_id).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            return _handle(raw, message, message_id, sender, subject)
    except IntegrityError:
        # Two workers took the same message at once: the other one recorded it.
        return InboundEmail.objects.get(message_id=message_id)
    except (DomainError, ValidationError, ValueError, LookupError, UnicodeError) as exc:
        return _record(raw, message_id, sender, subject, InboundEmail.QUARANTINED, f"{exc}")


def _handle(raw, message, message_id, sender, subject) -> InboundEmail:
    automatic = _is_automatic(message, sender)
    if automatic:
        return _record(raw, message_id, sender, subject, InboundEmail.IGNORED, automatic)
    if "@" not in sender:
        return _record(
            raw, message_id, sender, subject, InboundEmail.QUARANTINED, "no sender address"
        )
    user = _sender_user(sender)
    if user is None:
        return _record(raw, message_id, sender, subject, InboundEmail.QUARANTINED, "unknown sender")
    body = _body_text(message)
    files = _attachments(message)
    incident = _thread(message, user)
    if incident is not None:
        comment = actions.incident_comment_add(
            incident=incident, actor=user, body=body or "(empty reply)"
        )
        refused = _attach(incident, user, files, comment)
        reason = "reply" + (f"; refused attachments: {refused}" if refused else "")
        return _record(raw, message_id, sender, subject, InboundEmail.PROCESSED, reason, incident)
    # A mail names no service: the desk triages it onto one that takes incidents (so no
    # service rule can refuse a mail; a reply to a retired service's ticket is a comment).
    incident = actions.incident_open(
        actor=user, title=(subject or "(no subject)")[:200], description=body, service=None
    )
    refused = _attach(incident, user, files, None)
    reason = "new incident" + (f"; refused attachments: {refused}" if refused else "")
    return _record(raw, message_id, sender, subject, InboundEmail.PROCESSED, reason, incident)


def _attach(incident, user, files, comment) -> str:
    """Keep the allowed attachments; name the refused ones (e.g. HTML, executables)."""
    refused = []
    for upload in files:
        try:
            with transaction.atomic():
                actions.attachment_add(
                    incident=incident, actor=user, upload=upload, comment=comment
                )
        except ValidationError:
            refused.append(upload.name)
    return ", ".join(refused)


def mailbox_poll(*, url: str, limit: int = 200) -> dict:
    """Fetch unseen mail from an IMAP mailbox (`imap[s]://user:pass@host[:port]/MAILBOX`),
    ingest each message, and mark it seen only once it is recorded."""
    import imaplib
    from urllib.parse import unquote, urlparse

    parts = urlparse(url)
    if parts.scheme not in {"imap", "imaps"}:
        raise ValueError("EMAIL_IN_IMAP_URL must start with imap:// or imaps://")
    client_class = imaplib.IMAP4_SSL if parts.scheme == "imaps" else imaplib.IMAP4
    port = parts.port or (993 if parts.scheme == "imaps" else 143)
    counts = {"processed": 0, "ignored": 0, "quarantined": 0}
    with client_class(parts.hostname, port, timeout=30) as client:
        client.login(unquote(parts.username or ""), unquote(parts.password or ""))
        client.select(unquote(parts.path.lstrip("/")) or "INBOX")
        _, data = client.search(None, "UNSEEN")
        for number in (data[0] or b"").split()[:limit]:
            _, fetched = client.fetch(number, "(RFC822)")
            raw = next((item[1] for item in fetched if isinstance(item, tuple)), b"")
            record = email_ingest(raw=raw)
            counts[record.status] += 1
            client.store(number, "+FLAGS", "\\Seen")
        client.logout()
    return counts
