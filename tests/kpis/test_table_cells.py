"""The dashboards' table cells are built in Python (kpis_tags.kpi_cells) for speed; they must
show what the cell template they replaced showed, escaping included."""

import re

from django.template import Context, Template

# The cells as they were written in templates/kpis/dashboard.html and portfolio.html.
# (`cells|get_item:d.code` there; here the cells come looked up, in column order.)
TEMPLATE_CELLS = Template(
    """{% for cell in looked_up %}
      <td class="num">{% if cell %}<span class="kpi-dot {{ cell.css }}"></span>{% if cell.url %}<a href="{{ cell.url }}">{{ cell.value }}</a>{% else %}{{ cell.value }}{% endif %}{% else %}<span class="muted">—</span>{% endif %}</td>
    {% endfor %}"""  # noqa: E501
)
PYTHON_CELLS = Template("{% load kpis_tags %}{% kpi_cells cells table_codes %}")


def _render(template, **context) -> str:
    html = template.render(Context(context))
    return re.sub(r">\s+<", "><", html.strip())


def test_cells_match_the_template_they_replaced():
    columns = [{"code": c} for c in ("csat", "mttr", "backlog", "tco")]
    rows = [
        {
            "csat": {"value": "92.5 %", "css": "ok", "url": "/kpis/records/?kpi=csat&scope=a"},
            "mttr": {"value": "<b>3 h</b>", "css": "bad", "url": None},
            "backlog": {"value": "12", "css": "", "url": '/x?"quoted"&y=<1>'},
        },
        {},
        None,
    ]
    for cells in rows:
        looked_up = [(cells or {}).get(column["code"]) for column in columns]
        expected = _render(TEMPLATE_CELLS, looked_up=looked_up)
        assert _render(PYTHON_CELLS, cells=cells, table_codes=columns) == expected
    escaped = _render(PYTHON_CELLS, cells=rows[0], table_codes=columns)
    assert "&lt;b&gt;3 h&lt;/b&gt;" in escaped and "&quot;quoted&quot;&amp;y=&lt;1&gt;" in escaped
    assert escaped.count('<span class="muted">—</span>') == 1
