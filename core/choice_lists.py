"""Fill several select widgets (services, teams, agents …) from one statement, or from none.

A console page shows a handful of choice lists; letting each ModelChoiceField iterate its
queryset costs one statement per widget, and Django builds an option dictionary per row for
each (hundreds of agents). `load_choices` reads the lists it lacks in one UNION ALL, writes
each option's markup once (`core.form_renderer.Listed`) and gives each field a
`ListedSelect` over it. Lists of the models connected to `KEPT` (at start-up, see
`servicedesk.apps`) are kept in the worker's memory while the shared stamp says they are
current (`core.kept`): a kept list's rows must depend on its own model's rows only. The
fields keep their querysets, so submitted values are still validated against the database.
"""

from collections import defaultdict

from django.db.models import CharField, F, IntegerField, QuerySet, Value
from django.db.models.functions import Coalesce, Concat, NullIf, Trim

from core.form_renderer import Listed, ListedSelect
from core.kept import KeptRows
from core.models import User

KEPT = KeptRows("core:choice-lists:version")


def _label(model):
    if model is User:  # User.__str__: the full name, else the username
        full = Trim(Concat(F("first_name"), Value(" "), F("last_name"), output_field=CharField()))
        return Coalesce(NullIf(full, Value("")), F("username"), output_field=CharField())
    return F("name")


def _read(querysets: list[QuerySet]) -> list[list[tuple]]:
    """Each queryset's (pk, label) rows, sorted by label, in one statement."""
    parts = [
        qs.annotate(
            choice_list=Value(n, output_field=IntegerField()), choice_label=_label(qs.model)
        ).values_list("choice_list", "pk", "choice_label")
        for n, qs in enumerate(querysets)
    ]
    rows = defaultdict(list)
    for n, pk, label in parts[0].union(*parts[1:], all=True):
        rows[n].append((pk, label))
    return [sorted(rows[n], key=lambda row: (row[1].casefold(), row[0])) for n in range(len(parts))]


def load_choices(*bindings: tuple[QuerySet, list]) -> None:
    """`bindings`: (queryset, [form fields shown with its rows]) pairs."""
    store = KEPT.store()
    if store is None:  # nothing kept: every list is read
        store = {}
    querysets = [qs.order_by() for qs, _fields in bindings]
    keys = [str(qs.query) if qs.model in KEPT.models else None for qs in querysets]
    lists = {n: store[key] for n, key in enumerate(keys) if key in store}
    wanted = [n for n in range(len(bindings)) if n not in lists]
    if wanted:
        for n, rows in zip(wanted, _read([querysets[n] for n in wanted]), strict=True):
            lists[n] = Listed(rows)
            if keys[n] is not None:
                store[keys[n]] = lists[n]
    for n, (_qs, fields) in enumerate(bindings):
        _show(lists[n], fields)


def show_choices(rows: list[tuple], *fields) -> None:
    """Give `fields` a select over (pk, label) rows the page has read already, in their
    order (a plan's tasks in tree order, say): no statement. The fields keep their querysets
    for validation."""
    _show(Listed(rows), fields)


def _show(listed: Listed, fields) -> None:
    for field in fields:
        field.widget = ListedSelect.replacing(field.widget, listed, field.empty_label)
