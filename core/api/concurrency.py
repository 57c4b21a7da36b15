"""Optimistic locking for updates: `version` in the body or `If-Match: "<version>"`."""

from drf_spectacular.utils import OpenApiParameter

from core.exceptions import StaleVersion, VersionRequired
from core.params import VERSION_DIGITS, whole_number

# The header an update may carry instead of `version` in its body (the schema names it).
IF_MATCH = OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=False)


def etag_for(instance) -> str:
    return f'"{instance.pk}-{instance.version}"'


def expected_version(request) -> int:
    """The version the client based its update on; 428 if it sent none, or no whole number."""
    header = request.headers.get("If-Match", "").strip()
    if header:
        tag = header.removeprefix("W/").strip('"')
        version = whole_number(tag.rsplit("-", 1)[-1], max_digits=VERSION_DIGITS)
        if version is None:
            raise StaleVersion(current_version=-1)
        return version
    raw = request.data.get("version") if hasattr(request.data, "get") else None
    # A JSON integer, or digits (a form post); not true, 1.5 or 1e999 (inf: int() overflows).
    version = raw if type(raw) is int else whole_number(raw, max_digits=VERSION_DIGITS)
    if version is None:
        raise VersionRequired()
    return version


def check_version(instance, expected: int) -> None:
    """Raise 412 when `instance` (locked by the caller) moved on since `expected`."""
    if instance.version != expected:
        raise StaleVersion(current_version=instance.version)
