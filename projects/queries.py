"""Reads of the projects app: who sees and edits what, the portfolio, the plan tree."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Case, Exists, OuterRef, Q, QuerySet, Subquery, When

from core.roles import STAFF_ROLES, Role, has_role
from projects import evm
from projects.choices import OPEN_PHASES, HandoffStatus
from projects.models import Baseline, Handoff, Milestone, Project, Task


def projects_visible_to(user) -> QuerySet[Project]:
    """Staff see every project; requesters (and anonymous users) see none."""
    if not has_role(user, *STAFF_ROLES):
        return Project.objects.none()
    return Project.objects.all()


def can_edit(project: Project, user) -> bool:
    """Admins edit every project; a project manager only the projects they manage."""
    return has_role(user, Role.ADMIN) or (
        has_role(user, Role.PROJECT_MANAGER) and project.manager_id == user.pk
    )


def can_create_projects(user) -> bool:
    return has_role(user, Role.ADMIN, Role.PROJECT_MANAGER)


def can_log_time(project: Project, user) -> bool:
    """Editors log anyone's time; team members log their own."""
    if can_edit(project, user):
        return True
    return bool(
        user and user.is_authenticated and project.memberships.filter(user_id=user.pk).exists()
    )


def projects_followed_by(user) -> QuerySet[Project]:
    """Projects a person manages, sponsors or works on (their calendar feed)."""
    return (
        projects_visible_to(user)
        .filter(Q(manager=user) | Q(sponsor=user) | Q(memberships__user=user))
        .distinct()
    )


def workspace_projects(user) -> QuerySet[Project]:
    """Projects with their people and newest baseline (id and number), in one query: what a
    project's own pages show and what `evm.load_evm_data` would otherwise read first."""
    newest_baseline = Baseline.objects.filter(project=OuterRef("pk")).order_by("-number")
    return (
        projects_visible_to(user)
        .select_related("manager", "sponsor", "service", "improvement")
        .annotate(
            current_baseline=Subquery(newest_baseline.values("pk")[:1]),
            current_baseline_number=Subquery(newest_baseline.values("number")[:1]),
        )
    )


def portfolio(user) -> QuerySet[Project]:
    """Workspace rows with the next open milestone (none once the project is closed or
    cancelled: nothing is next), in one query: what a row of the portfolio (page and API)
    shows besides its measures (`portfolio_measures`)."""
    next_milestone = Milestone.objects.filter(
        project=OuterRef("pk"), completed_on__isnull=True, waived=False
    ).order_by("due_date", "id")

    def while_open(column: str):
        return Case(When(phase__in=OPEN_PHASES, then=Subquery(next_milestone.values(column)[:1])))

    return workspace_projects(user).annotate(
        next_milestone_name=while_open("name"), next_milestone_due=while_open("due_date")
    )


def evm_known(projects) -> dict | None:
    """What `evm.load_evm_data` would read first (budget, newest baseline), when `projects`
    came from `portfolio`; None otherwise."""
    if all(hasattr(p, "current_baseline") for p in projects):
        return {p.pk: (p.budget, p.current_baseline) for p in projects}
    return None


@dataclass
class PortfolioMeasures:
    spi: Decimal | None
    cpi: Decimal | None
    health: str
    ac: Decimal
    budget_used_pct: Decimal | None


def portfolio_measures(projects, as_of: datetime.date) -> dict[int, PortfolioMeasures]:
    """SPI, CPI, health, actual cost and budget used (AC ÷ budget, the Budget tab's figures)
    for a page of projects (a fixed number of queries)."""
    projects = list(projects)
    data = evm.load_evm_data([p.pk for p in projects], known=evm_known(projects))
    out = {}
    for p in projects:
        measures = evm.earned_value_measures(data[p.pk], as_of)
        out[p.pk] = PortfolioMeasures(
            spi=measures.spi,
            cpi=measures.cpi,
            health=evm.health(measures.spi, measures.cpi) if p.phase in OPEN_PHASES else "unknown",
            ac=measures.ac,
            budget_used_pct=measures.budget_spent_pct,
        )
    return out


# ---------------------------------------------------------------- the WBS tree


@dataclass
class WbsNode:
    """A task with its WBS number and rolled-up values (summary tasks take their children's)."""

    task: Task
    wbs: str
    depth: int
    children: list[WbsNode] = field(default_factory=list)
    planned_start: datetime.date | None = None
    planned_finish: datetime.date | None = None
    planned_cost: Decimal | None = None
    percent_complete: Decimal = Decimal("0")

    @property
    def is_summary(self) -> bool:
        return bool(self.children)


def wbs_tree(tasks: list[Task]) -> list[WbsNode]:
    """Depth-first WBS rows with roll-up: summary dates span their children, cost is the sum,
    progress is weighted by planned cost (by count when no child has a cost)."""
    by_parent: dict[int | None, list[Task]] = {}
    for t in tasks:
        by_parent.setdefault(t.parent_id, []).append(t)

    def build(parent_id, prefix: str, depth: int) -> list[WbsNode]:
        nodes = []
        for i, t in enumerate(by_parent.get(parent_id, []), start=1):
            number = f"{prefix}{i}"
            node = WbsNode(task=t, wbs=number, depth=depth)
            node.children = build(t.pk, number + ".", depth + 1)
            _roll_up(node)
            nodes.append(node)
        return nodes

    return build(None, "", 0)


def _roll_up(node: WbsNode) -> None:
    t = node.task
    if not node.children:
        node.planned_start, node.planned_finish = t.planned_start, t.planned_finish
        node.planned_cost = t.planned_cost
        node.percent_complete = Decimal(t.percent_complete)
        return
    kids = node.children
    starts = [k.planned_start for k in kids if k.planned_start]
    finishes = [k.planned_finish for k in kids if k.planned_finish]
    node.planned_start = min(starts) if starts else None
    node.planned_finish = max(finishes) if finishes else None
    costs = [k.planned_cost for k in kids if k.planned_cost is not None]
    node.planned_cost = sum(costs, Decimal("0")) if costs else None
    weight = sum(costs, Decimal("0"))
    if weight:
        node.percent_complete = (
            sum((k.planned_cost or 0) * k.percent_complete for k in kids) / weight
        )
    else:
        node.percent_complete = sum(k.percent_complete for k in kids) / len(kids)


def flatten(nodes: list[WbsNode]) -> list[WbsNode]:
    out = []
    for n in nodes:
        out.append(n)
        out.extend(flatten(n.children))
    return out


def plan_rows(project: Project) -> list[WbsNode]:
    """The project's WBS as flat rows in tree order, with assignees and dependencies joined."""
    tasks = list(project.tasks.select_related("assignee").prefetch_related("predecessor_links"))
    return flatten(wbs_tree(tasks))


def leaf_tasks(project: Project) -> QuerySet[Task]:
    return project.tasks.filter(~Exists(Task.objects.filter(parent=OuterRef("pk"))))


# ---------------------------------------------------------------- handoffs


def handoffs_visible_to(user) -> QuerySet[Handoff]:
    """Handoffs are part of their project: staff see every one, requesters none. The project,
    its manager, the target service and the decider are joined for lists."""
    if not has_role(user, *STAFF_ROLES):
        return Handoff.objects.none()
    return Handoff.objects.select_related(
        "project__manager",
        "service__owner",
        # what the service has now, shown beside what accepting changes (handoff_terms)
        "service__support_team",
        "service__sla_policy",
        "service__service_hours",
        "service_owner",
        "support_team",
        "sla_policy",
        "service_hours",
        "decided_by",
    )


def handoffs_awaiting(user) -> QuerySet[Handoff]:
    """Submitted handoffs this user decides: to a service they own (existing) or will own
    (new). Admins may decide every one, so they see all submitted handoffs."""
    qs = handoffs_visible_to(user).filter(status=HandoffStatus.SUBMITTED)
    if has_role(user, Role.ADMIN):
        return qs
    if not has_role(user, Role.SERVICE_OWNER):
        return qs.none()
    return qs.filter(
        Q(new_service=True, service_owner=user) | Q(new_service=False, service__owner=user)
    )


def handoff_of(project: Project) -> Handoff | None:
    return handoffs_visible_to_all().filter(project=project).first()


def handoffs_visible_to_all() -> QuerySet[Handoff]:
    return Handoff.objects.select_related(
        "project__manager", "service__owner", "service_owner", "support_team", "decided_by"
    )


def service_deliveries(service) -> list[Project]:
    """Projects that handed this service over (accepted handoffs), newest first."""
    return list(
        Project.objects.filter(
            service=service,
            handoffs__status=HandoffStatus.ACCEPTED,
            handoffs__service=service,
        )
        .select_related("manager")
        .order_by("-hypercare_start", "-id")
        .distinct()
    )
