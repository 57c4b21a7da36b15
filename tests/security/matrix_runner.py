"""Enumerate every URL pattern and call it as every role (used by test_matrix.py)."""

from dataclasses import dataclass, field

from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from core.models import AuditEvent

SKIP_PREFIXES = ("admin/", "static/", "media/")
FUNCTION_VIEW_METHODS = ("GET", "POST")


@dataclass
class Endpoint:
    key: str  # namespaced URL name, or the route when unnamed
    route: str
    methods: tuple[str, ...]  # every method the pattern must have a row for


def _route(pattern) -> str:
    return str(pattern.pattern)


def _methods(callback) -> tuple[str, ...]:
    actions = getattr(callback, "actions", None)
    if actions:
        return tuple(sorted(m.upper() for m in actions))
    cls = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if cls is not None:
        names = [
            m.upper()
            for m in cls.http_method_names
            if m not in ("options", "head", "trace") and hasattr(cls, m)
        ]
        return tuple(sorted(set(names) | {"GET"}))
    return FUNCTION_VIEW_METHODS


def endpoints() -> list[Endpoint]:
    found: list[Endpoint] = []

    def walk(patterns, prefix: str, namespace: str):
        for p in patterns:
            if isinstance(p, URLResolver):
                route = prefix + _route(p)
                if route.startswith(SKIP_PREFIXES):
                    continue
                ns = namespace
                if p.namespace:
                    ns = f"{namespace}{p.namespace}:"
                walk(p.url_patterns, route, ns)
            elif isinstance(p, URLPattern):
                route = prefix + _route(p)
                if route.startswith(SKIP_PREFIXES) or "format" in p.pattern.regex.groupindex:
                    continue  # DRF's format-suffix twins share the row of their pattern
                key = f"{namespace}{p.name}" if p.name else route
                found.append(Endpoint(key=key, route=route, methods=_methods(p.callback)))

    walk(get_resolver().url_patterns, "", "")
    return found


@dataclass
class Row:
    """Expected status per method and role for one URL pattern.

    `kw(world)` gives the URL kwargs; `body` maps a method to `body(world)`; `url(world)`
    replaces reverse() when a pattern needs a query string."""

    expect: dict[str, dict[str, int]]
    kw: object = None
    body: dict = field(default_factory=dict)
    url: object = None
    json: bool = True
    # Roles whose unsafe request may write (an audit row); everyone else must write nothing.
    # None: the roles expected to get a status below 400.
    writers: tuple | None = None

    def may_write(self, method: str, role: str) -> bool:
        if self.writers is not None:
            return role in self.writers
        return self.expect[method][role] < 400


def clients(world, roles) -> dict:
    out = {}
    for role in roles:
        client = APIClient()
        user = getattr(world, role)
        if user is not None:
            client.force_login(user)
        out[role] = client
    return out


def call(client, method: str, url: str, data, as_json: bool):
    """One request inside a savepoint that is rolled back: every call sees the same world.
    Returns the response and how many audit rows it wrote."""
    with transaction.atomic():
        before = AuditEvent.objects.count()
        # Forms post multipart (the test settings make JSON the default format).
        kwargs = {"format": "json" if as_json else "multipart"}
        if data is not None:
            kwargs["data"] = data
        response = getattr(client, method.lower())(url, **kwargs)
        # A refused non-atomic view marks this block for rollback: it wrote nothing that stays.
        rolled_back = transaction.get_connection().needs_rollback
        written = 0 if rolled_back else AuditEvent.objects.count() - before
        transaction.set_rollback(True)
    return response, written


def observe(key: str, row: Row, world, roles) -> tuple[dict, list[str]]:
    """({method: {role: status}}, ["METHOD as role wrote N audit rows", …] for refused roles)."""
    url = row.url(world) if row.url else reverse(key, kwargs=row.kw(world) if row.kw else None)
    by_role = clients(world, roles)
    seen: dict[str, dict[str, int]] = {}
    leaks: list[str] = []
    for method in row.expect:
        body = row.body.get(method)
        for role in roles:
            data = body(world) if callable(body) else body
            if data is None and method in ("POST", "PUT", "PATCH"):
                data = {}
            response, written = call(by_role[role], method, url, data, row.json)
            seen.setdefault(method, {})[role] = response.status_code
            if written and not row.may_write(method, role):
                leaks.append(f"{method} as {role} wrote {written} audit row(s)")
    return seen, leaks
