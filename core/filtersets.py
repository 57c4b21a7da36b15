"""The FilterSet every list (API and pages) builds on.

A filter naming a related object by id answers with what matches: a well-formed id of an
object that does not exist, or that the caller may not see, matches nothing (200 and an empty
list), exactly as a filter on a value nobody has. An id beyond what the column holds
(`?service=99999999999999999999999`) is one that does not exist: an empty list too, never the
database's "integer out of range" (a 500). Only a malformed id (`?service=abc`) is a 400.
Saying "no such choice" instead would tell a caller which ids exist, and refuses a request the
published schema calls valid.
"""

import django_filters as df
from django import forms
from django.core.exceptions import ValidationError
from django.db import connection, models
from django_filters import fields as df_fields

from core.params import utc_moment


class NoSuchId:
    """An id no row can have (beyond its column's range): the filter matches nothing."""

    def __repr__(self):
        return "NO_SUCH_ID"


NO_SUCH_ID = NoSuchId()


def id_in_range(field, value) -> bool:
    """Whether the integer `value` fits `field`'s column on this database (a non-integer
    key, such as a code, always does)."""
    if not isinstance(value, int):
        return True
    column = getattr(field, "target_field", field)
    low, high = connection.ops.integer_field_range(column.get_internal_type())
    return (low is None or low <= value) and (high is None or value <= high)


class IdField(df_fields.ModelChoiceField):
    """A related object's id, taken as it is: well-formed ids filter (an unknown or invisible
    one matches nothing), malformed ones are invalid. The row is not read to check it exists:
    the list query answers that, one statement fewer. The queryset still fills the select
    box of the HTML filter form."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        opts = self.queryset.model._meta
        field = opts.get_field(self.to_field_name) if self.to_field_name else opts.pk
        if isinstance(value, str) and not (value.isascii() and value == value.strip()):
            # int() takes "5\x85" (a trailing Unicode space) for 5; an id is written plainly.
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        try:
            value = field.to_python(value)
        except ValidationError:
            raise ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            ) from None
        return value if id_in_range(field, value) else NO_SUCH_ID


class MomentField(df_fields.IsoDateTimeField):
    """An ISO 8601 moment, compared in UTC: Python takes offsets up to ±23:59, PostgreSQL only
    ±15:59 (`?opened_before=…-18:50` was a 500); a moment that has no UTC value is invalid."""

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is None or moment.tzinfo is None:
            return moment
        in_utc = utc_moment(moment)
        if in_utc is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return in_utc


class MomentFilter(df.IsoDateTimeFilter):
    field_class = MomentField


class MultipleChoiceFilter(df.MultipleChoiceFilter):
    """Any of several values of one column (`?priority=1&priority=2`), without the DISTINCT
    django-filter adds by default: each object is one row already, and DISTINCT makes
    PostgreSQL sort every matching row (joined) and keeps the keyset pages from cutting the
    bare rows first (core/api/pagination.py): 44 ms instead of 10 for `?priority=1` at 1M."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("distinct", False)
        super().__init__(*args, **kwargs)


class StrictBooleanField(forms.NullBooleanField):
    widget = forms.TextInput
    TRUE, FALSE = {"true", "True", "1"}, {"false", "False", "0"}

    def to_python(self, value):
        if value in (None, ""):
            return None
        if value in self.TRUE:
            return True
        if value in self.FALSE:
            return False
        raise ValidationError("Use true or false.", code="invalid")

    def validate(self, value):
        pass


class RelatedFilter(df.ModelChoiceFilter):
    """A ModelChoiceFilter on the related id (see IdField): an unknown id matches nothing."""

    field_class = IdField

    def filter(self, qs, value):
        if value is NO_SUCH_ID:
            return qs.none()
        return super().filter(qs, value)


class StrictBooleanFilter(df.BooleanFilter):
    """`true`/`false` (or 1/0); anything else is a 400, not silently "no filter"."""

    field_class = StrictBooleanField


def without_empty_values(data):
    """The query without parameters sent empty (`?status=&q=`): an empty filter field, as an
    HTML form submits it, means "not given" (the schema says so with allowEmptyValue)."""
    if data is None or not hasattr(data, "getlist"):
        return data
    kept = data.copy()
    for key in list(kept.keys()):
        values = [v for v in kept.getlist(key) if v != ""]
        if values:
            kept.setlist(key, values)
        else:
            del kept[key]
    return kept


class FilterSet(df.FilterSet):
    FILTER_DEFAULTS = {
        **df.FilterSet.FILTER_DEFAULTS,
        models.ForeignKey: {
            **df.FilterSet.FILTER_DEFAULTS[models.ForeignKey],
            "filter_class": RelatedFilter,
        },
        models.OneToOneField: {
            **df.FilterSet.FILTER_DEFAULTS[models.OneToOneField],
            "filter_class": RelatedFilter,
        },
        models.BooleanField: {"filter_class": StrictBooleanFilter},
    }

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(without_empty_values(data), *args, **kwargs)
