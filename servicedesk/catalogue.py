"""The small tables every incident row names (services, teams, organisations, SLA policies
with their calendars), kept in each worker's memory for the incident lists.

A list page read them afresh for every page: four statements, each compiled, run and turned
into model instances (~2 ms of a 50-row page's ~8 ms at a million incidents). They change
rarely and number in the hundreds, so each process keeps the rows it has needed, and a
version stamp in the shared cache (Redis) says when they are stale: every save or delete of
one of these models, or of a calendar's hours and holidays, sets a new stamp — at once and
again when its transaction commits (another worker may have read the old row in between).
A list reads the stamp once (one cache round trip) and, when it moved, forgets what it kept.
Without a shared cache (none reachable, or the per-process memory cache of the embedded
mode) the rows are read from the database for every page, as before. What a process keeps
is forgotten after five minutes whatever the stamp says (a bulk `QuerySet.update()` sends
no signal; code doing one that changes what a list shows calls `bump()`).

The kept instances are shared by the requests of a worker: lists only read them.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid

from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import transaction
from django.db.models import signals
from django.db.models.query import ModelIterable

logger = logging.getLogger(__name__)

VERSION_KEY = "servicedesk:catalogue:version"
# The incident's foreign keys to the catalogue.
_RELATIONS = ("service", "team", "organisation", "sla_policy")

MAX_AGE = 300.0  # seconds a process keeps rows whatever the stamp says

_lock = threading.Lock()
_kept: dict = {"version": None, "since": 0.0, "rows": {name: {} for name in _RELATIONS}}


def _loaders() -> dict:
    from core.models import Organisation, Team
    from servicedesk.models import Service, SLAPolicy

    return {
        "service": Service.objects.all(),
        "team": Team.objects.all(),
        "organisation": Organisation.objects.all(),
        "sla_policy": SLAPolicy.objects.select_related("calendar"),
    }


def current_version() -> str | None:
    """The shared stamp (set if there is none yet), or None when there is no shared cache or
    it cannot answer."""
    if isinstance(caches["default"], LocMemCache):  # one per process: not shared
        return None
    try:
        version = cache.get(VERSION_KEY)
        if version is None:
            cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
            version = cache.get(VERSION_KEY)
        return version
    except Exception:  # a cache that is down must not take the lists with it
        logger.warning("catalogue version unavailable; reading the catalogue rows", exc_info=True)
        return None


def bump(**_kwargs) -> None:
    """A new stamp now and once the current transaction commits."""
    _set_new_version()
    transaction.on_commit(_set_new_version)


def _set_new_version() -> None:
    try:
        cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)
    except Exception:
        logger.warning("could not mark the catalogue as changed", exc_info=True)
    with _lock:  # this process knows at once, whatever the cache says
        _kept["version"] = None


def attach(incidents: list) -> None:
    """Give each incident its service, team, organisation and SLA policy (with calendar) from
    the kept rows, reading only the ones this process has not kept yet."""
    if not incidents:
        return
    version, now = current_version(), time.monotonic()
    with _lock:
        stale = _kept["version"] != version or now - _kept["since"] > MAX_AGE
        if version is None or stale:
            _kept.update(version=version, since=now, rows={name: {} for name in _RELATIONS})
        rows = _kept["rows"]
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
    """Incidents with their catalogue rows attached (see `attach`)."""

    def __iter__(self):
        incidents = list(super().__iter__())
        attach(incidents)
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

    models = (Service, Team, Organisation, SLAPolicy, BusinessCalendar, Holiday, WorkingInterval)
    for model in models:
        for name, signal in (("save", signals.post_save), ("delete", signals.post_delete)):
            signal.connect(bump, sender=model, dispatch_uid=f"catalogue-{model.__name__}-{name}")
