from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.db import transaction
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from core import views
from core.forms import LoginForm

api_v1 = [
    path("", include("core.api.urls")),
    path("", include("servicedesk.api.export_urls")),
    path("", include("servicedesk.api.urls")),
    path("", include("projects.api.export_urls")),
    path("", include("projects.api.urls")),
    path("", include("kpis.api.urls")),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    # Not atomic: counted login failures must survive the failed request's rollback.
    path(
        "login/",
        transaction.non_atomic_requests(views.LoginView.as_view(authentication_form=LoginForm)),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/tokens/", views.api_tokens, name="api_tokens"),
    path("account/notifications/", views.notification_settings, name="notification_settings"),
    path("account/tokens/<int:pk>/revoke/", views.api_token_revoke, name="api_token_revoke"),
    path("account/service-tokens/", views.service_tokens_page, name="service_tokens"),
    path(
        "account/service-tokens/<int:pk>/revoke/",
        views.service_token_revoke_page,
        name="service_token_revoke",
    ),
    path("people/", views.people_search, name="people_search"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("", include("servicedesk.urls")),
    path("", include("projects.urls")),
    path("", include("projects.feed_urls")),
    path("", include("kpis.urls")),
]

handler404 = "core.views.not_found"
