"""Optimistic locking for updates: `version` in the body or `If-Match: "<version>"`."""

from drf_spectacular.utils import OpenApiParameter

from core.exceptions import StaleVersion, VersionRequired

# The header an update may carry instead of `version` in its body (the schema names it).
IF_MATCH = OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=False)


def etag_for(instance) -> str:
    return f'"{instance.pk}-{instance.version}"'


def expected_version(request) -> int:
    """The version the client based its update on; 428 if it sent none."""
    header = request.headers.get("If-Match", "").strip()
    if header:
        tag = header.removeprefix("W/").strip('"')
        try:
            return int(tag.rsplit("-", 1)[-1])
        except ValueError as exc:
            raise StaleVersion(current_version=-1) from exc
    raw = request.data.get("version") if hasattr(request.data, "get") else None
    if raw is None or isinstance(raw, bool):
        raise VersionRequired()
    try:
        return int(raw)
    except (TypeError, ValueError) as exc:
        raise VersionRequired() from exc


def check_version(instance, expected: int) -> None:
    """Raise 412 when `instance` (locked by the caller) moved on since `expected`."""
    if instance.version != expected:
        raise StaleVersion(current_version=instance.version)
