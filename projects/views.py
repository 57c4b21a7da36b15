"""The project pages: portfolio, new and edit, the overview tab (phase, team, baseline).

Also the helpers every workspace tab shares (_project, _editable, _moved, _workspace, …); the
other tabs live in task_views, milestone_views, cost_views, risk_views and handoff_views.
Writes go through actions.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.audit import history_for
from core.exceptions import DomainError, GateNotMet, GuardFailed, InvalidTransition
from core.form_status import errors_onto_form, form_status, submitted
from core.lifecycle import Lifecycle
from core.params import whole_number
from core.roles import is_staff_member
from projects import actions, evm
from projects.choices import OPEN_PHASES, Phase
from projects.filtersets import ProjectFilterSet
from projects.forms import MemberForm, ProjectForm, TransitionForm
from projects.lifecycle import PROJECT_LIFECYCLE, gate_checklist
from projects.models import Project
from projects.outcome import project_outcome
from projects.queries import (
    can_create_projects,
    can_edit,
    handoffs_awaiting,
    portfolio,
    portfolio_measures,
    projects_visible_to,
    workspace_projects,
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
    return get_object_or_404(workspace_projects(request.user), pk=pk)


def _editable(request, pk: int) -> Project:
    """The project a write is aimed at; the action decides whether this user may write."""
    _staff_only(request)
    return get_object_or_404(projects_visible_to(request.user), pk=pk)


def _sentences(messages) -> list[str]:
    """The texts in a refusal's messages, however they are nested (a text, a list, a dict of
    lists), so that a page never shows a Python list or dict."""
    if isinstance(messages, dict):
        return [text for value in messages.values() for text in _sentences(value)]
    if isinstance(messages, list | tuple):
        return [text for value in messages for text in _sentences(value)]
    return [str(messages)]


def refusal_text(exc: Exception) -> str:
    """A refused write in plain sentences for a page: the reason, what is missing (the
    guards' and validators' own sentences), the unmet gate criteria and the moves allowed
    now."""
    if isinstance(exc, GateNotMet):
        return f"{exc.detail} Unmet: " + "; ".join(exc.unmet)
    if isinstance(exc, ValidationError):
        return " ".join(_sentences(exc.messages))
    parts = [exc.detail, *_sentences(exc.fields)] if isinstance(exc, DomainError) else [str(exc)]
    allowed = exc.extra.get("allowed") if isinstance(exc, DomainError) else None
    if allowed is not None:
        parts.append("Allowed now: " + (", ".join(allowed) or "none") + ".")
    return " ".join(part for part in parts if part)


@contextmanager
def in_words(lifecycle: Lifecycle, action: str, state_words: Callable[[str], str]):
    """Around a lifecycle move made from a page: a refusal says the move and the moves allowed
    now by their buttons' labels and the state in words (`state_words(state)`), not by their
    codes, which the API keeps."""

    def label(code: str) -> str:
        move = lifecycle.get(code)
        return f"“{move.label if move and move.label else code}”"

    try:
        yield
    except InvalidTransition as exc:
        exc.detail = f"{label(action)} is not possible now: {state_words(exc.extra['state'])}."
        exc.extra = {**exc.extra, "allowed": [label(code) for code in exc.allowed]}
        raise
    except GuardFailed as exc:
        exc.detail = f"{label(action)} needs more information."
        raise


def _report(request, exc: Exception) -> None:
    """Show a refused write as a message (refusal_text)."""
    messages.error(request, refusal_text(exc))


def _form_errors(request, form) -> None:
    for field, errors in form.errors.items():
        label = ""  # a non-field error (__all__) has none
        if field in form.fields:
            label = form.fields[field].label or field.replace("_", " ")
        messages.error(request, f"{label.capitalize()}: {' '.join(errors)}".strip(": "))


def _refusal(request, fn, success: str | None = None) -> Exception | None:
    """Run a write; None when it went through (with `success` as a message), else the
    refusal, reported as a message."""
    try:
        fn()
    except (DomainError, ValidationError) as exc:
        _report(request, exc)
        return exc
    if success:
        messages.success(request, success)
    return None


def _refusal_on_form(request, form, fn, success: str) -> Exception | None:
    """`_refusal` for a page that is one form: a refused field's reason is shown beside
    that field (errors_onto_form), other refusals on top."""
    try:
        fn()
    except ValidationError as exc:
        errors_onto_form(form, exc)
        return exc
    except DomainError as exc:
        _report(request, exc)
        return exc
    messages.success(request, success)
    return None


def _moved(request, write, success: str | None, *, done: str, again) -> HttpResponse:
    """A button's POST (a lifecycle move, a status, a baseline). When `write()` goes through,
    redirect to `done` (post/redirect/get); refused, `again(status)` shows the tab with the
    reason and the moves allowed now on top, answering the refusal's own status (409 a move
    the current state does not allow, 403, 412, 400). Nothing is written."""
    refused = _refusal(request, write, success)
    return redirect(done) if refused is None else again(form_status(refused=refused))


def _submitted(request, form, write, success: str, *, done: str, again, may=None) -> HttpResponse:
    """A workspace form's POST: `_moved` once the form is valid; otherwise `again(400)` shows
    the tab with the form as typed and its errors on top. Nothing is written. `may()`, when
    given, is the write's own permission check, asked first: someone who may not write gets
    its refusal (403) whatever they posted, not a verdict on the fields."""
    refused = _refusal(request, may) if may is not None else None
    if refused is not None:
        return again(form_status(refused=refused))
    if form.is_valid():
        return _moved(request, write, success, done=done, again=again)
    _form_errors(request, form)
    return again(form_status(form))


def _editors(request, project: Project):
    """`_submitted(may=…)` for the writes only the project's manager or an admin may make."""
    return lambda: actions._ensure_editor(project, request.user)


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
    form = ProjectForm(
        submitted(request),
        initial=initial,
        from_improvement=improvement,
    )
    refused = None
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
        refused = _refusal_on_form(request, form, lambda: created.append(open_it()), message)
        if refused is None:
            return redirect("projects:overview", pk=created[0].pk)
    return render(
        request,
        "projects/project_form.html",
        {"form": form, "project": None, "improvement": improvement},
        status=form_status(form, refused),
    )


def _improvement_to_start(request):
    """The improvement of ?improvement=<id> when the caller may start a project from it."""
    from servicedesk.request_lifecycle import improvement_may_decide
    from servicedesk.request_queries import improvements_visible_to

    raw = request.GET.get("improvement", "")
    if not raw:
        return None
    improvement_id = whole_number(raw)
    if improvement_id is None:
        raise Http404
    improvement = get_object_or_404(improvements_visible_to(request.user), pk=improvement_id)
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
    form = ProjectForm(submitted(request), initial=initial)
    refused = None
    if request.method == "POST" and form.is_valid() and form.cleaned_data["version"] is None:
        # Never the current version in its place: that would overwrite a change unseen.
        form.add_error(None, "The form lost the version it was based on: open it again.")
    if request.method == "POST" and form.is_valid():
        version = form.cleaned_data["version"]
        refused = _refusal_on_form(
            request,
            form,
            lambda: actions.project_update(
                project=project,
                actor=request.user,
                expected_version=version,
                **form.domain_data(),
            ),
            "Project saved.",
        )
        if refused is None:
            return redirect("projects:overview", pk=pk)
    return render(
        request,
        "projects/project_form.html",
        {"form": form, "project": project},
        status=form_status(form, refused),
    )


# ---------------------------------------------------------------- overview


@login_required
def overview(request, pk: int):
    """Phase and gate checklist, the moves on offer, EVM tiles and the S-curve."""
    return _overview_page(request, _project(request, pk))


def _overview_page(request, project: Project, *, member_form=None, status: int = 200):
    today = timezone.localdate()
    data = evm.project_evm_data(project)
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
            member_form=member_form or MemberForm(),
            history=history,
            outcome=project_outcome(project) if project.hypercare_start else None,
        ),
        status=status,
    )


def _phase_words(phase: str) -> str:
    label = Phase(phase).label.lower()
    return f"the project is in {label}" if phase in OPEN_PHASES else f"the project is {label}"


@login_required
@require_POST
def transition(request, pk: int):
    project = _editable(request, pk)
    form = TransitionForm(request.POST)

    def move():
        action = form.cleaned_data["action"]
        with in_words(PROJECT_LIFECYCLE, action, _phase_words):
            actions.project_transition(
                project=project,
                action=action,
                actor=request.user,
                data={"reason": form.cleaned_data.get("reason", "")},
            )
        messages.success(request, f"{PROJECT_LIFECYCLE.get(action).label}: done.")

    return _submitted(
        request,
        form,
        move,
        None,
        done=reverse("projects:overview", args=[pk]),
        again=lambda status: _overview_page(request, _project(request, pk), status=status),
    )


@login_required
@require_POST
def member_add(request, pk: int):
    project = _editable(request, pk)
    form = MemberForm(request.POST)
    return _submitted(
        request,
        form,
        lambda: actions.member_add(
            project=project,
            actor=request.user,
            user=form.cleaned_data["user"],
            role=form.cleaned_data["role"],
        ),
        "Team member added.",
        done=reverse("projects:overview", args=[pk]),
        again=lambda status: _overview_page(
            request, _project(request, pk), member_form=form, status=status
        ),
        may=_editors(request, project),
    )


# ---------------------------------------------------------------- baseline


@login_required
@require_POST
def baseline_capture(request, pk: int):
    from projects.task_views import _plan_page  # the WBS tab's page (it imports this module)

    project = _editable(request, pk)
    on_overview = request.POST.get("next") == "overview"
    page = _overview_page if on_overview else _plan_page
    return _moved(
        request,
        lambda: actions.baseline_capture(
            project=project, actor=request.user, note=request.POST.get("note", "")[:300]
        ),
        "Baseline captured.",
        done=reverse("projects:overview" if on_overview else "projects:plan", args=[pk]),
        again=lambda status: page(request, _project(request, pk), status=status),
    )
