from rest_framework.routers import SimpleRouter

from servicedesk.api import views

router = SimpleRouter()
router.register("services", views.ServiceViewSet, basename="service")
router.register(r"services/(?P<service_pk>\d+)/outages", views.OutageViewSet, basename="outage")
router.register(
    r"services/(?P<service_pk>\d+)/costs", views.ServiceCostViewSet, basename="service-cost"
)
router.register("incidents", views.IncidentViewSet, basename="incident")
router.register("calendars", views.BusinessCalendarViewSet, basename="calendar")
router.register("sla-policies", views.SLAPolicyViewSet, basename="sla-policy")

urlpatterns = router.urls
