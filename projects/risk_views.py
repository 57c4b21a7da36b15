"""The risks tab of the project workspace. Writes go through risk_actions."""

from __future__ import annotations

from collections import Counter

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from projects import risk_actions
from projects.forms import RiskForm
from projects.models import Risk
from projects.views import _editable, _editors, _moved, _project, _submitted, _workspace


@login_required
def risks(request, pk: int):
    """The risk register and a 5 × 5 heat map of open risks (probability × impact)."""
    return _risks_page(request, _project(request, pk))


def _risks_page(request, project, *, form=None, status: int = 200):
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
            form=form or RiskForm(),
        ),
        status=status,
    )


def _risk_level(score: int) -> str:
    return "bad" if score >= 15 else "warn" if score >= 6 else "ok"


@login_required
@require_POST
def risk_add(request, pk: int):
    project = _editable(request, pk)
    form = RiskForm(request.POST)
    return _submitted(
        request,
        form,
        lambda: risk_actions.risk_create(project=project, actor=request.user, **form.cleaned_data),
        "Risk added.",
        done=reverse("projects:risks", args=[pk]),
        again=lambda status: _risks_page(request, _project(request, pk), form=form, status=status),
        may=_editors(request, project),
    )


@login_required
@require_POST
def risk_status(request, pk: int, risk_pk: int):
    project = _editable(request, pk)
    risk = get_object_or_404(Risk, pk=risk_pk, project=project)
    status = request.POST.get("status", "")
    return _moved(
        request,
        lambda: risk_actions.risk_update(risk=risk, actor=request.user, status=status),
        None,
        done=reverse("projects:risks", args=[pk]),
        again=lambda code: _risks_page(request, _project(request, pk), status=code),
    )
