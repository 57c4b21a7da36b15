import binascii
import datetime
import functools
import json
import operator
from base64 import b64decode, b64encode
from decimal import Decimal
from urllib import parse

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import F, Q
from django.db.models.query import ModelIterable
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.utils.urls import replace_query_param

from core.params import whole_number


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
        """One page after (or, going back, before) the cursor's position.

        The position is the values of every ordering column of a page's last (or first) row,
        the primary key last: rows are cut on all of them (`_beyond`), so a page starts
        where the previous one ended whatever the ties. (DRF's cursor keeps the first column
        only and skips ties by an offset it caps at 1,000: walking `?ordering=priority` over
        a million incidents repeated one page for ever.)

        The page's keys are read first, then its rows with their relations (a "deferred
        join"): joined before the LIMIT, PostgreSQL joins every matching row (a team's whole
        open queue) to build one page; sorting and limiting the bare rows first, then reading
        the page's rows by primary key, costs the same for any queue size."""
        self.page_size = self.get_page_size(request)
        if not self.page_size:
            return None
        self.base_url = request.build_absolute_uri()
        self.ordering = self.get_ordering(request, queryset, view)
        self.cursor = self.decode_cursor(request)
        reverse = bool(self.cursor and self.cursor.reverse)
        position = self._typed(queryset, self.cursor.position) if self.cursor else None

        iterable = queryset._iterable_class  # e.g. rows with their catalogue attached
        joins = bool(queryset.query.select_related) or bool(queryset._prefetch_related_lookups)
        query = queryset.query
        # Annotated lists (subqueries per row) would compute them twice: paged as they are.
        deferred = joins and not (query.annotations or query.distinct or query.combinator)
        source = queryset
        if deferred:
            columns = {f.name for f in queryset.model._meta.concrete_fields} | {"pk"}
            ordered = {field.lstrip("-") for field in self.ordering}
            source = queryset.select_related(None).prefetch_related(None)
            source = source.only(*(ordered & columns))
            source._iterable_class = ModelIterable  # bare keys: nothing to attach
            # A related manager's rows know their parent and would read its key column,
            # deferred here, row by row (`endpoint.deliveries`: one statement per row).
            source._known_related_objects = {}
        order = self._order(queryset, reverse)
        # Ascending on a nullable first column from a value: "beyond or NULL" is no index range
        # (PostgreSQL filtered every row before the position, deep pages grew slower), so the
        # values beyond are read as a range and, when they run out, the NULLs from the end.
        nulls_after = self._nulls_after(queryset, position, reverse)
        everything = source
        if position is not None:
            source = source.filter(self._beyond(queryset, position, reverse, nulls=not nulls_after))
        found = list(source.order_by(*order)[: self.page_size + 1])
        if nulls_after and len(found) <= self.page_size:
            first = self.ordering[0].lstrip("-")
            nulls = everything.filter(**{f"{first}__isnull": True}).order_by(*order)
            found += list(nulls[: self.page_size + 1 - len(found)])
        more = len(found) > self.page_size
        page = found[: self.page_size]
        if reverse:
            page.reverse()
        # Forward, a cursor means there is a page before; back, the row it stood on is after.
        self.has_next = (position is not None) if reverse else more
        self.has_previous = more if reverse else (position is not None)
        self.first_position = self._position(page[0]) if page else position
        self.last_position = self._position(page[-1]) if page else position
        if reverse and not page:  # nothing before it: "next" is the first page
            self.last_position = None
        if deferred and page:
            # By primary key alone: the keys query applied the filters and the visibility; a
            # row changed (or deleted) since must not turn into an error.
            rows_query = queryset.model._base_manager.filter(pk__in=[key.pk for key in page])
            rows_query.query.select_related = query.select_related
            rows_query.query.deferred_loading = query.deferred_loading
            if issubclass(iterable, ModelIterable):
                rows_query._iterable_class = iterable
            rows = rows_query.prefetch_related(*queryset._prefetch_related_lookups).in_bulk()
            page = [rows[key.pk] for key in page if key.pk in rows]
        self.page = page
        if (self.has_previous or self.has_next) and self.template is not None:
            self.display_page_controls = True
        return self.page

    def get_next_link(self):
        if not self.has_next:
            return None
        return self.encode_cursor(Cursor(offset=0, reverse=False, position=self.last_position))

    def get_previous_link(self):
        if not self.has_previous:
            return None
        return self.encode_cursor(Cursor(offset=0, reverse=True, position=self.first_position))

    def encode_cursor(self, cursor):
        tokens = {}
        if cursor.reverse:
            tokens["r"] = "1"
        if cursor.position is not None:
            tokens["p"] = json.dumps([_encode(value) for value in cursor.position])
        encoded = b64encode(parse.urlencode(tokens).encode("ascii")).decode("ascii")
        return replace_query_param(self.base_url, self.cursor_query_param, encoded)

    def decode_cursor(self, request):
        """The cursor's direction and position (a list of values, the ordering's first ones;
        a plain text is the first column's value, as DRF's cursors and the bench write it).
        Anything malformed is a 404, as DRF answers."""
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is None:
            return None
        try:
            tokens = parse.parse_qs(b64decode(encoded.encode("ascii")).decode("ascii"))
            reverse = bool(int(tokens.get("r", ["0"])[0]))
            raw = tokens.get("p", [None])[0]
            position = None
            if raw is not None:
                try:
                    values = json.loads(raw)
                except ValueError:
                    values = None
                if not isinstance(values, list):
                    values = [raw]  # a first column's value alone
                if not 0 < len(values) <= len(self.ordering):
                    raise ValueError("a position lists the ordering's values")
                position = [_decode(value) for value in values]
        except (TypeError, ValueError, ArithmeticError, UnicodeError, binascii.Error):
            raise NotFound(self.invalid_cursor_message) from None
        return Cursor(offset=0, reverse=reverse, position=position)

    def _typed(self, queryset, position: list | None) -> list | None:
        """The position's values as their columns hold them (a 404 for what they cannot)."""
        if position is None:
            return None
        typed = []
        for field, value in zip(self.ordering, position, strict=False):
            name = field.lstrip("-")
            try:
                column = (
                    queryset.model._meta.pk
                    if name == "pk"
                    else queryset.model._meta.get_field(name)
                )
            except FieldDoesNotExist:  # an annotation: taken as it is
                typed.append(value)
                continue
            try:
                value = None if value is None else column.to_python(value)
                if isinstance(value, datetime.datetime) and value.tzinfo is not None:
                    # In UTC: PostgreSQL refuses offsets beyond ±15:59, Python allows ±23:59.
                    value = value.astimezone(datetime.UTC)
            except (ValidationError, DjangoValidationError, TypeError, ValueError, OverflowError):
                raise NotFound(self.invalid_cursor_message) from None
            typed.append(value)
            if typed[-1] is None and not column.null:
                raise NotFound(self.invalid_cursor_message)
        return typed

    def _position(self, row) -> list:
        return [
            row[name] if isinstance(row, dict) else getattr(row, name)
            for name in (field.lstrip("-") for field in self.ordering)
        ]

    def _directions(self, reverse: bool) -> list[tuple[str, bool]]:
        """(column, descending?) in the order the rows are read."""
        return [(field.lstrip("-"), field.startswith("-") != reverse) for field in self.ordering]

    def _order(self, queryset, reverse: bool) -> list:
        """The ordering (reversed to go back). A column that may be NULL sorts its NULLs as
        the largest values on every database (PostgreSQL's way; SQLite puts them first)."""
        order = []
        for name, descending in self._directions(reverse):
            if not _nullable(queryset, name):
                order.append(f"-{name}" if descending else name)
            elif descending:
                order.append(F(name).desc(nulls_first=True))
            else:
                order.append(F(name).asc(nulls_last=True))
        return order

    def _nulls_after(self, queryset, position: list | None, reverse: bool) -> bool:
        """Whether the rows beyond `position` end in NULLs of the first column read apart."""
        if not position or position[0] is None:
            return False
        name, descending = self._directions(reverse)[0]
        return not descending and _nullable(queryset, name)

    def _beyond(self, queryset, position: list, reverse: bool, *, nulls: bool = True) -> Q:
        """Rows strictly after `position` in the order read: first column beyond it, or equal
        and the second beyond, and so on (NULL the largest value). The first column's bound
        comes first on its own, for the index to start there. `nulls=False` leaves out the
        rows whose first column is NULL (read on their own, see `_nulls_after`)."""
        terms, ties = [], Q()
        directions = self._directions(reverse)[: len(position)]
        for index, ((name, descending), value) in enumerate(zip(directions, position, strict=True)):
            null = _nullable(queryset, name) and (nulls or index > 0)
            terms.append(ties & (_less(name, value) if descending else _greater(name, value, null)))
            ties &= Q(**{f"{name}__isnull": True}) if value is None else Q(**{name: value})
        beyond = functools.reduce(operator.or_, terms)
        (name, descending), value = directions[0], position[0]
        if value is None:
            return beyond
        if descending:  # the first column at most the position's value (NULLs came before)
            return Q(**{f"{name}__lte": value}) & beyond
        bound = Q(**{f"{name}__gte": value})
        if nulls and _nullable(queryset, name):
            bound |= Q(**{f"{name}__isnull": True})
        return bound & beyond

    def get_ordering(self, request, queryset, view):
        """The requested ordering plus the primary key as a tie-breaker: with it a position
        (every ordering column's value) names one row, however many share the other values
        (three incidents opened in the same second, 400,000 of one priority)."""
        ordering = super().get_ordering(request, queryset, view)
        if {field.lstrip("-") for field in ordering} & {"pk", "id"}:
            return ordering
        return (*ordering, "-pk" if ordering[0].startswith("-") else "pk")

    def get_page_size(self, request):
        raw = request.query_params.getlist(self.page_size_query_param)
        if raw in ([], [""]) or not self.strict_page_size:  # empty means "not given"
            return super().get_page_size(request)
        size = whole_number(raw[0], max_digits=3) if len(raw) == 1 else None
        if size is not None and 1 <= size <= self.max_page_size:
            return size
        raise ValidationError(
            {self.page_size_query_param: [f"A whole number from 1 to {self.max_page_size}."]}
        )

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
        return parameters


def _nullable(queryset, name: str) -> bool:
    """Whether an ordering column may hold NULL (an annotation is taken to)."""
    if name == "pk":
        return False
    try:
        return queryset.model._meta.get_field(name).null
    except FieldDoesNotExist:
        return True


def _greater(name: str, value, nullable: bool) -> Q:
    """Beyond `value` ascending, NULL being the largest value."""
    if value is None:
        return Q(pk__in=[])  # nothing is beyond NULL
    beyond = Q(**{f"{name}__gt": value})
    return beyond | Q(**{f"{name}__isnull": True}) if nullable else beyond


def _less(name: str, value) -> Q:
    """Beyond `value` descending, NULL being the largest value."""
    if value is None:
        return Q(**{f"{name}__isnull": False})
    return Q(**{f"{name}__lt": value})


def _encode(value):
    """A position's value as JSON, its type kept (times and dates as ISO text)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime.datetime):
        return {"t": value.isoformat()}
    if isinstance(value, datetime.date):
        return {"d": value.isoformat()}
    if isinstance(value, Decimal):
        return {"n": str(value)}
    return str(value)


def _decode(value):
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dict) and len(value) == 1:
        ((kind, text),) = value.items()
        if isinstance(text, str):
            if kind == "t":
                moment = datetime.datetime.fromisoformat(text)
                if moment.tzinfo is None:
                    raise ValueError("a position's time needs its offset")
                return moment
            if kind == "d":
                return datetime.date.fromisoformat(text)
            if kind == "n":
                return Decimal(text)
    raise ValueError("not a position value")
