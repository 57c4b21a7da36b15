"""Schema extensions: say in the OpenAPI document what the fields really accept.

- Text: DRF refuses NUL characters in every CharField, so the schema says so with a pattern;
  a text that may not be blank must keep a character DRF's whitespace trimming leaves.
- Decimals: drf-spectacular's pattern admits "", "-" and "."; ours needs a digit, and has no
  sign when the field's minimum is 0 or more (budgets, amounts, hours).
"""

from django.core.validators import RegexValidator
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import serializers

NO_NUL = "^[^\\x00]*$"
# For a field that may be blank drf-spectacular adds `oneOf: [this, {maxLength: 0}]`; the first
# branch must then not match "" too, or an empty value matches both and oneOf fails.
NO_NUL_NOT_EMPTY = "^[^\\x00]+$"
# What Python's str.strip() removes (str.isspace), which DRF trims before its "may not be
# blank" check: a required text must keep at least one other character. Spelled out rather
# than `\s`, whose ECMA set differs (it has U+FEFF, lacks \x1c-\x1f and \x85).
PY_SPACE = (
    "\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a"
    "\\u2028\\u2029\\u202f\\u205f\\u3000"
)
NO_NUL_NOT_BLANK = f"^[^\\x00]*[^\\x00{PY_SPACE}][^\\x00]*$"


class TextFieldSchema(OpenApiSerializerFieldExtension):
    target_class = serializers.CharField
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        has_own_pattern = "pattern" in schema or any(
            isinstance(v, RegexValidator) for v in self.target.validators
        )
        if schema.get("type") == "string" and not has_own_pattern:
            schema["pattern"] = self._pattern(direction)
        return schema

    def _pattern(self, direction: str) -> str:
        field = self.target
        if field.allow_blank:
            return NO_NUL_NOT_EMPTY
        # "Not blank" is what a request must send; a response only promises no NUL.
        if direction == "request" and field.trim_whitespace and not field.read_only:
            return NO_NUL_NOT_BLANK
        return NO_NUL


def decimal_pattern(field: serializers.DecimalField) -> str:
    whole = (field.max_digits or 30) - (field.decimal_places or 0)
    frac = field.decimal_places or 0
    sign = "" if field.min_value is not None and field.min_value >= 0 else "-?"
    if frac == 0:
        return rf"^{sign}\d{{1,{whole}}}$"
    return rf"^{sign}(?:\d{{1,{whole}}}(?:\.\d{{0,{frac}}})?|\.\d{{1,{frac}}})$"


class DecimalFieldSchema(OpenApiSerializerFieldExtension):
    target_class = serializers.DecimalField
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        if schema.get("type") == "string":
            schema["pattern"] = decimal_pattern(self.target)
        return schema
