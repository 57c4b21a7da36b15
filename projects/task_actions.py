"""Every write of the work breakdown: tasks and the finish-to-start links between them.

Each action is one transaction with an audit row; the shared guards live in projects.actions.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from core.api.concurrency import check_version
from core.audit import audit_record, versioned_apply
from projects.actions import _ensure_editor, _ensure_open, _lock, _unknown
from projects.date_window import check_fields_in_window
from projects.models import Dependency, Project, Task

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


DATE_WORDS = {
    "planned_start": "The planned start",
    "planned_finish": "The planned finish",
    "actual_start": "The actual start",
    "actual_finish": "The actual finish",
}


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
    check_fields_in_window(project, fields, DATE_WORDS)
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
    check_fields_in_window(locked.project, fields, DATE_WORDS, stored=locked)
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
    """Finish-to-start link; refuses self-links, links across projects, a link that exists
    already and cycles (400)."""
    project = _lock(predecessor.project)
    _ensure_editor(project, actor)
    _ensure_open(project)
    if predecessor.project_id != successor.project_id:
        raise ValidationError({"successor": "Both tasks must belong to the same project."})
    if predecessor.pk == successor.pk:
        raise ValidationError({"successor": "A task cannot depend on itself."})
    if Dependency.objects.filter(predecessor=predecessor, successor=successor).exists():
        raise ValidationError({"successor": "This link already exists."})
    edges: dict[int, set[int]] = {}
    for a, b in Dependency.objects.filter(predecessor__project=project).values_list(
        "predecessor_id", "successor_id"
    ):
        edges.setdefault(a, set()).add(b)
    if _reaches(edges, successor.pk, predecessor.pk):
        raise ValidationError(
            {"successor": f"'{successor}' already leads to '{predecessor}': that would be a cycle."}
        )
    dependency = Dependency.objects.create(predecessor=predecessor, successor=successor)
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
