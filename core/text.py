"""Markdown rendered to HTML and sanitised with an allow-list on output.

What people type is text: HTML in it (`<mailbox>`, `a<b`, `<script>`) is shown as those
characters, never read as markup (which the sanitiser then dropped, words and all). Markdown
still formats (**bold**, lists, code, links)."""

import threading

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "b",
    "i",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "del",
    "sup",
    "sub",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}


_local = threading.local()


def _converter() -> markdown.Markdown:
    # Building a Markdown object costs more than converting a comment: one per thread.
    if not hasattr(_local, "md"):
        md = markdown.Markdown(extensions=["fenced_code", "tables", "sane_lists"])
        # Raw HTML, blocks and inline, is escaped as text instead of passed through.
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        _local.md = md
    return _local.md


def render_markdown(text: str) -> SafeString:
    """Markdown → sanitised HTML; typed tags show as text, scripts, handlers and javascript:
    links never survive (nh3 stays as a second line behind the escaping)."""
    html = _converter().reset().convert(text or "")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(clean)  # noqa: S308 - sanitised by nh3 just above
