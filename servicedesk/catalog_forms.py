"""A catalog item's form: its definition checked, answers validated, a Django form built.

A definition is a list of fields::

    {"name": "needed_by", "label": "Needed by", "type": "date",
     "required": true, "help_text": "…", "choices": ["…"]}   # choices: type "choice" only
    {"name": "seats", "label": "Seats", "type": "number",
     "min": 1, "max": 50, "integer": true}                  # number only, each optional

Types: text, number, date, choice, user, boolean. Answers are stored as JSON: text and
choice as strings, number as a JSON number, date as ISO `YYYY-MM-DD`, user as a user id,
boolean as true/false. A required boolean must be true (an "I agree" box); a number lies
within its field's `min` and `max` and, with `integer`, is whole; a person is one the
person submitting may order for (request_queries.people_to_order_for): the API names them
by user id, the portal form by username or email typed in a person box (core.people). Every
error names the field: `answers.<name>` for answers, `form_definition` for the definition.
"""

import datetime
import math
import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError

from core.numbers import decimal_text
from core.params import whole_number
from core.people import PersonField
from core.roles import is_staff_member
from servicedesk.request_queries import people_to_order_for

FIELD_TYPES = ("text", "number", "date", "choice", "user", "boolean")
NUMBER_KEYS = ("min", "max", "integer")
FIELD_KEYS = {"name", "label", "type", "required", "help_text", "choices", *NUMBER_KEYS}
# Numbers (answers and bounds) are finite and below this in size.
NUMBER_LIMIT = Decimal("1e15")
NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MAX_FIELDS = 40
MAX_TEXT = 5000
MAX_CHECKLIST = 30
PICK_HELP = "Type a name, username or email and pick the person."


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
        if kind == "number":
            field.update(_number_settings(raw, where, errors))
        elif any(raw.get(key) is not None for key in NUMBER_KEYS):
            errors.append(f"{where}: only number fields have min, max and integer.")
        out.append(field)
    if errors:
        raise ValidationError({"form_definition": errors})
    return out


def _number_settings(raw: dict, where: str, errors: list[str]) -> dict:
    """A number field's optional bounds and whole-number setting (absent or null is no
    setting; `integer: false` is none either): min ≤ max, whole bounds for a whole number
    field. Problems are appended to `errors`."""
    settings, bounds = {}, {}
    for key in ("min", "max"):
        value = raw.get(key)
        if value is None:
            continue
        number = _json_number(value)
        if number is None:
            errors.append(f"{where}: {key} must be a number (at most 15 digits before the point).")
            continue
        # Whole bounds are kept as integers (1.0 reads as 1, as the builder writes it).
        whole = number == number.to_integral_value()
        settings[key], bounds[key] = (int(number) if whole else value), number
    integer = raw.get("integer", False)
    if integer is None:
        integer = False
    if not isinstance(integer, bool):
        errors.append(f"{where}: integer must be true or false.")
    elif integer:
        settings["integer"] = True
        fractional = [key for key, n in bounds.items() if n != n.to_integral_value()]
        if fractional:
            named = " and ".join(fractional)
            errors.append(f"{where}: a whole-number field's {named} must be whole.")
    if len(bounds) == 2 and bounds["min"] > bounds["max"]:
        errors.append(f"{where}: min must not be more than max.")
    return settings


def _json_number(value) -> Decimal | None:
    """A JSON number (not a boolean, not text) that is finite and within the limit."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    # Checked before any conversion (a huge integer is refused without being written out).
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if abs(value) >= NUMBER_LIMIT:
        return None
    return Decimal(str(value))


def number_text(number) -> str:
    """A bound as people write it: 1, 2.5 (never 1.0 or 1E+3)."""
    return decimal_text(number)


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


def _answer(field: dict, value, actor):
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
        if not number.is_finite() or abs(number) >= NUMBER_LIMIT:
            raise ValueError("Answer with a number.")
        whole = number == number.to_integral_value()
        if field.get("integer") and not whole:
            raise ValueError("Answer with a whole number.")
        if field.get("min") is not None and number < Decimal(str(field["min"])):
            raise ValueError(f"At least {number_text(field['min'])}.")
        if field.get("max") is not None and number > Decimal(str(field["max"])):
            raise ValueError(f"At most {number_text(field['max'])}.")
        return int(number) if whole else float(number)
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
        if not people_to_order_for(actor).filter(pk=user_id).exists():
            raise ValueError(person_refused(actor))
        return user_id
    raise ValueError("Unknown field type.")


def person_refused(actor) -> str:
    """Why a person answer is refused: no active user, or one `actor` may not order for."""
    if is_staff_member(actor):
        return "No such active user."
    return "Choose yourself or an active person of your organisation."


def _empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def answers_clean(definition: list[dict], answers, *, actor) -> dict:
    """Answers checked against the definition for `actor`, the person submitting them (whom
    they may name in a person field); ValidationError({"answers.<name>": …})."""
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
            out[name] = _answer(field, value, actor)
        except ValueError as exc:
            errors[f"answers.{name}"] = [str(exc)]
    if errors:
        raise ValidationError(errors)
    return out


def _form_field(field: dict, actor) -> forms.Field:
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
        # The bounds go to the browser only: the server's messages are answers_clean's.
        attrs = {"step": "1" if field.get("integer") else "any"}
        attrs.update({key: number_text(field[key]) for key in ("min", "max") if key in field})
        return forms.DecimalField(widget=forms.NumberInput(attrs=attrs), **common)
    if kind == "date":
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if kind == "choice":
        choices = [("", "Choose…"), *[(c, c) for c in field["choices"]]]
        return forms.ChoiceField(choices=choices, **common)
    if kind == "user":
        # A box to type in, offered matches from /people/ (the same rule), not a select of
        # everyone one may order for: 20,000 options for staff at bench scale.
        common["help_text"] = " ".join(filter(None, (common["help_text"], PICK_HELP)))
        # The typed box: a requester is told whom they may name (no match may be a colleague
        # typed by full name, or someone of another organisation), staff the box's own words.
        refused = (
            {}
            if is_staff_member(actor)
            else {
                "no_match": "No one you may order for (yourself or an active person of your "
                "organisation) has that username or email: type a name and pick the person "
                "from the list."
            }
        )
        return PersonField(
            queryset=people_to_order_for(actor),
            # Ordering for oneself needs no typing: a required box starts with one's username.
            initial=actor if field["required"] else None,
            error_messages=refused,
            **common,
        )
    return forms.BooleanField(**common)


class CatalogItemForm(forms.Form):
    """The portal form of one catalog item, built from its definition, for `actor` (who
    fills it in: whom a person field takes and offers as they type). The browser checks
    required, number bounds and dates through the HTML5 attributes; `answers()` runs the
    same server validation as the API."""

    def __init__(self, definition: list[dict], *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.definition, self.actor = definition, actor
        for field in definition:
            self.fields[field["name"]] = _form_field(field, actor)

    def answers(self) -> dict:
        raw = {}
        for field in self.definition:
            value = self.cleaned_data.get(field["name"])
            if field["type"] == "user" and value is not None:
                value = value.pk
            elif field["type"] == "number" and value is not None:
                value = str(value)
            raw[field["name"]] = value
        return answers_clean(self.definition, raw, actor=self.actor)
