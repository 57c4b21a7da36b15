"""The WBS and Gantt tabs of the project workspace. Writes go through task_actions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.choice_lists import show_choices
from core.exceptions import DomainError
from core.form_status import form_status
from projects import task_actions
from projects.forms import DependencyForm, TaskForm, TaskProgressForm
from projects.models import BaselineTask, Project, Task
from projects.queries import plan_rows
from projects.views import _editable, _editors, _project, _submitted, _workspace, refusal_text

# ---------------------------------------------------------------- WBS


@login_required
def plan(request, pk: int):
    """The WBS editor: rows in tree order with roll-ups, progress inline, add tasks and links."""
    return _plan_page(request, _project(request, pk))


def _plan_page(request, project, *, task_form=None, dependency_form=None, status: int = 200):
    rows = plan_rows(project)
    names = {r.task.pk: r.wbs for r in rows}
    for r in rows:
        r.predecessor_wbs = [
            names.get(link.predecessor_id) for link in r.task.predecessor_links.all()
        ]
    task_form = task_form or TaskForm(project=project)
    dependency_form = dependency_form or DependencyForm(project=project)
    show_choices(  # the tasks just read, in plan order
        [(r.task.pk, str(r.task)) for r in rows],
        task_form.fields["parent"],
        dependency_form.fields["predecessor"],
        dependency_form.fields["successor"],
    )
    return render(
        request,
        "projects/plan.html",
        _workspace(
            request,
            project,
            "plan",
            rows=rows,
            task_form=task_form,
            dependency_form=dependency_form,
            baselines=project.baselines.select_related("captured_by").order_by("-number"),
        ),
        status=status,
    )


@login_required
@require_POST
def task_add(request, pk: int):
    project = _editable(request, pk)
    form = TaskForm(request.POST, project=project)
    return _submitted(
        request,
        form,
        lambda: task_actions.task_create(
            project=project,
            actor=request.user,
            **{k: v for k, v in form.cleaned_data.items() if v not in (None, "")},
        ),
        "Task added.",
        done=reverse("projects:plan", args=[pk]),
        again=lambda status: _plan_page(
            request, _project(request, pk), task_form=form, status=status
        ),
        may=_editors(request, project),
    )


@login_required
@require_POST
def task_progress(request, pk: int, task_pk: int):
    """htmx: set a leaf task's percent complete; answers the refreshed row."""
    project = _editable(request, pk)
    task = get_object_or_404(Task, pk=task_pk, project=project)
    form = TaskProgressForm(request.POST)
    error, refused = "", None
    try:  # who may write is asked before the number is read (403 whatever was posted)
        _editors(request, project)()
        if not form.is_valid():
            raise ValidationError("Enter a whole number from 0 to 100.")
        task_actions.task_update(
            task=task,
            actor=request.user,
            expected_version=form.cleaned_data["version"],
            percent_complete=form.cleaned_data["percent_complete"],
        )
    except (DomainError, ValidationError) as exc:
        refused = exc
        error = refusal_text(exc)
    if not request.headers.get("HX-Request"):  # a plain form post (no script)
        if not error:
            return redirect("projects:plan", pk=pk)
        messages.error(request, error)
        return _plan_page(request, _project(request, pk), status=form_status(form, refused))
    row = next(r for r in plan_rows(project) if r.task.pk == task.pk)
    return render(
        request,
        "projects/partials/_task_row.html",
        {"row": row, "project": project, "can_edit": True, "error": error},
        status=form_status(form, refused),
    )


@login_required
@require_POST
def dependency_add(request, pk: int):
    project = _editable(request, pk)
    form = DependencyForm(request.POST, project=project)
    return _submitted(
        request,
        form,
        lambda: task_actions.dependency_add(actor=request.user, **form.cleaned_data),
        "Dependency added.",
        done=reverse("projects:plan", args=[pk]),
        again=lambda status: _plan_page(
            request, _project(request, pk), dependency_form=form, status=status
        ),
        may=_editors(request, project),
    )


# ---------------------------------------------------------------- Gantt


def gantt_data(project: Project) -> dict:
    """Tasks for frappe-gantt, with the newest baseline's dates for the overlay."""
    rows = plan_rows(project)
    baseline = project.baselines.order_by("-number").first()
    planned = {}
    if baseline:
        planned = {
            b.task_id: b for b in BaselineTask.objects.filter(baseline=baseline, task__isnull=False)
        }
    spans: dict[int, tuple] = {}

    def baseline_span(node) -> tuple:
        # A summary's baseline spans its children's, as its plan does.
        if node.task.pk not in spans:
            if node.children:
                kids = [baseline_span(k) for k in node.children]
                starts = [a for a, _ in kids if a]
                ends = [b for _, b in kids if b]
                spans[node.task.pk] = (min(starts, default=None), max(ends, default=None))
            else:
                b = planned.get(node.task.pk)
                spans[node.task.pk] = (b.planned_start, b.planned_finish) if b else (None, None)
        return spans[node.task.pk]

    tasks, unscheduled = [], []
    for r in rows:
        if not (r.planned_start and r.planned_finish):
            unscheduled.append(r.task.name)
            continue
        base_start, base_end = baseline_span(r)
        tasks.append(
            {
                "id": f"t{r.task.pk}",
                "name": f"{r.wbs} {r.task.name}",
                "start": r.planned_start.isoformat(),
                "end": r.planned_finish.isoformat(),
                "progress": float(round(r.percent_complete, 1)),
                "dependencies": ", ".join(
                    f"t{x.predecessor_id}" for x in r.task.predecessor_links.all()
                ),
                "custom_class": "gantt-summary" if r.is_summary else "",
                "baseline_start": base_start.isoformat() if base_start else None,
                "baseline_end": base_end.isoformat() if base_end else None,
            }
        )
    for m in project.milestones.all():
        tasks.append(
            {
                "id": f"m{m.pk}",
                "name": f"◆ {m.name}",
                "start": m.due_date.isoformat(),
                "end": m.due_date.isoformat(),
                "progress": 100 if m.done else 0,
                "dependencies": "",
                "custom_class": "gantt-milestone",
                "baseline_start": None,
                "baseline_end": None,
            }
        )
    return {
        "tasks": tasks,
        "unscheduled": unscheduled,
        "baseline": baseline.number if baseline else None,
        "today": timezone.localdate().isoformat(),
    }


@login_required
def gantt(request, pk: int):
    project = _project(request, pk)
    return render(
        request,
        "projects/gantt.html",
        _workspace(request, project, "gantt", gantt=gantt_data(project)),
    )
