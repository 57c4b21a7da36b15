from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.context_processors import nav_items_for


@login_required
def home(request):
    """Send each role to its daily page; fall back to a welcome page."""
    items = nav_items_for(request.user)
    daily = [i for i in items if i["label"] != "Admin"]
    if daily and daily[0]["url"] != request.path:
        return redirect(daily[0]["url"])
    return render(request, "core/home.html", {"items": items})


@never_cache
@require_GET
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
