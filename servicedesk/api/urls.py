from rest_framework.routers import SimpleRouter

from servicedesk.api import (
    improvements,
    incidents,
    requests,
    service_levels,
    service_records,
    services,
)

router = SimpleRouter()
router.register("services", services.ServiceViewSet, basename="service")
router.register(
    r"services/(?P<service_pk>\d+)/outages", service_records.OutageViewSet, basename="outage"
)
router.register(
    r"services/(?P<service_pk>\d+)/costs",
    service_records.ServiceCostViewSet,
    basename="service-cost",
)
router.register("incidents", incidents.IncidentViewSet, basename="incident")
router.register("calendars", service_levels.BusinessCalendarViewSet, basename="calendar")
router.register("sla-policies", service_levels.SLAPolicyViewSet, basename="sla-policy")
router.register("catalog-items", requests.CatalogItemViewSet, basename="catalog-item")
router.register("requests", requests.ServiceRequestViewSet, basename="request")
router.register("improvements", improvements.ImprovementViewSet, basename="improvement")

urlpatterns = router.urls
