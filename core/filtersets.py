"""The FilterSet every list (API and pages) builds on.

A filter naming a related object by id answers with what matches: a well-formed id of an
object that does not exist, or that the caller may not see, matches nothing (200 and an empty
list), exactly as a filter on a value nobody has. Only a malformed id (`?service=abc`) is a 400.
Saying "no such choice" instead would tell a caller which ids exist, and refuses a request the
published schema calls valid.
"""

import django_filters as df
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django_filters import fields as df_fields

NO_MATCH = object()


class KnownOrNoMatchField(df_fields.ModelChoiceField):
    def to_python(self, value):
        try:
            return super().to_python(value)
        except ValidationError as exc:
            if exc.code != "invalid_choice":
                raise
            opts = self.queryset.model._meta
            field = opts.get_field(self.to_field_name) if self.to_field_name else opts.pk
            try:
                field.to_python(value)
            except ValidationError:
                raise exc from None
            return NO_MATCH


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
    """A ModelChoiceFilter where an unknown id matches nothing rather than failing."""

    field_class = KnownOrNoMatchField

    def filter(self, qs, value):
        if value is NO_MATCH:
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
