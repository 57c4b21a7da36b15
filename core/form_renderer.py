"""The form renderer: Django's, with select boxes rendered in Python.

A console page shows select boxes with hundreds of options (agents, services, teams); the
template renderer includes two templates per option, which made the widgets most of the
queue page's CPU. `render_select` produces byte-for-byte what Django's `select.html`,
`select_option.html` and `attrs.html` produce (tests/core/test_form_renderer.py holds them
equal); every other widget renders through the templates as before.
"""

import copy

from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.choices import normalize_choices
from django.utils.safestring import mark_safe

from core.fast_html import conditional_escape

SELECT = "django/forms/widgets/select.html"
OPTION = "django/forms/widgets/select_option.html"


def _attrs(attrs: dict) -> str:
    """attrs.html: ` name="value"`, a bare ` name` for True, nothing for False."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        parts.append(f" {conditional_escape(name)}")
        if value is not True:
            parts.append(f'="{conditional_escape(str(value))}"')
    return "".join(parts)


def render_select(widget: dict) -> str:
    out = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            out.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in group_choices:
            out.append(
                f'\n  <option value="{conditional_escape(str(option["value"]))}"'
                f"{_attrs(option['attrs'])}>{conditional_escape(option['label'])}</option>\n"
            )
        if group_name:
            out.append("\n  </optgroup>")
    out.append("\n</select>")
    return "".join(out)


def _plain_options(widget: dict) -> bool:
    return all(
        option["template_name"] == OPTION
        for _name, choices, _index in widget["optgroups"]
        for option in choices
    )


class FormRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        if template_name == SELECT and _plain_options(context["widget"]):
            return render_select(context["widget"])
        return super().render(template_name, context, request=request)


def _option(value: str, label: str, selected: bool) -> str:
    """One option as `render_select` writes it (`value` already a string)."""
    mark = " selected" if selected else ""
    return (
        f'\n  <option value="{conditional_escape(value)}"{mark}>{conditional_escape(label)}'
        "</option>\n"
    )


class Listed:
    """A choice list's rows (value, label) with each option's markup written once, so a page
    showing the list (kept by `core.choice_lists` for many pages) only joins strings."""

    def __init__(self, rows: list[tuple]):
        self.rows = tuple(rows)
        self.values = tuple(str(value) for value, _label in self.rows)
        self.markup = tuple(
            _option(value, label, False)
            for value, (_pk, label) in zip(self.values, self.rows, strict=True)
        )
        self.position = {value: n for n, value in reversed(list(enumerate(self.values)))}


class ListedSelect(forms.Select):
    """A single select over a `Listed` choice list (plus a blank option): the markup Django's
    templates give (tests/core/test_form_renderer.py holds them equal) without building an
    option dictionary per row. Choices assigned later replace the list as on any select."""

    def __init__(self, listed: Listed, blank_label: str | None, attrs=None):
        super().__init__(attrs)
        self.listed = listed
        self.blank = () if blank_label is None else (("", blank_label),)

    @classmethod
    def replacing(cls, widget: forms.Select, listed: Listed, blank_label: str | None):
        new = cls(listed, blank_label, attrs=dict(widget.attrs))
        new.is_required, new.is_localized = widget.is_required, widget.is_localized
        return new

    @property
    def choices(self):
        if self.listed is None:
            return self._choices
        return [*self.blank, *self.listed.rows]

    @choices.setter
    def choices(self, value):
        self.listed = None
        self._choices = normalize_choices(value)

    def __deepcopy__(self, memo):
        if self.listed is None:
            return super().__deepcopy__(memo)
        obj = copy.copy(self)  # the list itself is shared: nobody changes it
        obj.attrs = self.attrs.copy()
        memo[id(self)] = obj
        return obj

    def render(self, name, value, attrs=None, renderer=None):
        if self.listed is None:
            return super().render(name, value, attrs=attrs, renderer=renderer)
        widget = forms.Widget.get_context(self, name, value, attrs)["widget"]
        wanted = set(widget["value"])
        out = [f'<select name="{conditional_escape(name)}"{_attrs(widget["attrs"])}>']
        selected = None  # a single select marks its first matching option only
        for blank_value, blank_label in self.blank:
            selected = blank_value in wanted
            out.append(_option(blank_value, blank_label, selected))
        markup = self.listed.markup
        at = (
            None
            if selected
            else min(
                (self.listed.position[v] for v in wanted if v in self.listed.position), default=None
            )
        )
        if at is None:
            out.extend(markup)
        else:
            value_at, (_pk, label) = self.listed.values[at], self.listed.rows[at]
            out.extend((*markup[:at], _option(value_at, label, True), *markup[at + 1 :]))
        out.append("\n</select>")
        return mark_safe("".join(out))
