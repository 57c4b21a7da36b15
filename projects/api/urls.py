from django.urls import path
from rest_framework.routers import SimpleRouter

from projects.api import views

router = SimpleRouter()
router.register("projects", views.ProjectViewSet, basename="project")
router.register("handoffs", views.HandoffViewSet, basename="handoff")
nested = [
    ("tasks", views.TaskViewSet, "project-task"),
    ("dependencies", views.DependencyViewSet, "project-dependency"),
    ("milestones", views.MilestoneViewSet, "project-milestone"),
    ("costs", views.CostEntryViewSet, "project-cost"),
    ("time-entries", views.TimeEntryViewSet, "project-time-entry"),
    ("risks", views.RiskViewSet, "project-risk"),
    ("members", views.ProjectMemberViewSet, "project-member"),
]
for prefix, viewset, basename in nested:
    router.register(rf"projects/(?P<project_pk>\d+)/{prefix}", viewset, basename=basename)

urlpatterns = [
    path(
        "projects/milestones.ics",
        views.FollowedMilestonesCalendar.as_view(),
        name="project-milestones-feed",
    ),
    path(
        "projects/<int:pk>/milestones.ics",
        views.ProjectMilestonesCalendar.as_view(),
        name="project-milestones-ics",
    ),
    *router.urls,
]
