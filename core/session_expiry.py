"""A session that ended while a page was open (an expired login, a logout in another tab).

`login_required` sends the browser to the login page with `next` set to the URL it asked
for. For a page that is right, but for what a page sends — a form's POST (a reply, a
resolve) or an htmx request (a side-panel change) — that URL is no page: after logging in
the browser asked for it with GET and got a 405, and htmx drew the whole login page inside
the panel. Here such answers send the browser itself to the login page, with `next` the page
the person was on, and say that what they sent was not saved. The text fields of a
form they posted are kept in the session (which survives the login) for that page to offer
again (`unsent_form`: the reply box shows the reply typed).
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme

NOT_SAVED = "You were logged out, so that was not saved. Log in and do it again."
UNSENT = "unsent_form"
KEPT_CHARACTERS = 100_000  # what a form's text fields may keep in the session, in all


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
        if urlsplit(response.get("Location", "")).path != login:
            return response
        if request.user.is_authenticated:
            return response
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
    fields = {k: v for k, v in request.POST.items() if k != "csrfmiddlewaretoken"}
    if sum(len(v) for v in fields.values()) <= KEPT_CHARACTERS:
        request.session[UNSENT] = {"page": path, "fields": fields}


def unsent_form(request) -> dict:
    """Context processor: `unsent`, the text fields of the form posted from this page while
    logged out (once, on the page's next showing), else {}."""
    session = getattr(request, "session", None)
    if session is None or UNSENT not in session:
        return {"unsent": {}}
    kept = session[UNSENT]
    if kept.get("page") != request.path or not request.user.is_authenticated:
        return {"unsent": {}}
    del session[UNSENT]
    return {"unsent": kept.get("fields") or {}}
