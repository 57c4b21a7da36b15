"""Escaping and URL reversing for markup built in Python on hot pages.

The console's queue rows, the dashboards' table cells and select boxes are written in Python
(each held equal to the template it replaced). Two things in them ran thousands of times per
page: Django's `escape`/`conditional_escape` (wrapped for lazy strings) and `reverse()`.
Both are here, once: the escaping gives what Django's gives, and a URL is resolved once per
name, arguments, script prefix and URLconf.
"""

import functools
import html

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.safestring import SafeData


def escape(value) -> str:
    """Django's `escape` (`html.escape` of the text), without the lazy-string wrapper."""
    return html.escape(str(value))


def conditional_escape(value) -> str:
    """Django's `conditional_escape`: HTML-safe text as it is, anything else escaped."""
    if isinstance(value, SafeData):
        return str(value)
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def cached_reverse(name: str, *args) -> str:
    """`reverse(name, args=args)`, remembered: the same rows and cells are shown all day."""
    return _reverse(name, args, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)


@functools.lru_cache(maxsize=8192)
def _reverse(name: str, args: tuple, script_prefix: str, urlconf: str) -> str:
    return reverse(name, args=args, urlconf=urlconf)
