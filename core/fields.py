"""One-line text: titles and names shown as headings and in mail subjects.

A line break or control character in a title broke the mail subject (BadHeaderError) and
the headings. Such a field takes what is typed and keeps it on one line: every run of
whitespace (line breaks and tabs included) becomes one space, other control characters
are dropped (NUL is refused, as in any text), and the ends are trimmed. The rule is one
function, `one_line`, applied by the form field (pages) and by the serializer field (API,
core/api/strict_text.py), so the value a caller gets back is the value stored, and by the
model field to new rows written otherwise. Rows stored before keep their text until it is
written anew (mail subjects are built on one line from any text: `subject_line`).
"""

import re
import unicodedata

from django import forms
from django.db import models

_WHITESPACE = re.compile(r"\s+")
_DROP = {"Cc"}  # control characters (C0, DEL, C1); emoji joiners and the like are kept


def one_line(text):
    """`text` on one line: whitespace runs → one space, control characters dropped, trimmed.
    Anything but a str is returned as it is."""
    if not isinstance(text, str):
        return text
    spaced = _WHITESPACE.sub(" ", text)
    # NUL stays: it is refused (400), as everywhere else, rather than silently dropped.
    kept = "".join(ch for ch in spaced if ch == "\x00" or unicodedata.category(ch) not in _DROP)
    return kept.strip()


def subject_line(text) -> str:
    """A mail subject from any stored text (older rows may hold line breaks)."""
    return one_line(str(text or "")).replace("\x00", "")


class OneLineFormField(forms.CharField):
    def to_python(self, value):
        return one_line(super().to_python(value))


class OneLineCharField(models.CharField):
    """A CharField kept on one line (see the module docstring). The column is a plain
    varchar: migrations see a CharField, so none is needed to adopt it."""

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.CharField", args, kwargs

    def pre_save(self, model_instance, add):
        """A new row is stored on one line whatever wrote it (a script, an action). A stored
        row is left as it is unless the value is written anew (pages and API tidy it):
        rows saved before this rule (a name with two spaces beside one with one) would
        otherwise change, or clash with a unique name, on any later save of another field."""
        value = getattr(model_instance, self.attname)
        if add:
            value = one_line(value)
            setattr(model_instance, self.attname, value)
        return value

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": OneLineFormField, **kwargs})
