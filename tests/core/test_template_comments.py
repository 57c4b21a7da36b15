"""Django's {# #} comment ends on its own line: a two-line one is printed as page text (the
htmx note in base.html showed above every page's header)."""

from pathlib import Path

from django.conf import settings


def test_no_template_opens_a_one_line_comment_it_does_not_close():
    roots = [Path(settings.BASE_DIR) / "templates"]
    unclosed = [
        f"{path.relative_to(settings.BASE_DIR)}:{number}"
        for root in roots
        for path in root.rglob("*.html")
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if line.count("{#") > line.count("#}")
    ]
    assert unclosed == []
