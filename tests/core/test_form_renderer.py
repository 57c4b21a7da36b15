"""Select boxes are rendered in Python for speed (core/form_renderer.py); what a browser gets
must be exactly what Django's widget templates give, escaping included."""

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates

from core.form_renderer import FormRenderer


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
