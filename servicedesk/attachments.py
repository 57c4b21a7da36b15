"""What may be uploaded: types recognised by their content, not by name or header."""

from django.conf import settings
from django.core.exceptions import ValidationError

# (magic prefix, content type); text types are checked separately.
SIGNATURES = [
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
    (b"PK\x03\x04", "application/zip"),
]
DANGEROUS_TEXT = (b"<script", b"<html", b"<svg", b"<!doctype", b"<?xml", b"<iframe", b"<body")


def sniff_content_type(head: bytes) -> str | None:
    """The content type of an allowed file from its first bytes, or None if not allowed."""
    for magic, content_type in SIGNATURES:
        if head.startswith(magic):
            return content_type
    if b"\x00" in head:
        return None
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return None
    lowered = text.lower().encode()
    if any(marker in lowered for marker in DANGEROUS_TEXT):
        return None  # HTML and SVG could run script if ever rendered inline
    return "text/plain"


def validate_upload(upload) -> str:
    """Check size and content; return the content type to store or raise ValidationError."""
    if upload.size > settings.ATTACHMENT_MAX_BYTES:
        limit = settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)
        raise ValidationError({"file": [f"The file is larger than {limit} MB."]})
    if upload.size == 0:
        raise ValidationError({"file": ["The file is empty."]})
    head = upload.read(4096)
    upload.seek(0)
    content_type = sniff_content_type(head)
    if content_type is None:
        raise ValidationError(
            {"file": ["This type of file is not allowed (images, PDF, text, office/zip only)."]}
        )
    return content_type


def attachment_fill(row, *, upload, actor) -> None:
    """Validate `upload` and store it on an unsaved attachment row (any ticket's), keeping
    only the last path part of the client's file name; the caller saves the row."""
    content_type = validate_upload(upload)
    name = (getattr(upload, "name", "") or "file").replace("\x00", "")[-200:]
    row.filename = name.rsplit("/", 1)[-1] or "file"
    row.content_type = content_type
    row.size = upload.size
    row.uploaded_by = actor
    row.file.save(row.filename, upload, save=False)


def attachment_response(attachment):
    """The download of a stored file, never rendered inline by the browser."""
    from django.http import FileResponse

    response = FileResponse(
        attachment.file.open("rb"), as_attachment=True, filename=attachment.filename
    )
    response["Content-Type"] = attachment.content_type
    response["X-Content-Type-Options"] = "nosniff"
    return response
