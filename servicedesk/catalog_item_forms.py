"""The forms service owners and admins use to add and change catalog items in the browser:
the item's own fields, and the form its requesters fill in, built one row per field instead
of typed as JSON. The views (servicedesk/catalog_item_views.py) hand the cleaned data to
request_actions.catalog_item_create / catalog_item_update, which validate it again (the
model's clean runs catalog_forms.definition_clean) and audit the write.

Who may change which service's catalog is request_actions.catalog_item_may_edit, the REST
API's rule; the lists here only ask it.
"""

import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms import formset_factory
from django.utils.text import slugify

from core.models import Team, User
from core.people import PersonField, person_label
from servicedesk.catalog_forms import (
    FIELD_TYPES,
    MAX_FIELDS,
    NUMBER_LIMIT,
    definition_clean,
    number_text,
)
from servicedesk.choices import ApproverKind
from servicedesk.models import CatalogItem, Service
from servicedesk.request_actions import catalog_item_may_edit
from servicedesk.request_queries import catalog_approvers

# What each type shows the requester (the builder's type list, and the format notes).
TYPE_LABELS = {
    "text": "Text",
    "number": "Number",
    "date": "Date",
    "choice": "Choice",
    "user": "Person",
    "boolean": "Tick box",
}
# What the requester gets for each type, said beside the builder.
TYPE_NOTES = {
    "text": "a box for a few lines of text",
    "number": "a number, whole or decimal; min, max and “Whole numbers” bound it",
    "date": "a date picker; the answer is kept as YYYY-MM-DD",
    "choice": "a drop-down of the choices you list, one per line",
    "user": "a person, typed with matches offered: requesters find themselves and the active "
    "people of their organisation, staff everyone active; a required one starts filled with "
    "the one ordering",
    "boolean": "a box to tick; when required it must be ticked (“I agree”)",
}
assert set(TYPE_LABELS) == set(TYPE_NOTES) == set(FIELD_TYPES)
BUILDER_PREFIX = "fields"
BOUND = int(NUMBER_LIMIT) - 1  # a number field's min and max lie within ±BOUND
APPROVER_HELP = (
    "For approval by a named user: type a name, username or email and pick anyone active."
)
APPROVER_REFUSED = "No active person by that username or email: type a name and pick from the list."


def may_write_catalog(user) -> bool:
    """Whether `user` may change some service's catalog (no query): the API's rule asked
    about a service nobody owns (admins) and about one the user owns (service owners)."""
    if not (user and user.is_authenticated):
        return False
    return catalog_item_may_edit(user, Service(owner_id=None)) or catalog_item_may_edit(
        user, Service(owner_id=user.pk)
    )


def services_for_catalog(user) -> QuerySet[Service]:
    """The services whose catalog `user` may change. The rule (catalog_item_may_edit) turns
    on the service's owner alone, so asking it about a service nobody owns and one the user
    owns says which rows to list; no second rule is written here."""
    services = Service.objects.order_by("name")
    if not (user and user.is_authenticated):
        return services.none()
    if catalog_item_may_edit(user, Service(owner_id=None)):
        return services
    if catalog_item_may_edit(user, Service(owner_id=user.pk)):
        return services.filter(owner=user)
    return services.none()


def _model_field(name: str, **kwargs) -> forms.Field:
    """The form field the model declares (its length, range and help text kept)."""
    return CatalogItem._meta.get_field(name).formfield(**kwargs)


class ItemForm(forms.Form):
    """A catalog item's own fields; the form its requesters fill in is the FieldRowFormSet
    beside it. Field names are the model's, so the action's errors land beside them."""

    service = forms.ModelChoiceField(
        queryset=Service.objects.none(),
        empty_label="Choose a service…",
        help_text="Only services whose catalog you may change are listed.",
    )
    name = _model_field("name")
    description = _model_field(
        "description",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Shown beside the form; Markdown (lists, **bold**, links).",
    )
    active = _model_field(
        "active",
        label="Active",
        help_text="Requesters see and order only active items of live services.",
    )
    fulfilment_team = forms.ModelChoiceField(
        queryset=Team.objects.order_by("name"),
        required=False,
        empty_label="None (the service desk)",
        label="Fulfilment team",
        help_text="The team new requests are routed to.",
    )
    fulfilment_checklist = forms.CharField(
        label="Fulfilment checklist",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "Order the laptop\nHand it over"}),
        help_text="One step per line. Every request gets these as tasks; all must be done "
        "before it is fulfilled.",
    )
    approval = forms.ChoiceField(choices=ApproverKind.choices, initial=ApproverKind.NONE)
    # A box to type in, offered matches from /people/ (for the editors, who are staff,
    # everyone active: the rule), not a select of every active user (20,000 at bench scale).
    approver = PersonField(
        required=False,
        label="Approver",
        help_text=APPROVER_HELP,
        error_messages={"no_match": APPROVER_REFUSED},
    )
    delivery_days = _model_field("delivery_days", label="Delivery days")

    def __init__(self, *args, user, approver: User | None = None, **kwargs):
        """`approver`: the item's approver as stored, named under the box (the box holds a
        username) and kept by a save of other fields, even once they have left."""
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["service"].queryset = services_for_catalog(user)
        field = self.fields["approver"]
        field.queryset = catalog_approvers(kept_id=approver.pk if approver else None)
        if approver is not None:
            gone = "" if approver.is_active else ", no longer active"
            field.help_text = (
                f"Saved: {person_label(approver)}{gone}. To change, type a name, username or "
                "email and pick anyone active."
            )

    def clean(self):
        """An approver is named only for approval by a named user: for any other kind the box
        (hidden then, but posted without script, or as the page had it) is not read, so a
        name left in it is neither checked nor kept (request_actions clears it too)."""
        data = super().clean()
        if data.get("approval", self["approval"].value()) != ApproverKind.NAMED_USER:
            self.errors.pop("approver", None)
            data["approver"] = None
        return data

    def approver_applies(self) -> bool:
        """Whether the page shows the approver box: for approval by a named user, as chosen
        on the page (a refused save shows it again as posted)."""
        return self["approval"].value() == ApproverKind.NAMED_USER

    def clean_fulfilment_checklist(self) -> list[str]:
        text = self.cleaned_data["fulfilment_checklist"]
        return [line.strip() for line in text.splitlines() if line.strip()]

    def item_fields(self) -> dict:
        """The cleaned fields as the actions take them (no version)."""
        return {name: value for name, value in self.cleaned_data.items() if name != "version"}


class ItemEditForm(ItemForm):
    """The same fields and the version the edit is based on: a stale one answers 412, a
    missing one 400 (never the current version in its place, which would overwrite
    whatever was saved meanwhile)."""

    version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        error_messages={
            "required": "The form did not say which version of the item it was based on, so "
            "nothing was saved. Reload the page and make your change again.",
            "invalid": "The form's version is not a number, so nothing was saved. Reload the "
            "page and make your change again.",
        },
    )

    @staticmethod
    def initial_of(item: CatalogItem) -> dict:
        return {
            "service": item.service_id,
            "name": item.name,
            "description": item.description,
            "active": item.active,
            "fulfilment_team": item.fulfilment_team_id,
            "fulfilment_checklist": "\n".join(item.fulfilment_checklist),
            "approval": item.approval,
            # The person (joined by catalog_items_visible_to): the box shows the username.
            "approver": item.approver,
            "delivery_days": item.delivery_days,
            "version": item.version,
        }

    def changes(self, item: CatalogItem) -> dict:
        """The fields whose value differs from the item's as stored."""
        out = {}
        for name, value in self.item_fields().items():
            field = CatalogItem._meta.get_field(name)
            if getattr(value, "pk", value) != getattr(item, field.attname):
                out[name] = value
        return out


def name_from_label(label: str) -> str:
    """A field name made from its label ("Needed by" → needed_by), for rows left unnamed."""
    name = slugify(label).replace("-", "_")[:40].strip("_")
    if name and not name[0].isalpha():
        name = f"f_{name}"[:40].rstrip("_")
    return name


class FieldRowForm(forms.Form):
    """One field of the requesters' form. A row with nothing typed is no field; a filled one
    is checked by catalog_forms.definition_clean, the rule the API and the model use."""

    label = forms.CharField(max_length=200, required=False)
    name = forms.CharField(
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "from the label", "spellcheck": "false"}),
    )
    # Not required: a row added empty has no type posted yet (it is text unless chosen).
    type = forms.ChoiceField(choices=list(TYPE_LABELS.items()), initial="text", required=False)
    required = forms.BooleanField(required=False)
    help_text = forms.CharField(max_length=500, required=False, label="Help text")
    choices = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Choice fields only: one per line.",
    )
    # Number fields only: the bounds of an answer and whether it must be whole.
    min = forms.DecimalField(required=False, label="Min", min_value=-BOUND, max_value=BOUND)
    max = forms.DecimalField(required=False, label="Max", min_value=-BOUND, max_value=BOUND)
    integer = forms.BooleanField(required=False, label="Whole numbers")

    def __init__(self, *args, position: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.position = position

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        label = data.get("label", "").strip()
        name = data.get("name", "").strip()
        help_text = data.get("help_text", "").strip()
        choices = [line.strip() for line in data.get("choices", "").splitlines() if line.strip()]
        bounds = {key: data.get(key) for key in ("min", "max") if data.get(key) is not None}
        integer = bool(data.get("integer"))
        if not (label or name or help_text or choices or bounds or integer):
            return data  # an empty row: no field
        raw = {
            "name": name or name_from_label(label),
            "type": data.get("type") or "text",
            "required": bool(data.get("required")),
            "help_text": help_text,
        }
        if label:
            raw["label"] = label
        if choices or raw["type"] == "choice":
            raw["choices"] = choices
        # As JSON numbers (1, 2.5): the API's shape, which definition_clean checks.
        raw.update({key: _json_number(value) for key, value in bounds.items()})
        if integer:
            raw["integer"] = True
        try:
            data["field"] = definition_clean([raw])[0]
        except ValidationError as exc:
            where = f"field {self.position}:"
            for message in exc.message_dict["form_definition"]:
                # definition_clean counts from 1 in the list it was given: this one row.
                self.add_error(None, re.sub(r"^field 1:", where, message))
        return data


class BaseFieldRowFormSet(forms.BaseFormSet):
    """The rows in their order ("#" column; blank ones last), without deleted and empty rows,
    checked together (names used twice, too many fields) by definition_clean."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix=BUILDER_PREFIX, **kwargs)
        self.definition_errors: list[str] = []  # the action's, after a refused save

    def get_form_kwargs(self, index):
        return {"position": (index or 0) + 1}

    def _fields_in_order(self) -> list[dict]:
        rows = []
        for index, form in enumerate(self.forms):
            data = getattr(form, "cleaned_data", {})
            if "field" not in data or data.get("DELETE"):
                continue
            order = data.get("ORDER")
            rows.append((order is None, order or 0, index, data["field"]))
        return [field for *_, field in sorted(rows, key=lambda row: row[:3])]

    def clean(self):
        if any(self.errors):
            return
        try:
            definition_clean(self._fields_in_order())
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["form_definition"]) from exc

    def definition(self) -> list[dict] | None:
        """The form definition the rows make, or None while a row is wrong."""
        if not self.is_valid():
            return None
        return definition_clean(self._fields_in_order())

    @property
    def all_errors(self) -> list[str]:
        return [*self.non_form_errors(), *self.definition_errors] if self.is_bound else []


FieldRowFormSet = formset_factory(
    FieldRowForm,
    formset=BaseFieldRowFormSet,
    extra=1,
    can_order=True,
    can_delete=True,
    max_num=MAX_FIELDS,
    validate_max=True,
    absolute_max=MAX_FIELDS + 10,
)


def _json_number(value: Decimal) -> int | float:
    """A typed bound as the JSON number the API would send: whole ones as integers."""
    text = number_text(value)
    return int(text) if "." not in text else float(text)


def rows_of(definition: list[dict]) -> list[dict]:
    """The builder's rows (initial values) of a stored definition."""
    return [
        {
            "label": field.get("label", ""),
            "name": field.get("name", ""),
            "type": field.get("type", "text"),
            "required": field.get("required", False),
            "help_text": field.get("help_text", ""),
            "choices": "\n".join(field.get("choices") or []),
            "min": field.get("min"),
            "max": field.get("max"),
            "integer": field.get("integer", False),
        }
        for field in definition
    ]
