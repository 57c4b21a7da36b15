"""Export of the project portfolio list: same filters and visibility, streamed."""

from core.exports import ListExportView
from projects.filtersets import ProjectFilterSet
from projects.queries import projects_visible_to


class ProjectExportView(ListExportView):
    """`GET /api/v1/projects/export/?type=csv|xlsx&<filters>`: a file of visible projects."""

    filterset_class = ProjectFilterSet
    filename = "projects"
    ordering = ("code",)
    columns = [
        ("code", "Code"),
        ("name", "Name"),
        ("phase", "Phase"),
        ("manager__username", "Manager"),
        ("sponsor__username", "Sponsor"),
        ("budget", "Budget"),
        ("currency", "Currency"),
        ("planned_start", "Planned start"),
        ("planned_finish", "Planned finish"),
        ("service__name", "Service"),
        ("improvement__title", "Improvement"),
    ]

    def visible(self, request):
        return projects_visible_to(request.user)
