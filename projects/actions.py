"""Every write of the projects app. Each action is one transaction with an audit row."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.api.concurrency import check_version
from core.audit import audit_record, diff, snapshot, versioned_apply
from core.exceptions import DomainError, NotAllowed
from core.lifecycle import transition_apply
from core.roles import Role, has_role
from projects.improvement_link import (
    improvement_check_carry,
    improvement_follow_project,
    improvement_start_for,
)
from projects.lifecycle import FORWARD_ACTIONS, PROJECT_LIFECYCLE, gate_checklist
from projects.models import (
    Baseline,
    BaselineMilestone,
    BaselineTask,
    CostEntry,
    Dependency,
    Milestone,
    Project,
    ProjectMember,
    Risk,
    Task,
    TimeEntry,
)
from projects.queries import can_create_projects, can_edit, can_log_time

PROJECT_FIELDS = (
    "code",
    "name",
    "description",
    "objectives",
    "scope",
    "success_criteria",
    "lessons_learned",
    "manager",
    "sponsor",
    "budget",
    "currency",
    "planned_start",
    "planned_finish",
    "service",
    "improvement",
)
TASK_FIELDS = (
    "parent",
    "position",
    "name",
    "planned_start",
    "planned_finish",
    "planned_cost",
    "percent_complete",
    "assignee",
    "actual_start",
    "actual_finish",
)
MILESTONE_FIELDS = ("name", "due_date", "completed_on", "waived", "waived_reason")
RISK_FIELDS = (
    "description",
    "probability",
    "impact",
    "owner",
    "response",
    "response_plan",
    "status",
)


class ProjectClosed(DomainError):
    """Closed and cancelled projects are history: their plan is read-only (409)."""

    status_code = 409
    code = "project_closed"


def _ensure_editor(project: Project, actor) -> None:
    if not can_edit(project, actor):
        raise NotAllowed("Only the project's manager or an admin may change it.")


def _ensure_open(project: Project) -> None:
    if not project.is_open:
        raise ProjectClosed(f"The project is {project.get_phase_display().lower()}.")


def _lock(project: Project) -> Project:
    return Project.objects.select_for_update().get(pk=project.pk)


def _unknown(fields: dict, allowed: tuple[str, ...]) -> None:
    extra = set(fields) - set(allowed)
    if extra:
        raise ValidationError({name: "This field cannot be set here." for name in sorted(extra)})


# ---------------------------------------------------------------- projects


def _project_open(*, actor, fields: dict[str, Any]) -> Project:
    manager = fields["manager"]
    if not has_role(manager, Role.PROJECT_MANAGER, Role.ADMIN):
        raise ValidationError({"manager": "The manager must be a project manager."})
    project = Project(**fields)
    project.full_clean()
    project.save()
    changes = {"phase": [None, project.phase], "manager": [None, project.manager_id]}
    if project.improvement_id:
        changes["improvement"] = [None, project.improvement_id]
    audit_record(actor=actor, action="project.created", obj=project, changes=changes)
    return project


@transaction.atomic
def project_create(*, actor, **fields: Any) -> Project:
    """Open a project in initiation. A project manager creates projects they manage; it may
    carry an approved or in-progress improvement no other open project carries (400)."""
    if not can_create_projects(actor):
        raise NotAllowed("Only project managers and admins open projects.")
    _unknown(fields, PROJECT_FIELDS)
    manager = fields.setdefault("manager", actor)
    if not has_role(actor, Role.ADMIN) and manager != actor:
        raise NotAllowed("A project manager opens projects they manage themselves.")
    if fields.get("improvement") is not None:
        fields["improvement"] = improvement_check_carry(
            improvement=fields["improvement"], actor=actor
        )
    return _project_open(actor=actor, fields=fields)


def charter_from(improvement) -> dict[str, str]:
    """The charter a project started from `improvement` begins with."""
    unit = improvement.unit
    return {
        "name": improvement.title[:200],
        "description": improvement.problem_statement,
        "objectives": improvement.expected_benefit.strip() or improvement.problem_statement,
        "success_criteria": (
            f"{improvement.metric}: from {improvement.baseline_value.normalize()}{unit} "
            f"(baseline) to {improvement.target_value.normalize()}{unit} (target), measured "
            "on the service after hypercare."
        ),
    }


@transaction.atomic
def project_start_from_improvement(
    *, improvement, actor, manager, sponsor=None, code: str, **fields: Any
) -> Project:
    """Open a project that carries `improvement`, its charter prefilled from it (name from
    the title, description from the problem, objectives from the expected benefit, success
    criteria from baseline → target) on the improvement's service; the improvement moves
    approved → in progress in the same transaction. The service's owner, a manager or an
    admin may do it (they name the project manager); explicit `fields` win over the prefill."""
    from servicedesk.request_lifecycle import improvement_may_decide

    _unknown(fields, tuple(f for f in PROJECT_FIELDS if f not in ("service", "improvement")))
    if not improvement_may_decide(improvement, actor):
        raise NotAllowed(
            "Only the service's owner, a manager or an admin start a project from an improvement."
        )
    locked = improvement_check_carry(improvement=improvement, actor=actor)
    prefill = charter_from(locked)
    prefill.update({k: v for k, v in fields.items() if v not in (None, "")})
    project = _project_open(
        actor=actor,
        fields={
            **prefill,
            "code": code,
            "manager": manager,
            "sponsor": sponsor,
            "service": locked.service,
            "improvement": locked,
        },
    )
    improvement_start_for(improvement=locked, project=project, actor=actor)
    return project


@transaction.atomic
def project_update(*, project: Project, actor, expected_version: int, **fields: Any) -> Project:
    """Change a project's charter, people, budget or dates; 412 when `expected_version` is old."""
    _unknown(fields, PROJECT_FIELDS)
    locked = _lock(project)
    _ensure_editor(locked, actor)
    check_version(locked, expected_version)
    manager_changes = "manager" in fields and fields["manager"] != locked.manager
    if "improvement" in fields and fields["improvement"] != locked.improvement:
        _ensure_open(locked)
        if fields["improvement"] is not None:
            fields["improvement"] = improvement_check_carry(
                improvement=fields["improvement"], actor=actor, project=locked
            )
    if manager_changes and not has_role(actor, Role.ADMIN):
        raise NotAllowed("Only an admin hands a project to another manager.")
    locked.updated_at = timezone.now()
    return versioned_apply(locked, actor=actor, action="project.updated", fields=fields)


def project_transition(
    *, project: Project, action: str, actor, data: dict | None = None
) -> Project:
    """Move a project through its phases; forward moves pass the gate and need the sponsor or
    an admin, whose approval is recorded in the audit row with the checklist it signed."""
    data = data or {}
    extra: dict = {}
    if action in FORWARD_ACTIONS:
        extra["gate"] = [None, [label for label, _ in gate_checklist(project)]]
        extra["approved_by"] = [None, getattr(actor, "username", None)]
    if data.get("reason"):
        extra["reason"] = [None, str(data["reason"])]
    # The carried improvement follows in the same transaction (projects/improvement_link.py):
    # a refusal on its side (403, or 400 without measured_value) leaves the project unmoved.
    with transaction.atomic():
        moved = transition_apply(
            lifecycle=PROJECT_LIFECYCLE,
            instance=project,
            action=action,
            actor=actor,
            data=data,
            audit_extra=extra,
        )
        improvement_follow_project(project=moved, action=action, actor=actor, data=data)
    return moved


@transaction.atomic
def member_add(*, project: Project, actor, user, role: str) -> ProjectMember:
    """Put a person on the team (or change the role they play)."""
    _ensure_editor(project, actor)
    member, created = ProjectMember.objects.get_or_create(
        project=project, user=user, defaults={"role": role}
    )
    if not created and member.role != role:
        member.role = role
    member.full_clean()
    member.save()
    audit_record(
        actor=actor, action="project.member_added", obj=project, changes={"member": [None, user]}
    )
    return member


@transaction.atomic
def member_remove(*, member: ProjectMember, actor) -> None:
    _ensure_editor(member.project, actor)
    audit_record(
        actor=actor,
        action="project.member_removed",
        obj=member.project,
        changes={"member": [member.user_id, None]},
    )
    member.delete()


# ---------------------------------------------------------------- baseline


@transaction.atomic
def baseline_capture(*, project: Project, actor, note: str = "") -> Baseline:
    """Freeze the current plan: every task's dates and cost, every milestone's due date.

    Earlier baselines stay as they were; the newest is what EVM measures against.
    """
    locked = _lock(project)
    _ensure_editor(locked, actor)
    _ensure_open(locked)
    tasks = list(locked.tasks.all())
    parents = {t.parent_id for t in tasks if t.parent_id}
    last = locked.baselines.order_by("-number").values_list("number", flat=True).first() or 0
    baseline = Baseline.objects.create(
        project=locked, number=last + 1, note=note, captured_by=actor
    )
    BaselineTask.objects.bulk_create(
        BaselineTask(
            baseline=baseline,
            task=t,
            name=t.name,
            is_leaf=t.pk not in parents,
            planned_start=t.planned_start,
            planned_finish=t.planned_finish,
            planned_cost=t.planned_cost,
        )
        for t in tasks
    )
    BaselineMilestone.objects.bulk_create(
        BaselineMilestone(baseline=baseline, milestone=m, name=m.name, due_date=m.due_date)
        for m in locked.milestones.all()
    )
    audit_record(
        actor=actor,
        action="project.baseline_captured",
        obj=locked,
        changes={"baseline": [last or None, baseline.number]},
    )
    return baseline


# ---------------------------------------------------------------- tasks and dependencies


def _check_parent(task: Task, parent: Task | None) -> None:
    if parent is None:
        return
    if parent.project_id != task.project_id:
        raise ValidationError({"parent": "The parent task belongs to another project."})
    node = parent
    while node is not None:
        if task.pk is not None and node.pk == task.pk:
            raise ValidationError({"parent": "A task cannot sit under itself or its subtasks."})
        node = node.parent


@transaction.atomic
def task_create(*, project: Project, actor, **fields: Any) -> Task:
    """Add a task to the WBS (under `parent` when given)."""
    _unknown(fields, TASK_FIELDS)
    _ensure_editor(project, actor)
    _ensure_open(project)
    task = Task(project=project, **fields)
    _check_parent(task, fields.get("parent"))
    if "position" not in fields:
        task.position = project.tasks.filter(parent=fields.get("parent")).count() + 1
    task.full_clean()
    task.save()
    audit_record(actor=actor, action="task.created", obj=task, changes={"project": [None, project]})
    return task


@transaction.atomic
def task_update(*, task: Task, actor, expected_version: int, **fields: Any) -> Task:
    """Change a task's plan or progress; 412 when `expected_version` is old."""
    _unknown(fields, TASK_FIELDS)
    locked = Task.objects.select_for_update().select_related("project").get(pk=task.pk)
    _ensure_editor(locked.project, actor)
    _ensure_open(locked.project)
    check_version(locked, expected_version)
    if "parent" in fields:
        _check_parent(locked, fields["parent"])
    return versioned_apply(locked, actor=actor, action="task.updated", fields=fields)


@transaction.atomic
def task_delete(*, task: Task, actor) -> None:
    """Remove a task and its subtasks (baselines keep their copies)."""
    _ensure_editor(task.project, actor)
    _ensure_open(task.project)
    audit_record(
        actor=actor, action="task.deleted", obj=task.project, changes={"task": [task.name, None]}
    )
    task.delete()


def _reaches(edges: dict[int, set[int]], start: int, goal: int) -> bool:
    seen, stack = set(), [start]
    while stack:
        node = stack.pop()
        if node == goal:
            return True
        if node in seen:
            continue
        seen.add(node)
        stack.extend(edges.get(node, ()))
    return False


@transaction.atomic
def dependency_add(*, predecessor: Task, successor: Task, actor) -> Dependency:
    """Finish-to-start link; refuses self-links, links across projects and cycles (400)."""
    project = _lock(predecessor.project)
    _ensure_editor(project, actor)
    _ensure_open(project)
    if predecessor.project_id != successor.project_id:
        raise ValidationError({"successor": "Both tasks must belong to the same project."})
    if predecessor.pk == successor.pk:
        raise ValidationError({"successor": "A task cannot depend on itself."})
    edges: dict[int, set[int]] = {}
    for a, b in Dependency.objects.filter(predecessor__project=project).values_list(
        "predecessor_id", "successor_id"
    ):
        edges.setdefault(a, set()).add(b)
    if _reaches(edges, successor.pk, predecessor.pk):
        raise ValidationError(
            {"successor": f"'{successor}' already leads to '{predecessor}': that would be a cycle."}
        )
    dependency, _ = Dependency.objects.get_or_create(predecessor=predecessor, successor=successor)
    audit_record(
        actor=actor,
        action="task.dependency_added",
        obj=successor,
        changes={"predecessor": [None, predecessor]},
    )
    return dependency


@transaction.atomic
def dependency_remove(*, dependency: Dependency, actor) -> None:
    _ensure_editor(dependency.successor.project, actor)
    audit_record(
        actor=actor,
        action="task.dependency_removed",
        obj=dependency.successor,
        changes={"predecessor": [dependency.predecessor_id, None]},
    )
    dependency.delete()


# ---------------------------------------------------------------- milestones


@transaction.atomic
def milestone_create(*, project: Project, actor, **fields: Any) -> Milestone:
    _unknown(fields, MILESTONE_FIELDS)
    _ensure_editor(project, actor)
    _ensure_open(project)
    milestone = Milestone(project=project, **fields)
    milestone.full_clean()
    milestone.save()
    audit_record(
        actor=actor,
        action="milestone.created",
        obj=milestone,
        changes={"due_date": [None, milestone.due_date]},
    )
    return milestone


@transaction.atomic
def milestone_update(*, milestone: Milestone, actor, **fields: Any) -> Milestone:
    """Move, complete or waive a milestone; a waiver needs a reason (400 without one)."""
    _unknown(fields, MILESTONE_FIELDS)
    _ensure_editor(milestone.project, actor)
    _ensure_open(milestone.project)
    before = snapshot(milestone, fields)
    for name, value in fields.items():
        setattr(milestone, name, value)
    if milestone.waived and not milestone.waived_reason.strip():
        raise ValidationError({"waived_reason": "Say why the milestone is waived."})
    if not milestone.waived:
        milestone.waived_reason = milestone.waived_reason if "waived_reason" in fields else ""
    milestone.full_clean()
    milestone.save()
    audit_record(
        actor=actor,
        action="milestone.updated",
        obj=milestone,
        changes=diff(before, snapshot(milestone, fields)),
    )
    return milestone


@transaction.atomic
def milestone_complete(
    *, milestone: Milestone, actor, on: datetime.date | None = None
) -> Milestone:
    return milestone_update(
        milestone=milestone, actor=actor, completed_on=on or timezone.localdate()
    )


@transaction.atomic
def milestone_waive(*, milestone: Milestone, actor, reason: str) -> Milestone:
    return milestone_update(milestone=milestone, actor=actor, waived=True, waived_reason=reason)


@transaction.atomic
def milestone_delete(*, milestone: Milestone, actor) -> None:
    _ensure_editor(milestone.project, actor)
    _ensure_open(milestone.project)
    audit_record(
        actor=actor,
        action="milestone.deleted",
        obj=milestone.project,
        changes={"milestone": [milestone.name, None]},
    )
    milestone.delete()


# ---------------------------------------------------------------- costs and time


def _currency(project: Project, currency: str | None) -> str:
    if currency and currency != project.currency:
        raise ValidationError(
            {"currency": f"Costs are recorded in the project's currency ({project.currency})."}
        )
    return project.currency


def _task_of(project: Project, task: Task | None) -> None:
    if task is not None and task.project_id != project.pk:
        raise ValidationError({"task": "The task belongs to another project."})


@transaction.atomic
def cost_entry_add(
    *,
    project: Project,
    actor,
    amount: Decimal,
    incurred_on: datetime.date,
    category: str = "other",
    task: Task | None = None,
    description: str = "",
    currency: str | None = None,
) -> CostEntry:
    """Record money spent (actual cost) in the project's currency."""
    _ensure_editor(project, actor)
    _task_of(project, task)
    entry = CostEntry(
        project=project,
        task=task,
        amount=amount,
        currency=_currency(project, currency),
        incurred_on=incurred_on,
        category=category,
        description=description,
        created_by=actor,
    )
    entry.full_clean()
    entry.save()
    audit_record(
        actor=actor,
        action="project.cost_added",
        obj=project,
        changes={"cost": [None, f"{entry.amount} {entry.currency} {entry.category}"]},
    )
    return entry


@transaction.atomic
def time_entry_add(
    *,
    project: Project,
    actor,
    task: Task,
    date: datetime.date,
    hours: Decimal,
    person=None,
    hourly_rate: Decimal | None = None,
    note: str = "",
    currency: str | None = None,
) -> TimeEntry:
    """Log hours on a task; with an hourly rate they count as labour in the actual cost.

    Team members log their own time; the manager and admins log anyone's.
    """
    person = person or actor
    if not can_log_time(project, actor) or (person != actor and not can_edit(project, actor)):
        raise NotAllowed("You may log only your own time on projects you work on.")
    _task_of(project, task)
    entry = TimeEntry(
        project=project,
        task=task,
        person=person,
        date=date,
        hours=hours,
        hourly_rate=hourly_rate,
        currency=_currency(project, currency),
        note=note,
    )
    entry.full_clean()
    entry.save()
    audit_record(
        actor=actor,
        action="project.time_logged",
        obj=project,
        changes={"time": [None, f"{person.username} {hours}h {date.isoformat()}"]},
    )
    return entry


# ---------------------------------------------------------------- risks


@transaction.atomic
def risk_create(*, project: Project, actor, **fields: Any) -> Risk:
    _unknown(fields, RISK_FIELDS)
    _ensure_editor(project, actor)
    risk = Risk(project=project, **fields)
    risk.full_clean()
    risk.save()
    audit_record(
        actor=actor, action="risk.created", obj=risk, changes={"score": [None, risk.score]}
    )
    return risk


@transaction.atomic
def risk_update(*, risk: Risk, actor, **fields: Any) -> Risk:
    _unknown(fields, RISK_FIELDS)
    _ensure_editor(risk.project, actor)
    before = snapshot(risk, fields)
    for name, value in fields.items():
        setattr(risk, name, value)
    risk.full_clean()
    risk.save()
    audit_record(
        actor=actor, action="risk.updated", obj=risk, changes=diff(before, snapshot(risk, fields))
    )
    return risk
