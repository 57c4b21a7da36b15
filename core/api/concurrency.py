"""Optimistic locking for updates: `version` in the body or `If-Match: "<version>"`.

One rule on every versioned write: no version at all is 428 (VersionRequired), a `version`
that is no whole number is 400 naming `version` (the same message whether or not the
request's serializer declares the field: VersionField), a stale one 412 (StaleVersion)."""

from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from core.exceptions import StaleVersion, VersionRequired
from core.params import VERSION_DIGITS, whole_number

# The header an update may carry instead of `version` in its body (the schema names it, and
# an operation that names it is documented with the 412 and 428 answers: core.api.schema).
IF_MATCH = OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=False)

VERSION_INVALID = "Send the version you read: a whole number (1 or more), or an If-Match header."
VERSION_MAX = 10**VERSION_DIGITS - 1  # any 9-digit number fits a PositiveIntegerField version


def etag_for(instance) -> str:
    return f'"{instance.pk}-{instance.version}"'


def version_from(raw) -> int | None:
    """The version `raw` (a body's `version`) names: a JSON integer, or digits (a form post),
    from 1 up; else None. Not true, 1.0, 1.5 or 1e999 (inf: int() overflows)."""
    version = raw if type(raw) is int else whole_number(raw, max_digits=VERSION_DIGITS)
    if version is None or not 1 <= version <= VERSION_MAX:
        return None
    return version


class VersionField(serializers.IntegerField):
    """A request body's `version`, read by version_from: what a serializer that declares the
    field refuses is what expected_version refuses for one that does not, in the same words."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "The version you read (or send If-Match).")
        messages = dict.fromkeys(
            ("invalid", "null", "min_value", "max_value", "max_string_length"), VERSION_INVALID
        )
        super().__init__(
            required=False, min_value=1, max_value=VERSION_MAX, error_messages=messages, **kwargs
        )

    def to_internal_value(self, data):
        version = version_from(data)
        if version is None:
            self.fail("invalid")
        return version


def expected_version(request) -> int:
    """The version the client based its update on: 400 naming `version` if the body's is no
    whole number (even beside an If-Match header), 428 if it sent none at all."""
    data = request.data
    sent = hasattr(data, "get") and "version" in data
    version = version_from(data.get("version")) if sent else None
    if sent and version is None:
        raise serializers.ValidationError({"version": [VERSION_INVALID]})
    header = request.headers.get("If-Match", "").strip()
    if header:
        tag = header.removeprefix("W/").strip('"')
        matched = whole_number(tag.rsplit("-", 1)[-1], max_digits=VERSION_DIGITS)
        if matched is None:
            # A tag that names no version matches no version of the object (RFC 9110).
            raise StaleVersion(current_version=-1)
        return matched
    if version is None:
        raise VersionRequired()
    return version


def check_version(instance, expected: int) -> None:
    """Raise 412 when `instance` (locked by the caller) moved on since `expected`."""
    if instance.version != expected:
        raise StaleVersion(current_version=instance.version)
