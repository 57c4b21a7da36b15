"""A catalog item's form: its definition checked, answers validated, a Django form built.

A definition is a list of fields::

    {"name": "needed_by", "label": "Needed by", "type": "date",
     "required": true, "help_text": "…", "choices": ["…"]}   # choices: type "choice" only

Types: text, number, date, choice, user, boolean. Answers are stored as JSON: text and
choice as strings, number as a JSON number, date as ISO `YYYY-MM-DD`, user as a user id,
boolean as true/false. A required boolean must be true (an "I agree" box). Every error
names the field: `answers.<name>` for answers, `form_definition` for the definition.
"""

import datetime
import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError

from core.models import User
from core.params import whole_number

FIELD_TYPES = ("text", "number", "date", "choice", "user", "boolean")
FIELD_KEYS = {"name", "label", "type", "required", "help_text", "choices"}
NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MAX_FIELDS = 40
MAX_TEXT = 5000
MAX_CHECKLIST = 30


def definition_clean(definition) -> list[dict]:
    """The definition normalised (defaults filled in), or ValidationError naming the field."""
    if definition in (None, ""):
        return []
    if not isinstance(definition, list):
        raise ValidationError({"form_definition": ["Give a list of fields."]})
    if len(definition) > MAX_FIELDS:
        raise ValidationError({"form_definition": [f"At most {MAX_FIELDS} fields."]})
    errors, out, seen = [], [], set()
    for index, raw in enumerate(definition):
        where = f"field {index + 1}"
        if not isinstance(raw, dict):
            errors.append(f"{where}: give an object with name, label and type.")
            continue
        # Every key's type is checked before its value is used: a name given as a list was
        # looked up in a set (unhashable, a 500).
        name = raw.get("name")
        if isinstance(name, str) and NAME.match(name):
            where = f"field '{name}'"
            if name in seen:
                errors.append(f"{where}: the name is used twice.")
            seen.add(name)
        else:
            errors.append(f"{where}: name must be lower-case letters, digits and _.")
        unknown = sorted(set(raw) - FIELD_KEYS)
        if unknown:
            errors.append(f"{where}: unknown keys {', '.join(unknown)}.")
        kind = raw.get("type")
        if not isinstance(kind, str) or kind not in FIELD_TYPES:
            errors.append(f"{where}: type must be one of {', '.join(FIELD_TYPES)}.")
        label = raw.get("label", name)
        if not isinstance(label, str) or not label.strip() or len(label) > 200:
            errors.append(f"{where}: give a label of up to 200 characters.")
        required = raw.get("required", False)
        if not isinstance(required, bool):
            errors.append(f"{where}: required must be true or false.")
        help_text = raw.get("help_text", "")
        if not isinstance(help_text, str) or len(help_text) > 500:
            errors.append(f"{where}: help_text must be text of up to 500 characters.")
        choices = raw.get("choices")
        if kind == "choice":
            if (
                not isinstance(choices, list)
                or not choices
                or not all(isinstance(c, str) and c.strip() for c in choices)
                or len(set(choices)) != len(choices)
            ):
                errors.append(f"{where}: a choice field needs a list of distinct texts.")
        elif choices is not None:
            errors.append(f"{where}: only choice fields have choices.")
        field = {"name": name, "label": label, "type": kind, "required": required}
        field["help_text"] = help_text
        if kind == "choice":
            field["choices"] = choices
        out.append(field)
    if errors:
        raise ValidationError({"form_definition": errors})
    return out


def checklist_clean(checklist) -> list[str]:
    """The fulfilment checklist: a list of distinct, non-empty task titles."""
    if checklist in (None, ""):
        return []
    if (
        not isinstance(checklist, list)
        or len(checklist) > MAX_CHECKLIST
        or not all(isinstance(t, str) and 0 < len(t.strip()) <= 200 for t in checklist)
    ):
        raise ValidationError(
            {"fulfilment_checklist": [f"Give up to {MAX_CHECKLIST} task titles (≤ 200 chars)."]}
        )
    return [t.strip() for t in checklist]


def _answer(field: dict, value):
    """One answer in its stored form; ValueError with the message if it is wrong."""
    kind = field["type"]
    if kind == "boolean":
        if not isinstance(value, bool):
            raise ValueError("Answer true or false.")
        if field["required"] and not value:
            raise ValueError("This box must be ticked.")
        return value
    if kind == "text":
        if not isinstance(value, str):
            raise ValueError("Answer with text.")
        if len(value) > MAX_TEXT:
            raise ValueError(f"At most {MAX_TEXT} characters.")
        return value.strip()
    if kind == "number":
        if isinstance(value, bool):
            raise ValueError("Answer with a number.")
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation as exc:
            raise ValueError("Answer with a number.") from exc
        if not number.is_finite() or abs(number) >= Decimal("1e15"):
            raise ValueError("Answer with a number.")
        return int(number) if number == number.to_integral_value() else float(number)
    if kind == "date":
        if not isinstance(value, str | datetime.date) or isinstance(value, datetime.datetime):
            raise ValueError("Answer with a date (YYYY-MM-DD).")
        try:
            day = value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value)
        except ValueError as exc:
            raise ValueError("Answer with a date (YYYY-MM-DD).") from exc
        return day.isoformat()
    if kind == "choice":
        if value not in field["choices"]:
            raise ValueError("Choose one of: " + ", ".join(field["choices"]) + ".")
        return value
    if kind == "user":
        pk = getattr(value, "pk", value)
        plain = isinstance(pk, int | str) and not isinstance(pk, bool)
        user_id = whole_number(str(pk)) if plain else None
        if user_id is None:
            raise ValueError("Answer with a user id.")
        if not User.objects.filter(pk=user_id, is_active=True).exists():
            raise ValueError("No such active user.")
        return user_id
    raise ValueError("Unknown field type.")


def _empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def answers_clean(definition: list[dict], answers) -> dict:
    """Answers checked against the definition; ValidationError({"answers.<name>": …})."""
    if answers is None:
        answers = {}
    if not isinstance(answers, dict):
        raise ValidationError({"answers": ["Give the answers as an object of field: value."]})
    errors: dict[str, list[str]] = {}
    known = {f["name"] for f in definition}
    for name in sorted(set(answers) - known):
        errors[f"answers.{name}"] = ["This form has no such field."]
    out = {}
    for field in definition:
        name = field["name"]
        value = answers.get(name)
        if _empty(value) or (
            field["type"] == "boolean" and value is False and not field["required"]
        ):
            if field["required"]:
                errors[f"answers.{name}"] = ["This field is required."]
            elif field["type"] == "boolean" and value is False:
                out[name] = False
            continue
        try:
            out[name] = _answer(field, value)
        except ValueError as exc:
            errors[f"answers.{name}"] = [str(exc)]
    if errors:
        raise ValidationError(errors)
    return out


def _form_field(field: dict) -> forms.Field:
    common = {
        "label": field["label"],
        "required": field["required"],
        "help_text": field.get("help_text", ""),
    }
    kind = field["type"]
    if kind == "text":
        return forms.CharField(
            max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 3}), **common
        )
    if kind == "number":
        return forms.DecimalField(widget=forms.NumberInput(attrs={"step": "any"}), **common)
    if kind == "date":
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if kind == "choice":
        choices = [("", "Choose…"), *[(c, c) for c in field["choices"]]]
        return forms.ChoiceField(choices=choices, **common)
    if kind == "user":
        return forms.ModelChoiceField(
            queryset=User.objects.filter(is_active=True).order_by("first_name", "username"),
            empty_label="Choose a person…",
            **common,
        )
    return forms.BooleanField(**common)


class CatalogItemForm(forms.Form):
    """The portal form of one catalog item, built from its definition. The browser checks
    required/number/date through the HTML5 attributes; `answers()` runs the same server
    validation as the API."""

    def __init__(self, definition: list[dict], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.definition = definition
        for field in definition:
            self.fields[field["name"]] = _form_field(field)

    def answers(self) -> dict:
        raw = {}
        for field in self.definition:
            value = self.cleaned_data.get(field["name"])
            if field["type"] == "user" and value is not None:
                value = value.pk
            elif field["type"] == "number" and value is not None:
                value = str(value)
            raw[field["name"]] = value
        return answers_clean(self.definition, raw)
