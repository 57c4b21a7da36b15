"""The handoff pages: the editor in the project workspace and the owners' inbox."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.audit import history_for
from core.exceptions import DomainError
from core.form_status import form_status
from projects import handoff_actions
from projects.choices import HandoffStatus
from projects.forms import ChecklistItemForm, HandoffDecisionForm, HandoffForm
from projects.handoff_lifecycle import (
    HANDOFF_LIFECYCLE,
    checklist_open,
    is_project_manager_or_admin,
)
from projects.handoff_terms import default_policy, handoff_changes
from projects.hypercare import Hypercare
from projects.models import Handoff, HandoffChecklistItem
from projects.queries import can_edit, handoffs_awaiting, handoffs_visible_to
from projects.views import (
    _editable,
    _moved,
    _project,
    _staff_only,
    _submitted,
    _workspace,
    in_words,
    refusal_text,
)

_CHECKLIST = Prefetch("checklist", queryset=HandoffChecklistItem.objects.select_related("done_by"))


def _handoff_of(request, project) -> Handoff | None:
    return (
        handoffs_visible_to(request.user)
        .prefetch_related(_CHECKLIST)
        .filter(project=project)
        .first()
    )


def _checklist_context(request, handoff) -> dict:
    return {
        "handoff": handoff,
        "checklist": list(handoff.checklist.all()),
        "can_manage": handoff.status == "draft"
        and is_project_manager_or_admin(handoff, request.user),
    }


@login_required
def handoff(request, pk: int):
    """The handoff tab: start one, edit the draft and its checklist, submit; the target
    service's owner accepts or rejects it here."""
    return _handoff_page(request, _project(request, pk))


def _handoff_page(request, project, *, form=None, item_form=None, status: int = 200):
    current = _handoff_of(request, project)
    context = {"handoff": current, "hypercare": Hypercare.of(project)}
    if current is not None and context["hypercare"] is None and current.go_live_on:
        # Not accepted yet: the window the handoff's terms give.
        context["hypercare"] = Hypercare.from_go_live(current.go_live_on, current.hypercare_days)
    if current is not None:
        manages = is_project_manager_or_admin(current, request.user)
        allowed = {t.action for t in HANDOFF_LIFECYCLE.allowed_for(current, request.user)}
        context.update(
            _checklist_context(request, current),
            form=(form or HandoffForm(initial=HandoffForm.initial_for(current)))
            if current.status == "draft" and manages
            else None,
            item_form=item_form or ChecklistItemForm(),
            allowed=allowed,
            decides=bool(allowed & {"accept", "reject"}),
            unmet=checklist_open(current),
            # What accepting writes on the service, current → new (projects.handoff_terms).
            changes=handoff_changes(current),
            history=list(history_for(current).order_by("-created_at", "-id")[:12]),
        )
    return render(
        request,
        "projects/handoff.html",
        _workspace(request, project, "handoff", **context),
        status=status,
    )


@login_required
@require_POST
def handoff_start(request, pk: int):
    project = _editable(request, pk)
    return _moved(
        request,
        lambda: handoff_actions.handoff_create(project=project, actor=request.user),
        "Handoff drafted: fill in the service terms and work through the checklist.",
        done=reverse("projects:handoff", args=[pk]),
        again=lambda status: _handoff_page(request, _project(request, pk), status=status),
    )


def _own_handoff(request, pk: int) -> Handoff:
    _staff_only(request)
    return get_object_or_404(handoffs_visible_to(request.user), project_id=pk)


@login_required
@require_POST
def handoff_edit(request, pk: int):
    current = _own_handoff(request, pk)
    form = HandoffForm(request.POST)
    return _submitted(
        request,
        form,
        lambda: handoff_actions.handoff_update(
            handoff=current,
            actor=request.user,
            expected_version=form.cleaned_data["version"],
            **form.domain_data(),
        ),
        "Handoff saved.",
        done=reverse("projects:handoff", args=[pk]),
        again=lambda status: _handoff_page(
            request, _project(request, pk), form=form, status=status
        ),
    )


@login_required
@require_POST
def handoff_item_add(request, pk: int):
    current = _own_handoff(request, pk)
    form = ChecklistItemForm(request.POST)
    return _submitted(
        request,
        form,
        lambda: handoff_actions.checklist_item_add(
            handoff=current, actor=request.user, label=form.cleaned_data["label"]
        ),
        "",
        done=reverse("projects:handoff", args=[pk]),
        again=lambda status: _handoff_page(
            request, _project(request, pk), item_form=form, status=status
        ),
    )


@login_required
@require_POST
def handoff_item_toggle(request, pk: int, item_pk: int):
    """htmx: tick or untick one checklist item; answers the refreshed checklist."""
    current = _own_handoff(request, pk)
    item = get_object_or_404(HandoffChecklistItem, pk=item_pk, handoff=current)
    error, refused = "", None
    try:
        handoff_actions.checklist_item_update(
            item=item, actor=request.user, done=request.POST.get("done") == "1"
        )
    except (DomainError, ValidationError) as exc:
        refused = exc
        error = refusal_text(exc)
    if not request.headers.get("HX-Request"):  # a plain form post (no script)
        if not error:
            return redirect("projects:handoff", pk=pk)
        messages.error(request, error)
        return _handoff_page(request, current.project, status=form_status(refused=refused))
    current = _handoff_of(request, current.project)
    return render(
        request,
        "projects/partials/_handoff_checklist.html",
        {**_checklist_context(request, current), "project": current.project, "error": error},
        status=form_status(refused=refused),
    )


def _status_words(status: str) -> str:
    if status == HandoffStatus.DRAFT:
        return "the handoff is a draft"
    return f"the handoff is {HandoffStatus(status).label.lower()}"


@login_required
@require_POST
def handoff_transition(request, pk: int):
    current = _own_handoff(request, pk)
    form = HandoffDecisionForm(request.POST)

    def move():
        action = form.cleaned_data["action"]
        with in_words(HANDOFF_LIFECYCLE, action, _status_words):
            handoff_actions.handoff_transition(
                handoff=current,
                action=action,
                actor=request.user,
                note=form.cleaned_data.get("note", ""),
            )
        messages.success(request, f"{HANDOFF_LIFECYCLE.get(action).label}: done.")

    # Refused (from the tab or the owners' inbox), the handoff's own page says why.
    return _submitted(
        request,
        form,
        move,
        None,
        done=reverse("projects:handoff_inbox")
        if request.POST.get("next") == "inbox"
        else reverse("projects:handoff", args=[pk]),
        again=lambda status: _handoff_page(request, current.project, status=status),
    )


@login_required
def handoff_inbox(request):
    """Awaiting my acceptance: submitted handoffs to services I own (admins: all)."""
    _staff_only(request)
    awaiting = list(
        handoffs_awaiting(request.user).prefetch_related(_CHECKLIST).order_by("submitted_at", "id")
    )
    default = default_policy() if awaiting else None
    for waiting in awaiting:
        # Only what accepting would change is listed; the rest stays as the service has it.
        waiting.changes = [c for c in handoff_changes(waiting, default=default) if c.changes]
    recent = (
        handoffs_visible_to(request.user)
        .filter(decided_by=request.user)
        .order_by("-decided_at", "-id")[:10]
    )
    return render(
        request,
        "projects/handoff_inbox.html",
        {"awaiting": awaiting, "recent": recent, "can_edit": can_edit},
    )
