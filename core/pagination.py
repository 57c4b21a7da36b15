"""Keyset pages for the HTML lists, using the same cursor paginator as the API."""

from dataclasses import dataclass

from django.http import Http404
from rest_framework.exceptions import NotFound
from rest_framework.request import Request

from core.api.pagination import KeysetPagination


@dataclass
class KeysetPage:
    items: list
    next_url: str | None
    previous_url: str | None


def keyset_page(request, queryset, *, ordering: tuple[str, ...], page_size: int = 50) -> KeysetPage:
    """One page of `queryset` in `ordering`; each page costs the same at any depth."""
    paginator = KeysetPagination()
    paginator.ordering = ordering
    paginator.page_size = page_size
    paginator.strict_page_size = False
    drf_request = Request(request)
    try:
        items = paginator.paginate_queryset(queryset, drf_request)
    except NotFound as exc:  # a malformed cursor in the address
        raise Http404(str(exc.detail)) from None
    return KeysetPage(items, paginator.get_next_link(), paginator.get_previous_link())
