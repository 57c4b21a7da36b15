"""Rows a worker keeps in its memory while a stamp in the shared cache says they are current.

Small tables that most pages show (services, teams, the agents a ticket can go to) change
rarely. A `KeptRows` holds what a process has read of them, and a version stamp in the shared
cache (Redis) says when that is stale: every save or delete of a model it was connected to sets
a new stamp, at once and again when the transaction commits (another worker may have read the
old row in between). A page reads the stamp once (one cache round trip) and, when it moved,
starts again from nothing. Without a shared cache (none reachable, or the per-process memory
cache of the embedded mode) nothing is kept: every page reads the rows as it did before. What
a process keeps is forgotten after `max_age` seconds whatever the stamp says: a bulk
`QuerySet.update()` sends no signal (code doing one that changes kept rows calls `bump()`),
and neither does a transaction that rolls back after saving.
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

logger = logging.getLogger(__name__)


def shared_cache() -> bool:
    """Whether the default cache is shared by the workers (Redis), not one per process."""
    return not isinstance(caches["default"], LocMemCache)


class KeptRows:
    def __init__(self, key: str, *, max_age: float = 300.0):
        self.key = key  # the stamp's key in the shared cache
        self.max_age = max_age
        self._lock = threading.Lock()
        self._version: str | None = None
        self._since = 0.0
        self._store: dict = {}
        self.models: set = set()  # those connected: their rows may be kept
        self._receivers: list = []  # the signals hold their receivers weakly

    def current_version(self) -> str | None:
        """The shared stamp (set if there is none yet), or None when there is no shared cache
        or it cannot answer."""
        if not shared_cache():
            return None
        try:
            version = cache.get(self.key)
            if version is None:
                cache.add(self.key, uuid.uuid4().hex, timeout=None)
                version = cache.get(self.key)
            return version
        except Exception:  # a cache that is down must not take the pages with it
            logger.warning("%s unavailable; reading the rows", self.key, exc_info=True)
            return None

    def store(self) -> dict | None:
        """This process's store of kept rows, empty when the stamp moved or the rows grew too
        old; None when there is no shared stamp (nothing can be kept)."""
        version, now = self.current_version(), time.monotonic()
        with self._lock:
            if version is None:
                return None
            if self._version != version or now - self._since > self.max_age:
                self._version, self._since, self._store = version, now, {}
            return self._store

    def bump(self, **_kwargs) -> None:
        """A new stamp now and once the current transaction commits."""
        self._set_new_version()
        transaction.on_commit(self._set_new_version)

    def _set_new_version(self) -> None:
        try:
            cache.set(self.key, uuid.uuid4().hex, timeout=None)
        except Exception:
            logger.warning("could not mark %s as changed", self.key, exc_info=True)
        self.forget()  # this process knows at once, whatever the cache says

    def forget(self) -> None:
        with self._lock:
            self._version = None

    def connect(self, *models, ignore_fields: frozenset[str] = frozenset()) -> None:
        """Bump on every save or delete of `models`, except saves that write only
        `ignore_fields` (a login stamping `last_login`, say)."""

        def saved(sender, update_fields=None, **kwargs):
            if update_fields is None or not set(update_fields) <= ignore_fields:
                self.bump()

        self._receivers.append(saved)
        for model in models:
            self.models.add(model)
            uid = f"{self.key}-{model._meta.label}"
            signals.post_save.connect(saved, sender=model, dispatch_uid=f"{uid}-save")
            signals.post_delete.connect(self.bump, sender=model, dispatch_uid=f"{uid}-delete")
