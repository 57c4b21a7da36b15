"""The app's URLs plus the floor: one indexed row as JSON, through the same stack."""

from django.http import Http404, JsonResponse
from django.urls import include, path

from servicedesk.models import Incident


def floor(request, pk: int):
    """The cheapest useful request: one row by primary key, serialised as JSON."""
    row = Incident.objects.filter(pk=pk).values("id", "number", "status", "opened_at").first()
    if row is None:
        raise Http404
    return JsonResponse(row)


urlpatterns = [
    path("bench/floor/<int:pk>/", floor, name="bench-floor"),
    path("", include("core.urls")),
]
