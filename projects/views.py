"""The project pages: portfolio and the workspace tabs. Writes go through actions."""

from __future__ import annotations

from collections import Counter, defaultdict
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Sum
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.audit import history_for
from core.exceptions import DomainError, GateNotMet
from core.roles import is_staff_member
from projects import actions, evm
from projects.filtersets import ProjectFilterSet
from projects.forms import (
    CostEntryForm,
    DependencyForm,
    MemberForm,
    MilestoneForm,
    MilestoneStatusForm,
    ProjectForm,
    RiskForm,
    TaskForm,
    TaskProgressForm,
    TimeEntryForm,
    TransitionForm,
)
from projects.lifecycle import PROJECT_LIFECYCLE, gate_checklist
from projects.models import (
    BaselineMilestone,
    BaselineTask,
    Milestone,
    Project,
    Risk,
    Task,
)
from projects.outcome import project_outcome
from projects.queries import (
    can_create_projects,
    can_edit,
    can_log_time,
    handoffs_awaiting,
    plan_rows,
    portfolio,
    portfolio_measures,
    projects_visible_to,
)

TABS = [
    ("overview", "Overview"),
    ("plan", "WBS"),
    ("gantt", "Gantt"),
    ("milestones", "Milestones"),
    ("costs", "Budget & costs"),
    ("risks", "Risks"),
    ("time", "Time"),
    ("handoff", "Handoff"),
]


def _staff_only(request):
    if not is_staff_member(request.user):
        raise Http404("No projects here.")


def _project(request, pk: int) -> Project:
    _staff_only(request)
    return get_object_or_404(portfolio(request.user), pk=pk)


def _editable(request, pk: int) -> Project:
    """The project a write is aimed at; the action decides whether this user may write."""
    _staff_only(request)
    return get_object_or_404(projects_visible_to(request.user), pk=pk)


def _report(request, exc: Exception) -> None:
    """Show a refused write as a message, with each unmet gate criterion."""
    if isinstance(exc, GateNotMet):
        messages.error(request, f"{exc.detail} Unmet: " + "; ".join(exc.unmet))
    elif isinstance(exc, DomainError):
        extra = "; ".join(f"{k}: {v}" for k, v in exc.fields.items())
        messages.error(request, f"{exc.detail} {extra}".strip())
    elif isinstance(exc, ValidationError):
        messages.error(request, " ".join(exc.messages))


def _form_errors(request, form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label or field.replace("_", " ") if field in form.fields else ""
        messages.error(request, f"{label.capitalize()}: {' '.join(errors)}".strip(": "))


def _run(request, fn, success: str | None = None) -> bool:
    try:
        fn()
    except (DomainError, ValidationError) as exc:
        _report(request, exc)
        return False
    if success:
        messages.success(request, success)
    return True


def _workspace(request, project: Project, tab: str, **extra) -> dict:
    return {
        "project": project,
        "tab": tab,
        "tabs": TABS,
        "can_edit": can_edit(project, request.user),
        "today": timezone.localdate(),
        **extra,
    }


# ---------------------------------------------------------------- portfolio


@login_required
def portfolio_view(request):
    """Every visible project with phase, health (SPI/CPI), next milestone and budget used."""
    _staff_only(request)
    filterset = ProjectFilterSet(request.GET or None, queryset=portfolio(request.user))
    queryset = filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset
    page = Paginator(queryset.order_by("code"), 25).get_page(request.GET.get("page"))
    measures = portfolio_measures(page.object_list, timezone.localdate())
    rows = [(p, measures[p.pk]) for p in page.object_list]
    return render(
        request,
        "projects/portfolio.html",
        {
            "filter": filterset,
            "rows": rows,
            "page": page,
            "can_create": can_create_projects(request.user),
            "awaiting_count": handoffs_awaiting(request.user).count(),
        },
    )


@login_required
def project_new(request):
    """Open a project; with ?improvement=<id>, started from that improvement (charter
    prefilled; the service's owner, a manager or an admin may start it)."""
    _staff_only(request)
    improvement = _improvement_to_start(request)
    if improvement is None and not can_create_projects(request.user):
        raise Http404
    initial = actions.charter_from(improvement) if improvement is not None else None
    form = ProjectForm(request.POST or None, initial=initial, from_improvement=improvement)
    if request.method == "POST" and form.is_valid():
        created: list[Project] = []
        if improvement is not None:
            data = form.domain_data()

            def open_it():
                return actions.project_start_from_improvement(
                    improvement=improvement,
                    actor=request.user,
                    manager=data.pop("manager"),
                    sponsor=data.pop("sponsor"),
                    code=data.pop("code"),
                    **data,
                )

            message = "Project opened in initiation; the improvement is in progress."
        else:

            def open_it():
                return actions.project_create(actor=request.user, **form.domain_data())

            message = "Project opened in initiation."
        if _run(request, lambda: created.append(open_it()), message):
            return redirect("projects:overview", pk=created[0].pk)
    return render(
        request,
        "projects/project_form.html",
        {"form": form, "project": None, "improvement": improvement},
    )


def _improvement_to_start(request):
    """The improvement of ?improvement=<id> when the caller may start a project from it."""
    from servicedesk.request_lifecycle import improvement_may_decide
    from servicedesk.request_queries import improvements_visible_to

    raw = request.GET.get("improvement", "")
    if not raw:
        return None
    if not raw.isdigit():
        raise Http404
    improvement = get_object_or_404(improvements_visible_to(request.user), pk=int(raw))
    if not improvement_may_decide(improvement, request.user):
        raise Http404
    return improvement


@login_required
def project_edit(request, pk: int):
    project = _project(request, pk)
    if not can_edit(project, request.user):
        raise Http404
    initial = {name: getattr(project, name) for name in actions.PROJECT_FIELDS if name != "manager"}
    initial["version"] = project.version
    form = ProjectForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        version = form.cleaned_data.get("version") or project.version
        if _run(
            request,
            lambda: actions.project_update(
                project=project,
                actor=request.user,
                expected_version=version,
                **form.domain_data(),
            ),
            "Project saved.",
        ):
            return redirect("projects:overview", pk=pk)
    return render(request, "projects/project_form.html", {"form": form, "project": project})


# ---------------------------------------------------------------- overview


@login_required
def overview(request, pk: int):
    """Phase and gate checklist, the moves on offer, EVM tiles and the S-curve."""
    project = _project(request, pk)
    today = timezone.localdate()
    data = evm.load_evm_data([project.pk])[project.pk]
    measures = evm.earned_value_measures(data, today)
    allowed = {t.action for t in PROJECT_LIFECYCLE.allowed_for(project, request.user)}
    moves = [
        {"action": t.action, "label": t.label, "allowed": t.action in allowed}
        for t in PROJECT_LIFECYCLE.transitions
        if project.phase in t.sources
    ]
    history = list(history_for(project).order_by("-created_at", "-id")[:10])
    return render(
        request,
        "projects/overview.html",
        _workspace(
            request,
            project,
            "overview",
            gate=gate_checklist(project),
            moves=moves,
            evm=measures.as_json(),
            spi_level=evm.health(measures.spi, None),
            cpi_level=evm.health(None, measures.cpi),
            s_curve=evm.s_curve(data, today),
            members=project.memberships.select_related("user"),
            member_form=MemberForm(),
            baseline=project.baselines.order_by("-number").first(),
            history=history,
            outcome=project_outcome(project) if project.hypercare_start else None,
        ),
    )


@login_required
@require_POST
def transition(request, pk: int):
    project = _editable(request, pk)
    form = TransitionForm(request.POST)
    if form.is_valid():
        action = form.cleaned_data["action"]
        label = next((t.label for t in PROJECT_LIFECYCLE.transitions if t.action == action), "")
        _run(
            request,
            lambda: actions.project_transition(
                project=project,
                action=action,
                actor=request.user,
                data={"reason": form.cleaned_data.get("reason", "")},
            ),
            f"{label}: done.",
        )
    return redirect("projects:overview", pk=pk)


@login_required
@require_POST
def member_add(request, pk: int):
    project = _editable(request, pk)
    form = MemberForm(request.POST)
    if form.is_valid():
        _run(
            request,
            lambda: actions.member_add(
                project=project,
                actor=request.user,
                user=form.cleaned_data["user"],
                role=form.cleaned_data["role"],
            ),
            "Team member added.",
        )
    return redirect("projects:overview", pk=pk)


# ---------------------------------------------------------------- WBS


@login_required
def plan(request, pk: int):
    """The WBS editor: rows in tree order with roll-ups, progress inline, add tasks and links."""
    project = _project(request, pk)
    rows = plan_rows(project)
    names = {r.task.pk: r.wbs for r in rows}
    for r in rows:
        r.predecessor_wbs = [
            names.get(link.predecessor_id) for link in r.task.predecessor_links.all()
        ]
    return render(
        request,
        "projects/plan.html",
        _workspace(
            request,
            project,
            "plan",
            rows=rows,
            task_form=TaskForm(project=project),
            dependency_form=DependencyForm(project=project),
            baselines=project.baselines.select_related("captured_by").order_by("-number"),
        ),
    )


@login_required
@require_POST
def task_add(request, pk: int):
    project = _editable(request, pk)
    form = TaskForm(request.POST, project=project)
    if form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
        _run(
            request,
            lambda: actions.task_create(project=project, actor=request.user, **data),
            "Task added.",
        )
    else:
        _form_errors(request, form)
    return redirect("projects:plan", pk=pk)


@login_required
@require_POST
def task_progress(request, pk: int, task_pk: int):
    """htmx: set a leaf task's percent complete; answers the refreshed row."""
    project = _editable(request, pk)
    task = get_object_or_404(Task, pk=task_pk, project=project)
    form = TaskProgressForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            actions.task_update(
                task=task,
                actor=request.user,
                expected_version=form.cleaned_data["version"],
                percent_complete=form.cleaned_data["percent_complete"],
            )
        except (DomainError, ValidationError) as exc:
            error = getattr(exc, "detail", None) or " ".join(exc.messages)
    else:
        error = "Enter a whole number from 0 to 100."
    if not request.headers.get("HX-Request"):
        if error:
            messages.error(request, error)
        return redirect("projects:plan", pk=pk)
    row = next(r for r in plan_rows(project) if r.task.pk == task.pk)
    return render(
        request,
        "projects/partials/_task_row.html",
        {"row": row, "project": project, "can_edit": True, "error": error},
    )


@login_required
@require_POST
def dependency_add(request, pk: int):
    project = _editable(request, pk)
    form = DependencyForm(request.POST, project=project)
    if form.is_valid():
        _run(
            request,
            lambda: actions.dependency_add(actor=request.user, **form.cleaned_data),
            "Dependency added.",
        )
    return redirect("projects:plan", pk=pk)


@login_required
@require_POST
def baseline_capture(request, pk: int):
    project = _editable(request, pk)
    _run(
        request,
        lambda: actions.baseline_capture(
            project=project, actor=request.user, note=request.POST.get("note", "")[:300]
        ),
        "Baseline captured.",
    )
    target = "projects:overview" if request.POST.get("next") == "overview" else "projects:plan"
    return redirect(target, pk=pk)


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


# ---------------------------------------------------------------- milestones


@login_required
def milestones(request, pk: int):
    """Milestones against the baseline: slip in days, completed, waived."""
    project = _project(request, pk)
    today = timezone.localdate()
    baseline = project.baselines.order_by("-number").first()
    baseline_due = (
        dict(
            BaselineMilestone.objects.filter(baseline=baseline).values_list(
                "milestone_id", "due_date"
            )
        )
        if baseline
        else {}
    )
    rows = []
    for m in project.milestones.all():
        base = baseline_due.get(m.pk)
        point = evm.MilestoneDate(m.name, base or m.due_date, m.due_date, m.completed_on, m.waived)
        slip = evm.milestone_slip_days(point, today)
        state = (
            "completed"
            if m.completed_on
            else "waived"
            if m.waived
            else ("overdue" if m.due_date < today else "open")
        )
        rows.append({"m": m, "baseline_due": base, "slip": slip, "state": state})
    return render(
        request,
        "projects/milestones.html",
        _workspace(
            request,
            project,
            "milestones",
            rows=rows,
            form=MilestoneForm(),
            baseline=baseline,
            missed=evm.fmt(
                evm.milestones_missed_pct(
                    [
                        evm.MilestoneDate(
                            r["m"].name,
                            r["baseline_due"] or r["m"].due_date,
                            r["m"].due_date,
                            r["m"].completed_on,
                            r["m"].waived,
                        )
                        for r in rows
                    ],
                    today,
                ),
                evm.MILLIS,
            ),
        ),
    )


@login_required
@require_POST
def milestone_add(request, pk: int):
    project = _editable(request, pk)
    form = MilestoneForm(request.POST)
    if form.is_valid():
        _run(
            request,
            lambda: actions.milestone_create(
                project=project, actor=request.user, **form.cleaned_data
            ),
            "Milestone added.",
        )
    else:
        _form_errors(request, form)
    return redirect("projects:milestones", pk=pk)


@login_required
@require_POST
def milestone_status(request, pk: int, milestone_pk: int):
    project = _editable(request, pk)
    milestone = get_object_or_404(Milestone, pk=milestone_pk, project=project)
    form = MilestoneStatusForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        if data["action"] == "complete":
            fields = {"completed_on": data["completed_on"] or timezone.localdate()}
        elif data["action"] == "waive":
            fields = {"waived": True, "waived_reason": data["waived_reason"]}
        else:
            fields = {"due_date": data["due_date"] or milestone.due_date}
        _run(
            request,
            lambda: actions.milestone_update(milestone=milestone, actor=request.user, **fields),
            "Milestone updated.",
        )
    return redirect("projects:milestones", pk=pk)


# ---------------------------------------------------------------- budget and costs


@login_required
def costs(request, pk: int):
    """Budget against spend and forecast, spend by category, and the cost ledger."""
    project = _project(request, pk)
    today = timezone.localdate()
    measures = evm.project_evm(project, today)
    by_category = {
        row["category"]: row["total"]
        for row in project.cost_entries.values("category").annotate(total=Sum("amount")).order_by()
    }
    labour = sum(
        (
            t.labour_cost or Decimal("0")
            for t in project.time_entries.filter(hourly_rate__isnull=False)
        ),
        Decimal("0"),
    )
    if labour:
        by_category["labour (time)"] = labour
    entries = project.cost_entries.select_related("task", "created_by")[:100]
    return render(
        request,
        "projects/costs.html",
        _workspace(
            request,
            project,
            "costs",
            evm=measures.as_json(),
            remaining=project.budget - measures.ac,
            by_category=sorted(by_category.items()),
            entries=entries,
            form=CostEntryForm(project=project, initial={"incurred_on": today}),
        ),
    )


@login_required
@require_POST
def cost_add(request, pk: int):
    project = _editable(request, pk)
    form = CostEntryForm(request.POST, project=project)
    if form.is_valid():
        _run(
            request,
            lambda: actions.cost_entry_add(
                project=project, actor=request.user, **form.cleaned_data
            ),
            "Cost recorded.",
        )
    else:
        _form_errors(request, form)
    return redirect("projects:costs", pk=pk)


# ---------------------------------------------------------------- risks


@login_required
def risks(request, pk: int):
    """The risk register and a 5 × 5 heat map of open risks (probability × impact)."""
    project = _project(request, pk)
    register = list(project.risks.select_related("owner"))
    cells = Counter((r.probability, r.impact) for r in register if r.status != "closed")
    heat = [
        {
            "probability": p,
            "cells": [
                {"impact": i, "count": cells.get((p, i), 0), "level": _risk_level(p * i)}
                for i in range(1, 6)
            ],
        }
        for p in range(5, 0, -1)
    ]
    return render(
        request,
        "projects/risks.html",
        _workspace(
            request,
            project,
            "risks",
            risks=sorted(register, key=lambda r: (-r.score, r.pk)),
            heat=heat,
            form=RiskForm(),
        ),
    )


def _risk_level(score: int) -> str:
    return "bad" if score >= 15 else "warn" if score >= 6 else "ok"


@login_required
@require_POST
def risk_add(request, pk: int):
    project = _editable(request, pk)
    form = RiskForm(request.POST)
    if form.is_valid():
        _run(
            request,
            lambda: actions.risk_create(project=project, actor=request.user, **form.cleaned_data),
            "Risk added.",
        )
    else:
        _form_errors(request, form)
    return redirect("projects:risks", pk=pk)


@login_required
@require_POST
def risk_status(request, pk: int, risk_pk: int):
    project = _editable(request, pk)
    risk = get_object_or_404(Risk, pk=risk_pk, project=project)
    status = request.POST.get("status", "")
    _run(request, lambda: actions.risk_update(risk=risk, actor=request.user, status=status))
    return redirect("projects:risks", pk=pk)


# ---------------------------------------------------------------- time


@login_required
def time(request, pk: int):
    """Log hours on tasks; the table shows the last entries and hours per person."""
    project = _project(request, pk)
    entries = list(project.time_entries.select_related("task", "person")[:100])
    per_person: dict = defaultdict(Decimal)
    for row in project.time_entries.values("person__username").annotate(h=Sum("hours")).order_by():
        per_person[row["person__username"]] = row["h"]
    return render(
        request,
        "projects/time.html",
        _workspace(
            request,
            project,
            "time",
            entries=entries,
            per_person=sorted(per_person.items()),
            can_log=can_log_time(project, request.user),
            form=TimeEntryForm(project=project, initial={"date": timezone.localdate()}),
        ),
    )


@login_required
@require_POST
def time_add(request, pk: int):
    project = _editable(request, pk)
    form = TimeEntryForm(request.POST, project=project)
    if form.is_valid():
        _run(
            request,
            lambda: actions.time_entry_add(
                project=project, actor=request.user, **form.cleaned_data
            ),
            "Time logged.",
        )
    else:
        _form_errors(request, form)
    return redirect("projects:time", pk=pk)
