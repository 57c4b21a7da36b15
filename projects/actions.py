"""Every write of a project itself: charter, phases, team and baseline.

Each action is one transaction with an audit row. The guards every projects action shares
(_ensure_editor, _ensure_open, _lock, _unknown, ProjectClosed) live here; tasks, milestones,
costs and risks are written by their siblings task_actions, milestone_actions, cost_actions
and risk_actions.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from core.api.concurrency import check_version
from core.audit import audit_record, versioned_apply
from core.exceptions import DomainError, NotAllowed
from core.lifecycle import transition_apply
from core.numbers import decimal_text
from core.roles import Role, has_role
from projects.currencies import currency_code
from projects.date_window import check_outer_bounds
from projects.improvement_link import (
    improvement_check_carry,
    improvement_follow_project,
    improvement_start_for,
)
from projects.lifecycle import FORWARD_ACTIONS, PROJECT_LIFECYCLE, gate_checklist
from projects.models import Baseline, BaselineMilestone, BaselineTask, Project, ProjectMember
from projects.queries import can_create_projects, can_edit

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


def _check_code(fields: dict[str, Any], project: Project | None = None) -> None:
    """The code trimmed, and no other project's code equal to it whatever the case (400
    naming `code`; the database's project_code_unique_ignoring_case backs it)."""
    if "code" not in fields:
        return
    code = fields["code"] = (fields["code"] or "").strip()
    others = Project.objects.alias(code_lower=Lower("code")).filter(code_lower=code.lower())
    if project is not None:
        others = others.exclude(pk=project.pk)
    taken = others.values_list("code", flat=True).first()
    if taken is not None:
        raise ValidationError(
            {"code": f"The code {taken} is taken: project codes are unique whatever their case."}
        )


def _check_charter_fields(fields: dict[str, Any], project: Project | None = None) -> None:
    """What create and update both ask of the fields they write: a free code, an ISO 4217
    currency (upper-cased), planned dates in sensible years."""
    _check_code(fields, project)
    # A currency saved before codes were checked, sent back unchanged, is no change.
    if "currency" in fields and (project is None or fields["currency"] != project.currency):
        fields["currency"] = currency_code(fields["currency"])
    # Only dates being changed: an old project (started in 1999, say) stays editable with the
    # dates it has, which the edit page sends back.
    check_outer_bounds(
        {
            name: (fields.get(name), f"The planned {name.split('_')[1]}")
            for name in ("planned_start", "planned_finish")
            if project is None or fields.get(name) != getattr(project, name)
        }
    )


def _check_currency_unchanged(project: Project, fields: dict[str, Any]) -> None:
    """Costs and hours are kept in the project's currency and summed as one: once any are
    recorded, the currency stays (400 naming `currency`)."""
    if fields.get("currency", project.currency) == project.currency:
        return
    costs, times = project.cost_entries.count(), project.time_entries.count()
    if costs or times:
        recorded = " and ".join(
            text
            for n, text in ((costs, f"{costs} cost entries"), (times, f"{times} time entries"))
            if n
        )
        raise ValidationError(
            {
                "currency": "The currency cannot change once costs or time are recorded: "
                f"{recorded} are in {project.currency}."
            }
        )


@contextmanager
def _code_race():
    """A code taken by a transaction that committed meanwhile: the same 400 as _check_code,
    not a database error."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        if "project_code" not in str(exc):
            raise
        raise ValidationError(
            {"code": "This code was just taken: project codes are unique whatever their case."}
        ) from exc


def _project_open(*, actor, fields: dict[str, Any]) -> Project:
    manager = fields["manager"]
    if not has_role(manager, Role.PROJECT_MANAGER, Role.ADMIN):
        raise ValidationError({"manager": "The manager must be a project manager."})
    _check_charter_fields(fields)
    project = Project(**fields)
    project.full_clean()
    with _code_race():
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
            f"{improvement.metric}: from {decimal_text(improvement.baseline_value)}{unit} "
            f"(baseline) to {decimal_text(improvement.target_value)}{unit} (target), measured "
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
    _check_charter_fields(fields, locked)
    _check_currency_unchanged(locked, fields)
    locked.updated_at = timezone.now()
    with _code_race():
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
    before = None if created else member.role
    if not created and member.role != role:
        member.role = role
    member.full_clean()
    member.save()
    audit_record(
        actor=actor,
        action="project.member_added",
        obj=project,
        changes={"member": [None, user], "role": [before, member.role]},
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
