from django.urls import path

from kpis import views

app_name = "kpis"
urlpatterns = [
    path("dashboards/", views.dashboard, name="dashboard"),
    path("dashboards/portfolio/", views.portfolio, name="portfolio"),
    path("dashboards/services/<int:pk>/", views.service_card, name="service_card"),
    path("dashboards/projects/<int:pk>/", views.project_card, name="project_card"),
    path("dashboards/records/", views.records, name="records"),
    path("dashboards/compute/", views.compute_now, name="compute"),
]
