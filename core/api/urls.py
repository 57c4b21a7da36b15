from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views, webhooks

router = SimpleRouter()
router.register("webhooks", webhooks.WebhookEndpointViewSet, basename="webhook")

urlpatterns = [
    *router.urls,
    path("auth/token/", views.TokenObtainView.as_view(), name="api-token"),
    path("me/", views.MeView.as_view(), name="api-me"),
]
