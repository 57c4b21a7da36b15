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
from projects.choices import CostCategory
from projects.forms import CostEntryForm, TimeEntryForm
from projects.queries import can_log_time
from projects.views import _editable, _editors, _project, _submitted, _workspace

# ---------------------------------------------------------------- budget and costs

COST_LABELS = {**dict(CostCategory.choices), evm.TIME_LOGGED: "Labour (time logged)"}


@login_required
def costs(request, pk: int):
    """Budget against spend and forecast, spend by category, and the cost ledger."""
    return _costs_page(request, _project(request, pk))


def _costs_page(request, project, *, form=None, status: int = 200):
    today = timezone.localdate()
    data = evm.project_evm_data(project)
    measures = evm.earned_value_measures(data, today)
    # The same rows as AC: the categories add up to the actual cost to date.
    spent = evm.actual_cost_by_category(data.spend, today)
    by_category = sorted(
        (COST_LABELS.get(category, category), amount) for category, amount in spent.items()
    )
    entries = project.cost_entries.select_related("task", "created_by")[:100]
    return render(
        request,
        "projects/costs.html",
        _workspace(
            request,
            project,
            "costs",
            evm=measures.as_json(),
            measures=measures,
            remaining=project.budget - measures.ac,
            by_category=by_category,
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
