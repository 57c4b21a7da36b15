"""Template tags the improvement page (servicedesk) uses to show the projects that carry an
improvement and offer "Start a project", without servicedesk importing projects:
`{% include "projects/partials/_improvement_projects.html" %}`."""

from django import template

from core.roles import is_staff_member
from projects.choices import OPEN_PHASES
from projects.models import Project
from servicedesk.choices import ImprovementStatus

register = template.Library()


@register.simple_tag
def improvement_projects(improvement, user) -> dict:
    """{"projects": the projects carrying `improvement` (newest first), "may_start": whether
    `user` may start one now} — staff only; requesters see no projects."""
    from servicedesk.request_lifecycle import improvement_may_decide

    if improvement is None or not is_staff_member(user):
        return {"projects": [], "may_start": False}
    projects = list(
        Project.objects.filter(improvement=improvement)
        .select_related("manager")
        .order_by("-created_at", "-id")
    )
    carried = any(p.phase in OPEN_PHASES for p in projects)
    may_start = (
        improvement.status == ImprovementStatus.APPROVED
        and not carried
        and improvement_may_decide(improvement, user)
    )
    return {"projects": projects, "may_start": may_start}
