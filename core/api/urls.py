from django.urls import path
from rest_framework.routers import SimpleRouter

from . import tokens, views, webhooks

router = SimpleRouter()
router.register("webhooks", webhooks.WebhookEndpointViewSet, basename="webhook")
router.register("tokens", tokens.ApiTokenViewSet, basename="token")
router.register("service-tokens", tokens.ServiceTokenViewSet, basename="service-token")

urlpatterns = [
    *router.urls,
    path("auth/token/", views.TokenObtainView.as_view(), name="api-token"),
    path("me/", views.MeView.as_view(), name="api-me"),
]
