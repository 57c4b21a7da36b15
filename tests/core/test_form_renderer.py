"""Select boxes are rendered in Python for speed (core/form_renderer.py); what a browser gets
must be exactly what Django's widget templates give, escaping included."""

import copy

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates

from core.form_renderer import FormRenderer, Listed, ListedSelect


class Filters(forms.Form):
    status = forms.ChoiceField(
        choices=[("", "Any"), (1, "Fish & <chips>"), (2, "Two")], required=False
    )
    teams = forms.MultipleChoiceField(
        choices=[("x", "Desk"), ("Regional", [("y", "North"), ("z", "South")])]
    )
    owner = forms.TypedChoiceField(
        choices=[(None, "nobody"), ("q", 'Quote"s')],
        widget=forms.Select(
            attrs={"class": "c", "data-x": None, "disabled": False, "hx-get": "/a?b=1&c=2"}
        ),
    )
    priority = forms.ChoiceField(choices=[(1, "P1")], widget=forms.RadioSelect)


@pytest.mark.parametrize("bound", [{}, {"status": "1", "teams": ["y", "x"], "owner": "q"}])
@pytest.mark.parametrize("field", ["status", "teams", "owner", "priority"])
def test_a_select_renders_exactly_as_django_templates_render_it(field, bound):
    form = Filters(bound or None)
    widget, value = form.fields[field].widget, form[field].value()
    attrs = {"id": f"id_{field}"}
    expected = widget.render(field, value, attrs=attrs, renderer=DjangoTemplates())
    assert widget.render(field, value, attrs=attrs, renderer=FormRenderer()) == expected
    if field != "priority":
        assert expected.startswith("<select")


def test_labels_and_attributes_are_escaped():
    widget = Filters.base_fields["status"].widget
    html = widget.render("status", "1", renderer=FormRenderer())
    assert "Fish &amp; &lt;chips&gt;" in html and "<chips>" not in html
    assert '<option value="1" selected>' in html


def test_the_project_uses_it(settings):
    assert settings.FORM_RENDERER == "core.form_renderer.FormRenderer"
    html = str(Filters()["owner"])
    assert 'hx-get="/a?b=1&amp;c=2"' in html and "disabled" not in html


LISTED_ROWS = [(7, "Fish & <chips>"), (3, 'Quote"s'), (12, "Desk"), (3, "Twice")]


@pytest.mark.parametrize("blank", [None, "Any", "---------"])
@pytest.mark.parametrize("value", [None, "", 3, "3", "12", 99, "<x>"])
@pytest.mark.parametrize("attrs", [{}, {"id": "id_x", "required": True, "hx-get": "/a?b=1&c=2"}])
def test_a_listed_select_renders_as_django_renders_the_same_choices(blank, value, attrs):
    """The console's kept choice lists (core.choice_lists) render through `ListedSelect`:
    byte for byte Django's select over the same choices, the first match alone selected."""
    choices = ([] if blank is None else [("", blank)]) + LISTED_ROWS
    django_select = forms.Select(choices=choices)
    expected = django_select.render("x", value, attrs=dict(attrs), renderer=DjangoTemplates())
    listed = ListedSelect(Listed(LISTED_ROWS), blank)
    assert listed.render("x", value, attrs=dict(attrs)) == expected


def test_a_listed_select_is_a_select_to_forms_and_copies():
    class Assign(forms.Form):
        who = forms.ChoiceField(choices=[], required=True)

    form = Assign()
    field = form.fields["who"]
    field.widget = ListedSelect.replacing(field.widget, Listed([(1, "Ann"), (2, "Bo")]), "Pick")
    assert field.widget.choices == [("", "Pick"), (1, "Ann"), (2, "Bo")]
    plain = Assign()
    plain.fields["who"].choices = [("", "Pick"), (1, "Ann"), (2, "Bo")]
    plain.renderer = DjangoTemplates()
    html = str(form["who"])
    assert html == str(plain["who"])  # the id, and `required` since the blank comes first
    assert "required" in html and '<option value="" selected>Pick</option>' in html
    copied = copy.deepcopy(field.widget)
    assert copied.render("who", 2) == field.widget.render("who", 2)
    assert '<option value="2" selected>Bo</option>' in copied.render("who", 2)
    copied.choices = [("z", "Zed")]  # choices set later replace the list
    assert "Zed" in copied.render("who", "z") and "Ann" not in copied.render("who", "z")
    assert "Ann" in field.widget.render("who", None)  # the original keeps its list
