from django.conf import settings
from django.http import HttpResponseBadRequest, JsonResponse

# No inline scripts anywhere: every script is a local static file.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = getattr(settings, "CONTENT_SECURITY_POLICY", CSP)

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.policy)
        return response


NUL_REFUSED = "The request contains a NUL character (%00), which no field accepts."


class RefuseNulMiddleware:
    """A NUL character in the path, the query string or a form body is a 400 before any view
    runs: PostgreSQL cannot store or compare one, so a view that passed it to a query ended
    in a 500. Files in multipart uploads and JSON bodies are left to their parsers (DRF's
    and Django's text fields refuse NUL with the field named)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _carries_nul(request):
            if request.path.startswith("/api/"):
                body = {"detail": NUL_REFUSED, "code": "invalid", "fields": {}}
                return JsonResponse(body, status=400)
            return HttpResponseBadRequest(NUL_REFUSED, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


def _carries_nul(request) -> bool:
    if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
        return True
    return (
        request.method == "POST"
        and request.content_type == "application/x-www-form-urlencoded"
        and b"%00" in request.body
    )
