from django.urls import path

from projects import cost_views, handoff_views, milestone_views, risk_views, task_views, views

app_name = "projects"

urlpatterns = [
    path("projects/", views.portfolio_view, name="portfolio"),
    path("projects/new/", views.project_new, name="new"),
    path("projects/handoffs/inbox/", handoff_views.handoff_inbox, name="handoff_inbox"),
    path("projects/<id:pk>/", views.overview, name="overview"),
    path("projects/<id:pk>/edit/", views.project_edit, name="edit"),
    path("projects/<id:pk>/transition/", views.transition, name="transition"),
    path("projects/<id:pk>/members/", views.member_add, name="member_add"),
    path("projects/<id:pk>/plan/", task_views.plan, name="plan"),
    path("projects/<id:pk>/plan/tasks/", task_views.task_add, name="task_add"),
    path(
        "projects/<id:pk>/plan/tasks/<id:task_pk>/progress/",
        task_views.task_progress,
        name="task_progress",
    ),
    path("projects/<id:pk>/plan/dependencies/", task_views.dependency_add, name="dependency_add"),
    path("projects/<id:pk>/plan/baseline/", views.baseline_capture, name="baseline_capture"),
    path("projects/<id:pk>/gantt/", task_views.gantt, name="gantt"),
    path("projects/<id:pk>/milestones/", milestone_views.milestones, name="milestones"),
    path("projects/<id:pk>/milestones/add/", milestone_views.milestone_add, name="milestone_add"),
    path(
        "projects/<id:pk>/milestones/<id:milestone_pk>/",
        milestone_views.milestone_status,
        name="milestone_status",
    ),
    path("projects/<id:pk>/costs/", cost_views.costs, name="costs"),
    path("projects/<id:pk>/costs/add/", cost_views.cost_add, name="cost_add"),
    path("projects/<id:pk>/risks/", risk_views.risks, name="risks"),
    path("projects/<id:pk>/risks/add/", risk_views.risk_add, name="risk_add"),
    path("projects/<id:pk>/risks/<id:risk_pk>/", risk_views.risk_status, name="risk_status"),
    path("projects/<id:pk>/time/", cost_views.time, name="time"),
    path("projects/<id:pk>/time/add/", cost_views.time_add, name="time_add"),
    path("projects/<id:pk>/handoff/", handoff_views.handoff, name="handoff"),
    path("projects/<id:pk>/handoff/start/", handoff_views.handoff_start, name="handoff_start"),
    path("projects/<id:pk>/handoff/edit/", handoff_views.handoff_edit, name="handoff_edit"),
    path("projects/<id:pk>/handoff/move/", handoff_views.handoff_transition, name="handoff_move"),
    path(
        "projects/<id:pk>/handoff/checklist/",
        handoff_views.handoff_item_add,
        name="handoff_item_add",
    ),
    path(
        "projects/<id:pk>/handoff/checklist/<id:item_pk>/",
        handoff_views.handoff_item_toggle,
        name="handoff_item_toggle",
    ),
]
