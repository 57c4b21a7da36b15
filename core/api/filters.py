"""The API's filter backends: django-filter and `?ordering=` for lists only.

DRF runs a viewset's filter backends in `get_object` too, so every detail request (a read,
a PATCH, a transition, a comment) built the list's whole filterset, its form and its
validation, and an ORDER BY, to fetch one row by its id. On a detail URL the list's
filters mean nothing: they are skipped there. Visibility is never a filter backend's job
(each viewset's `get_queryset` applies it), so nothing a user may not see becomes visible.
"""

from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.filters import OrderingFilter


def _one_object(view) -> bool:
    return bool(getattr(view, "detail", False))


class ListFilterBackend(DjangoFilterBackend):
    def filter_queryset(self, request, queryset, view):
        if _one_object(view):
            return queryset
        return super().filter_queryset(request, queryset, view)


class ListOrderingFilter(OrderingFilter):
    def filter_queryset(self, request, queryset, view):
        if _one_object(view):
            return queryset
        return super().filter_queryset(request, queryset, view)
