from rest_framework.pagination import CursorPagination


class KeysetPagination(CursorPagination):
    """Cursor (keyset) pagination: every page costs the same at any depth."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-id"
