"""Text fields take JSON strings only.

DRF's CharField turns a JSON number into text (``42`` → ``"42"``), so a client that
sends ``{"description": 6.2e16}`` gets a 201 although the schema says ``type: string``.
Every text field of the API (CharField and its subclasses: email, slug, URL, regex)
answers 400 to anything that is not a string instead. Multipart form values are
strings already, so uploads are unaffected.
"""

from rest_framework import serializers

from core.fields import OneLineCharField, one_line

_lenient_to_internal_value = serializers.CharField.to_internal_value


def _strings_only(field, data):
    if not isinstance(data, str):
        field.fail("invalid")
    return _lenient_to_internal_value(field, data)


class OneLineSerializerField(serializers.CharField):
    """The API side of a OneLineCharField (a title, a name): kept on one line as the pages
    and the model keep it, so the answer shows the value stored."""

    def to_internal_value(self, data):
        value = one_line(super().to_internal_value(data))
        if value == "" and not self.allow_blank:
            self.fail("blank")
        return value


def install() -> None:
    """Called once from CoreConfig.ready()."""
    serializers.CharField.to_internal_value = _strings_only
    serializers.ModelSerializer.serializer_field_mapping[OneLineCharField] = OneLineSerializerField
