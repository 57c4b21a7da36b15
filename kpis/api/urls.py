from django.db import transaction
from django.urls import path
from rest_framework.routers import SimpleRouter

from kpis.api import views

router = SimpleRouter()
router.register("kpi-runs", views.KpiRunViewSet, basename="kpi-run")

urlpatterns = [
    path("kpis/", views.KpiListView.as_view(), name="kpi-list"),
    # Outside ATOMIC_REQUESTS so the run row is committed before a worker reads it.
    path(
        "kpis/compute/",
        transaction.non_atomic_requests(views.KpiComputeView.as_view()),
        name="kpi-compute",
    ),
    path("kpis/<str:code>/series/", views.KpiSeriesView.as_view(), name="kpi-series"),
    path(
        "kpis/<str:code>/series.csv",
        views.KpiSeriesCsvView.as_view(),
        {"format": "csv"},
        name="kpi-series-csv",
    ),
    path("kpis/<str:code>/targets/", views.KpiTargetView.as_view(), name="kpi-targets"),
    *router.urls,
]
