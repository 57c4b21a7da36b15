"""An id beyond what a column holds is an id that does not exist: a filter naming one gives
an empty list and a URL naming one a 404, never the database's "integer out of range" (a 500).

The cases are discovered: every id filter (a RelatedFilter) of every FilterSet an API list
uses, every page list with its FilterSet, every URL pattern with a numeric id. A new filter
or URL is covered without touching this file. Runs on the suite's database (PostgreSQL by
DATABASE_URL) and on SQLite (`env -u DATABASE_URL`)."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from core.filtersets import RelatedFilter
from projects.filtersets import ProjectFilterSet
from servicedesk.filtersets import IncidentFilter
from servicedesk.request_filtersets import ImprovementFilter, ServiceRequestFilter
from tests.conftest import browser_for, client_for
from tests.security.kwargs import kwargs_for

TOO_LARGE = [
    "99999999999999999999999",  # the tester's: beyond any integer column
    "9223372036854775808",  # one past the largest bigint
    "-9223372036854775809",  # one below the smallest
]
SKIP_PREFIXES = ("admin/", "static/", "media/")


def _format_twin(pattern) -> bool:
    return "format" in pattern.pattern.regex.groupindex  # DRF's .json twin of a route


def _patterns():
    found = []

    def walk(patterns, prefix, namespace):
        for p in patterns:
            route = prefix + str(p.pattern)
            if route.startswith(SKIP_PREFIXES):
                continue
            if isinstance(p, URLResolver):
                inner = f"{namespace}{p.namespace}:" if p.namespace else namespace
                walk(p.url_patterns, route, inner)
            elif isinstance(p, URLPattern) and p.name and not _format_twin(p):
                found.append((f"{namespace}{p.name}", p))

    walk(get_resolver().url_patterns, "", "")
    return found


def _filterset_of(callback):
    """The FilterSet of a list (a viewset's list or a detail=False action), else None."""
    cls = getattr(callback, "cls", None)
    action = (getattr(callback, "actions", None) or {}).get("get")
    if cls is None or action is None:
        return None
    if action != "list" and getattr(getattr(cls, action, None), "detail", True):
        return None
    initkwargs = getattr(callback, "initkwargs", {}) or {}
    return initkwargs.get("filterset_class", getattr(cls, "filterset_class", None))


def _id_filters(filterset) -> list[str]:
    return sorted(n for n, f in filterset.base_filters.items() if isinstance(f, RelatedFilter))


def _api_cases():
    cases = []
    for key, pattern in _patterns():
        filterset = _filterset_of(pattern.callback)
        if filterset is None:
            continue
        for name in _id_filters(filterset):
            url_kwargs = list(pattern.pattern.regex.groupindex)
            cases.append(pytest.param(key, url_kwargs, name, id=f"{key}?{name}"))
    return cases


API_CASES = _api_cases()

# The pages listing through a FilterSet (the same sets as the API).
PAGES = {
    "servicedesk:queue": IncidentFilter,
    "servicedesk:request_queue": ServiceRequestFilter,
    "servicedesk:improvements": ImprovementFilter,
    "projects:portfolio": ProjectFilterSet,
}
PAGE_CASES = [
    pytest.param(page, name, id=f"{page}?{name}")
    for page, filterset in PAGES.items()
    for name in _id_filters(filterset)
]


def _is_id(name, pattern) -> bool:
    converter = pattern.converters.get(name)
    if converter is not None:
        return converter.__class__.__name__ in ("IntConverter", "IdConverter")
    return name == "pk" or name.endswith(("_pk", "_id"))  # DRF's digit routes


PATH_CASES = [
    pytest.param(key, list(pattern.pattern.regex.groupindex), id=key)
    for key, pattern in _patterns()
    if any(_is_id(n, pattern.pattern) for n in pattern.pattern.regex.groupindex)
]


def test_the_discovery_finds_the_lists_the_tester_named():
    found = {values[0] + "?" + values[2] for values in (c.values for c in API_CASES)}
    for case in (
        "incident-list?service",
        "incident-list?organisation",
        "request-list?approver",
        "service-list?owner",
        "catalog-item-list?service",
        "handoff-list?project",
        "improvement-list?service",
        "improvement-quarters?service",
        "project-list?service",
        "project-task-list?parent",
        "project-time-entry-list?person",
        "project-cost-list?task",
        "project-risk-list?owner",
    ):
        assert case in found, f"{case} not discovered among {sorted(found)}"


@pytest.mark.parametrize("value", TOO_LARGE)
@pytest.mark.parametrize(("key", "url_kwargs", "name"), API_CASES)
def test_an_api_filter_naming_an_id_beyond_the_column_gives_an_empty_list(
    world, people, key, url_kwargs, name, value
):
    url = reverse(key, kwargs=kwargs_for(key, url_kwargs, world))
    for role in ("admin", "requester"):
        response = client_for(people[role]).get(url, {name: value})
        # An admin sees every list; a requester may be refused some (never a 500).
        expected = (200,) if role == "admin" else (200, 403, 404)
        assert response.status_code in expected, (role, response.status_code)
        if response.status_code == 200:
            data = response.json()
            rows = data["results"] if isinstance(data, dict) else data
            assert rows == [], (role, rows)


@pytest.mark.parametrize("value", TOO_LARGE[:2])
@pytest.mark.parametrize(("page", "name"), PAGE_CASES)
def test_a_page_filter_naming_an_id_beyond_the_column_lists_nothing(
    world, people, page, name, value
):
    response = browser_for(people["admin"]).get(reverse(page), {name: value})
    assert response.status_code == 200, response.status_code
    if page == "servicedesk:queue":
        assert world.incident.number not in response.content.decode()


@pytest.mark.parametrize(("key", "url_kwargs"), PATH_CASES)
def test_a_url_naming_an_id_beyond_the_column_is_not_found(world, people, key, url_kwargs):
    pattern = dict(_patterns())[key].pattern
    ids = [n for n in url_kwargs if _is_id(n, pattern)]
    kwargs = kwargs_for(key, [n for n in url_kwargs if n not in ids], world)
    # reverse() builds only URLs that match: build it with an 18-digit stand-in, then put
    # the id too large in its place, as a caller would type it.
    stand_in = "987654321987654321"
    kwargs.update({n: stand_in for n in ids})
    url = reverse(key, kwargs=kwargs).replace(stand_in, TOO_LARGE[0])
    api = key.count(":") == 0 and "-" in key
    client = client_for(people["admin"]) if api else browser_for(people["admin"])
    for method in ("get", "post", "patch", "delete"):
        response = getattr(client, method)(url, {}, **({"format": "json"} if api else {}))
        if response.status_code != 405:
            break
    assert response.status_code == 404, (method, url, response.status_code)
