from rest_framework.routers import SimpleRouter

from servicedesk.api import views

router = SimpleRouter()
router.register("services", views.ServiceViewSet, basename="service")
router.register("incidents", views.IncidentViewSet, basename="incident")

urlpatterns = router.urls
