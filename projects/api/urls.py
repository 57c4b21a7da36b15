from django.urls import path
from rest_framework.routers import SimpleRouter

from projects.api import cost_views, handoff_views, milestone_views, risk_views, task_views, views

router = SimpleRouter()
router.register("projects", views.ProjectViewSet, basename="project")
router.register("handoffs", handoff_views.HandoffViewSet, basename="handoff")
nested = [
    ("tasks", task_views.TaskViewSet, "project-task"),
    ("dependencies", task_views.DependencyViewSet, "project-dependency"),
    ("milestones", milestone_views.MilestoneViewSet, "project-milestone"),
    ("costs", cost_views.CostEntryViewSet, "project-cost"),
    ("time-entries", cost_views.TimeEntryViewSet, "project-time-entry"),
    ("risks", risk_views.RiskViewSet, "project-risk"),
    ("members", views.ProjectMemberViewSet, "project-member"),
]
for prefix, viewset, basename in nested:
    router.register(rf"projects/(?P<project_pk>\d{{1,18}})/{prefix}", viewset, basename=basename)

urlpatterns = [
    path(
        "projects/milestones.ics",
        milestone_views.FollowedMilestonesCalendar.as_view(),
        name="project-milestones-feed",
    ),
    path(
        "projects/<id:pk>/milestones.ics",
        milestone_views.ProjectMilestonesCalendar.as_view(),
        name="project-milestones-ics",
    ),
    *router.urls,
]
