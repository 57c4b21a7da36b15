"""Fill several select widgets (services, teams, agents …) from one statement.

A console page shows a handful of small choice lists; letting each ModelChoiceField iterate its
queryset costs one statement per widget. `load_choices` reads them all in one UNION ALL and
hands each field's widget a plain list (labels as the models' __str__ gives them). The fields keep
their querysets, so submitted values are still validated against the database.
"""

from collections import defaultdict

from django.db.models import CharField, F, IntegerField, QuerySet, Value
from django.db.models.functions import Coalesce, Concat, NullIf, Trim

from core.models import User


def _label(model):
    if model is User:  # User.__str__: the full name, else the username
        full = Trim(Concat(F("first_name"), Value(" "), F("last_name"), output_field=CharField()))
        return Coalesce(NullIf(full, Value("")), F("username"), output_field=CharField())
    return F("name")


def load_choices(*bindings: tuple[QuerySet, list]) -> None:
    """`bindings`: (queryset, [form fields shown with its rows]) pairs."""
    parts = [
        qs.order_by()
        .annotate(choice_list=Value(n, output_field=IntegerField()), choice_label=_label(qs.model))
        .values_list("choice_list", "pk", "choice_label")
        for n, (qs, _fields) in enumerate(bindings)
    ]
    rows = defaultdict(list)
    for n, pk, label in parts[0].union(*parts[1:], all=True):
        rows[n].append((pk, label))
    for n, (_qs, fields) in enumerate(bindings):
        items = sorted(rows[n], key=lambda row: (row[1].casefold(), row[0]))
        for field in fields:
            blank = [] if field.empty_label is None else [("", field.empty_label)]
            field.widget.choices = [*blank, *items]  # what renders; validation keeps the queryset
