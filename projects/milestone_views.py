"""The milestones tab of the project workspace. Writes go through milestone_actions."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from projects import evm, milestone_actions
from projects.forms import MilestoneForm, MilestoneStatusForm
from projects.models import BaselineMilestone, Milestone
from projects.views import _editable, _editors, _project, _submitted, _workspace


@login_required
def milestones(request, pk: int):
    """Milestones against the baseline: slip in days, completed, waived."""
    return _milestones_page(request, _project(request, pk))


def _milestones_page(request, project, *, form=None, status: int = 200):
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
            form=form or MilestoneForm(),
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
        status=status,
    )


@login_required
@require_POST
def milestone_add(request, pk: int):
    project = _editable(request, pk)
    form = MilestoneForm(request.POST)
    return _submitted(
        request,
        form,
        lambda: milestone_actions.milestone_create(
            project=project, actor=request.user, **form.cleaned_data
        ),
        "Milestone added.",
        done=reverse("projects:milestones", args=[pk]),
        again=lambda status: _milestones_page(
            request, _project(request, pk), form=form, status=status
        ),
        may=_editors(request, project),
    )


@login_required
@require_POST
def milestone_status(request, pk: int, milestone_pk: int):
    project = _editable(request, pk)
    milestone = get_object_or_404(Milestone, pk=milestone_pk, project=project)
    form = MilestoneStatusForm(request.POST)

    def update():
        data = form.cleaned_data
        if data["action"] == "complete":
            fields = {"completed_on": data["completed_on"] or timezone.localdate()}
        elif data["action"] == "waive":
            fields = {"waived": True, "waived_reason": data["waived_reason"]}
        else:
            fields = {"due_date": data["due_date"]}
        milestone_actions.milestone_update(milestone=milestone, actor=request.user, **fields)

    return _submitted(
        request,
        form,
        update,
        "Milestone updated.",
        done=reverse("projects:milestones", args=[pk]),
        again=lambda status: _milestones_page(request, _project(request, pk), status=status),
        may=_editors(request, project),
    )
