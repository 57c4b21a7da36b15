from rest_framework.routers import SimpleRouter

from servicedesk.api import improvements, requests, views

router = SimpleRouter()
router.register("services", views.ServiceViewSet, basename="service")
router.register(r"services/(?P<service_pk>\d+)/outages", views.OutageViewSet, basename="outage")
router.register(
    r"services/(?P<service_pk>\d+)/costs", views.ServiceCostViewSet, basename="service-cost"
)
router.register("incidents", views.IncidentViewSet, basename="incident")
router.register("calendars", views.BusinessCalendarViewSet, basename="calendar")
router.register("sla-policies", views.SLAPolicyViewSet, basename="sla-policy")
router.register("catalog-items", requests.CatalogItemViewSet, basename="catalog-item")
router.register("requests", requests.ServiceRequestViewSet, basename="request")
router.register("improvements", improvements.ImprovementViewSet, basename="improvement")

urlpatterns = router.urls
