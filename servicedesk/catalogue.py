"""The small tables every incident row names (services, teams, organisations, SLA policies
with their calendars), kept in each worker's memory for the incident lists.

A list page read them afresh for every page: four statements, each compiled, run and turned
into model instances (~2 ms of a 50-row page's ~8 ms at a million incidents). They change
rarely and number in the hundreds, so each process keeps the rows it has needed while the
catalogue's stamp in the shared cache says they are current (`core.kept`: every save or delete
of one of these models, or of a calendar's hours and holidays, sets a new stamp; without a
shared cache the rows are read for every page, as before).

The kept instances are shared by the requests of a worker: lists only read them.
"""

from __future__ import annotations

from django.db.models.query import ModelIterable

from core.kept import KeptRows

# The incident's foreign keys to the catalogue.
_RELATIONS = ("service", "team", "organisation", "sla_policy")
_JOINED = ("service", "team", "organisation", "sla_policy__calendar")

KEPT = KeptRows("servicedesk:catalogue:version")


def _loaders() -> dict:
    from core.models import Organisation, Team
    from servicedesk.models import Service, SLAPolicy

    return {
        "service": Service.objects.all(),
        "team": Team.objects.all(),
        "organisation": Organisation.objects.all(),
        "sla_policy": SLAPolicy.objects.select_related("calendar"),
    }


def kept_row(name: str, read):
    """One catalogue row found by a rule rather than a key (the default SLA policy, the
    built-in 24x7 hours), kept like the others: `read()` once per stamp, or every time when
    nothing can be kept."""
    store = KEPT.store()
    if store is None:
        return read()
    singles = store.setdefault("singles", {})
    if name not in singles:
        singles[name] = read()
    return singles[name]


def bump(**_kwargs) -> None:
    """Mark the catalogue as changed (after a bulk update, say)."""
    KEPT.bump()


def attach(incidents: list, store: dict) -> None:
    """Give each incident its service, team, organisation and SLA policy (with calendar) from
    the kept rows, reading only the ones this process has not kept yet."""
    rows = {name: store.setdefault(name, {}) for name in _RELATIONS}
    wanted = {name: set() for name in _RELATIONS}
    for incident in incidents:
        for name in _RELATIONS:
            pk = getattr(incident, f"{name}_id")
            if pk is not None and pk not in rows[name]:
                wanted[name].add(pk)
    missing = {name: pks for name, pks in wanted.items() if pks}
    if missing:
        loaders = _loaders()
        for name, pks in missing.items():
            found = loaders[name].in_bulk(pks)
            rows[name].update(found)
    for incident in incidents:
        cache_ = incident._state.fields_cache
        for name in _RELATIONS:
            pk = getattr(incident, f"{name}_id")
            cache_[name] = None if pk is None else rows[name].get(pk)


class WithCatalogue(ModelIterable):
    """Incidents with their catalogue rows attached from the kept rows (see `attach`), or
    joined in the same statement when nothing can be kept (no shared cache)."""

    def __iter__(self):
        store = KEPT.store()
        if store is None:
            self.queryset = self.queryset.select_related(*_JOINED)
            yield from super().__iter__()
            return
        incidents = list(super().__iter__())
        if incidents:
            attach(incidents, store)
        yield from incidents


def with_catalogue(incidents):
    """`incidents` (a queryset) yielding incidents with their catalogue rows attached; the
    setting survives filters, slices and `in_bulk` (Django copies a queryset's iterable)."""
    chained = incidents.all()
    chained._iterable_class = WithCatalogue
    return chained


def connect() -> None:
    """Mark the catalogue as changed whenever one of its rows (or a calendar's hours or
    holidays) is saved or deleted."""
    from core.models import Organisation, Team
    from servicedesk.models import BusinessCalendar, Holiday, Service, SLAPolicy, WorkingInterval

    KEPT.connect(Service, Team, Organisation, SLAPolicy, BusinessCalendar, Holiday, WorkingInterval)
