"""The form renderer: Django's, with select boxes rendered in Python.

A console page shows select boxes with hundreds of options (agents, services, teams); the
template renderer includes two templates per option, which made the widgets most of the
queue page's CPU. `render_select` produces byte-for-byte what Django's `select.html`,
`select_option.html` and `attrs.html` produce (tests/core/test_form_renderer.py holds them
equal); every other widget renders through the templates as before.
"""

from django.forms.renderers import DjangoTemplates

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
