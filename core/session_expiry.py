"""A session that ended while a page was open (an expired login, a logout in another tab).

`login_required` sends the browser to the login page with `next` set to the URL it asked
for. For a page that is right, but for what a page sends — a form's POST (a reply, a
resolve) or an htmx request (a side-panel change) — that URL is no page: after logging in
the browser asked for it with GET and got a 405, and htmx drew the whole login page inside
the panel. Here such answers send the browser itself to the login page, with `next` the page
the person was on, and say that what they sent was not saved. Only `login_required`'s own
redirects are turned (their `next` is the request's own URL): a logout's is left alone.

A reply's text (the fields in KEPT, nothing else: never a password or token) is kept in the
session, which survives the login, for the reply box of that page to offer again once, for
an hour, and only to the person who wrote it: the reply form names its author, so someone
else logging in on the same browser never sees it (`unsent_form`).
"""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme

NOT_SAVED = "You were logged out, so that was not saved. Log in and do it again."
UNSENT = "unsent_form"
KEPT = ("body", "internal")  # the reply form's fields a page offers again
KEPT_CHARACTERS = 60_000  # a reply is at most 50,000
KEPT_SECONDS = 3600


def _page_of(request) -> str:
    """The path (and query) of the page the request came from, when it is on this site."""
    url = request.headers.get("HX-Current-URL") or request.headers.get("Referer") or ""
    if not url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return ""
    parts = urlsplit(url)
    if not parts.path.startswith("/"):
        return ""
    return parts.path + (f"?{parts.query}" if parts.query else "")


class SessionExpiryMiddleware:
    """Turns login redirects of posts and htmx requests into a visit of the login page that
    comes back to the page the person was on (htmx: `HX-Redirect`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 302:
            return response
        htmx = request.headers.get("HX-Request") == "true"
        if not htmx and request.method in ("GET", "HEAD"):
            return response
        login = resolve_url(settings.LOGIN_URL)
        location = urlsplit(response.get("Location", ""))
        if location.path != login or request.user.is_authenticated:
            return response
        if parse_qs(location.query).get("next") != [request.get_full_path()]:
            return response  # not login_required's (a logout's, say)
        page = _page_of(request)
        target = f"{login}?{urlencode({'next': page})}" if page else login
        if request.method not in ("GET", "HEAD"):
            messages.warning(request, NOT_SAVED)
            if page and not htmx:
                _keep(request, urlsplit(page).path)
        if htmx:
            answer = HttpResponse(status=200)
            answer["HX-Redirect"] = target
            return answer
        return HttpResponseRedirect(target)


def _keep(request, path: str) -> None:
    author = request.POST.get("author", "")
    fields = {name: request.POST[name] for name in KEPT if name in request.POST}
    if author and fields and sum(len(v) for v in fields.values()) <= KEPT_CHARACTERS:
        request.session[UNSENT] = {
            "page": path,
            "author": author,
            "until": time.time() + KEPT_SECONDS,
            "fields": fields,
        }


def unsent_form(request) -> dict:
    """Context processor: `unsent`, the reply posted from this page while logged out (once,
    on the page's next showing to its author, within the hour), else {}."""
    session = getattr(request, "session", None)
    if session is None or UNSENT not in session:
        return {"unsent": {}}
    kept = session[UNSENT]
    if kept.get("page") != request.path:
        return {"unsent": {}}
    del session[UNSENT]
    user = request.user
    if (
        not user.is_authenticated
        or kept.get("author") != user.get_username()
        or kept.get("until", 0) < time.time()
    ):
        return {"unsent": {}}
    return {"unsent": kept.get("fields") or {}}
