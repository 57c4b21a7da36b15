"""The budget & costs and time tabs of the project workspace. Writes go through cost_actions."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.db.models import Sum
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from projects import cost_actions, evm
from projects.forms import CostEntryForm, TimeEntryForm
from projects.queries import can_log_time
from projects.views import _editable, _editors, _project, _submitted, _workspace

# ---------------------------------------------------------------- budget and costs


@login_required
def costs(request, pk: int):
    """Budget against spend and forecast, spend by category, and the cost ledger."""
    return _costs_page(request, _project(request, pk))


def _costs_page(request, project, *, form=None, status: int = 200):
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
            form=form or CostEntryForm(project=project, initial={"incurred_on": today}),
        ),
        status=status,
    )


@login_required
@require_POST
def cost_add(request, pk: int):
    project = _editable(request, pk)
    form = CostEntryForm(request.POST, project=project)
    return _submitted(
        request,
        form,
        lambda: cost_actions.cost_entry_add(
            project=project, actor=request.user, **form.cleaned_data
        ),
        "Cost recorded.",
        done=reverse("projects:costs", args=[pk]),
        again=lambda status: _costs_page(request, _project(request, pk), form=form, status=status),
        may=_editors(request, project),
    )


# ---------------------------------------------------------------- time


@login_required
def time(request, pk: int):
    """Log hours on tasks; the table shows the last entries and hours per person."""
    return _time_page(request, _project(request, pk))


def _time_page(request, project, *, form=None, status: int = 200):
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
            form=form or TimeEntryForm(project=project, initial={"date": timezone.localdate()}),
        ),
        status=status,
    )


@login_required
@require_POST
def time_add(request, pk: int):
    project = _editable(request, pk)
    form = TimeEntryForm(request.POST, project=project)
    return _submitted(
        request,
        form,
        lambda: cost_actions.time_entry_add(
            project=project, actor=request.user, **form.cleaned_data
        ),
        "Time logged.",
        done=reverse("projects:time", args=[pk]),
        again=lambda status: _time_page(request, _project(request, pk), form=form, status=status),
    )
