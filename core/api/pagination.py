from django.db.models.query import ModelIterable
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination


class KeysetPagination(CursorPagination):
    """Cursor (keyset) pagination: every page costs the same at any depth.

    `page_size` is 1–200 (empty: the default); anything else is a 400 on the API (the pages,
    which never offer the parameter, fall back to the default instead)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-id"
    strict_page_size = True

    def paginate_queryset(self, queryset, request, view=None):
        """The page's keys first, then its rows with their relations (a "deferred join").

        Joined before the LIMIT, PostgreSQL joins every matching row (a team's whole open
        queue) to build one page; sorting and limiting the bare rows first, then reading the
        page's rows by primary key, costs the same for any queue size."""
        iterable = queryset._iterable_class  # e.g. rows with their catalogue attached
        joins = bool(queryset.query.select_related) or bool(queryset._prefetch_related_lookups)
        query = queryset.query
        # Annotated lists (subqueries per row) would compute them twice: paged as they are.
        if not joins or query.annotations or query.distinct or query.combinator:
            return super().paginate_queryset(queryset, request, view)
        columns = {f.name for f in queryset.model._meta.concrete_fields} | {"pk"}
        ordering = {field.lstrip("-") for field in self.get_ordering(request, queryset, view)}
        keys = queryset.select_related(None).prefetch_related(None)
        keys = keys.only(*(ordering & columns))
        keys._iterable_class = ModelIterable  # bare keys: nothing to attach
        page = super().paginate_queryset(keys, request, view)
        if not page:
            return page
        # By primary key alone: the keys query applied the filters and the visibility; a row
        # changed (or deleted) since must not turn into an error.
        rows_query = queryset.model._base_manager.filter(pk__in=[key.pk for key in page])
        rows_query.query.select_related = query.select_related
        rows_query.query.deferred_loading = query.deferred_loading
        if issubclass(iterable, ModelIterable):
            rows_query._iterable_class = iterable
        rows = rows_query.prefetch_related(*queryset._prefetch_related_lookups).in_bulk()
        self.page = [rows[key.pk] for key in page if key.pk in rows]
        return self.page

    def get_ordering(self, request, queryset, view):
        """The requested ordering plus the primary key as a tie-breaker: the cursor steps over
        equal values (three incidents opened in the same second) by an offset, which is only
        right when every query returns ties in the same order."""
        ordering = super().get_ordering(request, queryset, view)
        if {field.lstrip("-") for field in ordering} & {"pk", "id"}:
            return ordering
        return (*ordering, "-pk" if ordering[0].startswith("-") else "pk")

    def get_page_size(self, request):
        raw = request.query_params.getlist(self.page_size_query_param)
        if raw in ([], [""]) or not self.strict_page_size:  # empty means "not given"
            return super().get_page_size(request)
        value = raw[0]
        well_formed = len(raw) == 1 and value.isascii() and value.isdigit() and len(value) < 4
        if well_formed and 1 <= int(value) <= self.max_page_size:
            return int(value)
        raise ValidationError(
            {self.page_size_query_param: [f"A whole number from 1 to {self.max_page_size}."]}
        )

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
        return parameters
