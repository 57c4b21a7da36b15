"""Where a form sends the browser back to: the page it came from (`next`, posted with it)
when that is a page of this site, never another site (an open redirect)."""

from django.utils.http import url_has_allowed_host_and_scheme


def next_page(request, *, fallback: str) -> str:
    """The posted `next` when it is a path on this site, else `fallback`. A leading "/" is
    not enough: browsers read "//evil.example" and "/\\evil.example" as another site."""
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback
