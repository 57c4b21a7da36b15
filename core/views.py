from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from core.audit import audit_record
from core.context_processors import nav_items_for
from core.exceptions import DomainError
from core.form_status import form_status, submitted
from core.forms import ApiTokenForm, ServiceTokenForm
from core.models import ApiToken, CalendarFeed, NotificationEvent, NotificationSetting
from core.people import people_matching, people_pickable_by
from core.roles import Role
from core.tokens import (
    service_token_issue,
    service_token_revoke,
    service_tokens,
    token_issue,
    token_revoke,
)


class LoginView(auth_views.LoginView):
    """Django's login page, answering a refused sign-in with a 4xx like every other form:
    400 for a wrong or missing name or password, 429 while the account or address is locked
    out (core.security counts the failures)."""

    redirect_authenticated_user = True

    def form_invalid(self, form):
        locked = any(e.code == "locked" for e in form.errors.as_data().get("__all__", []))
        response = super().form_invalid(form)
        response.status_code = 429 if locked else 400
        return response


# Each role's daily page (by URL name); the first that exists wins.
HOME_BY_ROLE = {
    Role.REQUESTER: ["servicedesk:portal"],
    Role.AGENT: ["servicedesk:queue"],
    Role.SERVICE_OWNER: ["servicedesk:service_list"],
    Role.PROJECT_MANAGER: ["projects:portfolio"],
    Role.MANAGER: ["kpis:dashboard", "servicedesk:queue"],
    Role.ADMIN: ["servicedesk:queue"],
}


@login_required
def home(request):
    """Send each role to its daily page; fall back to a welcome page."""
    for name in HOME_BY_ROLE.get(request.user.role, []):
        try:
            return redirect(reverse(name))
        except NoReverseMatch:
            continue
    return render(request, "core/home.html", {"items": nav_items_for(request.user)})


@never_cache
@require_GET
@transaction.non_atomic_requests  # a database that is down is reported (503), not a 500
def healthz(request):
    """Liveness and readiness: the database answers, and Redis when configured."""
    checks: dict[str, str] = {}
    healthy = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - a health check reports, it does not raise
        checks["database"] = f"error: {exc.__class__.__name__}"
        healthy = False
    if settings.REDIS_URL:
        try:
            import redis

            redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping()
            checks["redis"] = "ok"
        except Exception as exc:  # noqa: BLE001
            checks["redis"] = f"error: {exc.__class__.__name__}"
            healthy = False
    else:
        checks["redis"] = "not configured (tasks run in-process)"
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503
    )


NEW_KEY = "api_tokens:new_key"  # session key: a created token's key, until its page shows it


@login_required
def api_tokens(request):
    """Manage your personal API tokens: create (key shown once), see last use, revoke.

    A created token's page is reached by a redirect (a reload must not create a second
    token); the key rides in the session to that one page and is dropped as it is shown."""
    new_key = request.session.pop(NEW_KEY, None) if request.method == "GET" else None
    form = ApiTokenForm(submitted(request))
    if request.method == "POST" and form.is_valid():
        days = form.cleaned_data.get("expires_in_days")
        expires = timezone.now() + timedelta(days=days) if days else None
        token, new_key = token_issue(
            actor=request.user,
            user=request.user,
            name=form.cleaned_data["name"],
            expires_at=expires,
        )
        messages.success(
            request, f"Token “{token.name}” created. Copy the key now: it is shown once."
        )
        request.session[NEW_KEY] = new_key
        return redirect("api_tokens")
    tokens = ApiToken.objects.filter(user=request.user).order_by("-created_at")
    return render(
        request,
        "core/tokens.html",
        {"tokens": tokens, "form": form, "new_key": new_key},
        status=form_status(form),
    )


@login_required
@require_POST
def api_token_revoke(request, pk: int):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    token_revoke(actor=request.user, token=token)
    messages.success(request, f"Token “{token.name}” revoked.")
    return redirect("api_tokens")


SERVICE_NEW_KEY = "service_tokens:new_key"


def _admin_required(user) -> None:
    if user.role != Role.ADMIN:
        raise PermissionDenied("Only administrators manage service tokens.")


@login_required
def service_tokens_page(request):
    """Admins: the service tokens of integrations (name, account and role, created, expiry,
    last use; never the key), create one (key shown once), revoke."""
    _admin_required(request.user)
    new_key = request.session.pop(SERVICE_NEW_KEY, None) if request.method == "GET" else None
    form = ServiceTokenForm(submitted(request))
    if request.method == "POST" and form.is_valid():
        days = form.cleaned_data.get("expires_in_days")
        try:
            token, key = service_token_issue(
                actor=request.user,
                name=form.cleaned_data["name"],
                role=form.cleaned_data["role"],
                expires_at=timezone.now() + timedelta(days=days) if days else None,
            )
        except DomainError as exc:
            for field, errors in exc.fields.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(
                request,
                f"Service token “{token.name}” created. Copy the key now: it is shown once.",
            )
            request.session[SERVICE_NEW_KEY] = key
            return redirect("service_tokens")
    return render(
        request,
        "core/service_tokens.html",
        {"tokens": service_tokens(), "form": form, "new_key": new_key},
        status=form_status(form),
    )


@login_required
@require_POST
def service_token_revoke_page(request, pk: int):
    _admin_required(request.user)
    token = get_object_or_404(service_tokens(), pk=pk)
    service_token_revoke(actor=request.user, token=token)
    messages.success(request, f"Service token “{token.name}” revoked.")
    return redirect("service_tokens")


@login_required
def notification_settings(request):
    """Choose which events send you email (everything is on until you switch it off)."""
    current = {s.event: s.email for s in NotificationSetting.objects.filter(user=request.user)}
    if request.method == "POST" and "reset_feed" in request.POST:
        CalendarFeed.reset_for(request.user)
        audit_record(actor=request.user, action="user.calendar_feed_reset", obj=request.user)
        messages.success(request, "New calendar address created; the old one no longer works.")
        return redirect("notification_settings")
    if request.method == "POST":
        with transaction.atomic():
            for event, _label in NotificationEvent.choices:
                NotificationSetting.objects.update_or_create(
                    user=request.user, event=event, defaults={"email": event in request.POST}
                )
        audit_record(actor=request.user, action="user.notifications_changed", obj=request.user)
        messages.success(request, "Notification settings saved.")
        return redirect("notification_settings")
    events = [
        {"value": value, "label": label, "on": current.get(value, True)}
        for value, label in NotificationEvent.choices
    ]
    feed = CalendarFeed.objects.filter(user=request.user).first()
    feed_url = (
        request.build_absolute_uri(reverse("calendar_feed", args=[feed.token])) if feed else None
    )
    return render(request, "core/notifications.html", {"events": events, "feed_url": feed_url})


@login_required
@require_GET
def people_search(request):
    """The <option>s of a person box's list: who matches what is typed (two letters or more),
    among the people this user may pick (core.people)."""
    # htmx sends the box's value under the box's own name (`requester=…`); `?q=` also works.
    text = (request.GET.get("q") or next(iter(request.GET.values()), "")).strip()
    found = people_matching(text, people_pickable_by(request.user)) if len(text) >= 2 else []
    return render(request, "core/people_options.html", {"people": found})


def not_found(request, exception=None):
    """404 for URLs no pattern matches: JSON under /api/ (errors there are always JSON)."""
    if request.path.startswith("/api/"):
        body = {"detail": "Not found.", "code": "not_found", "fields": {}}
        return JsonResponse(body, status=404)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)
