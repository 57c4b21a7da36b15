"""HTML pages of the CSI register: overall and per service, filterable, with planned vs
implemented per quarter; propose (prefilled from an incident, request or service), edit,
and move through the lifecycle. Staff only."""

from copy import copy
from functools import partial

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core.audit import history_for
from core.exceptions import DomainError, StaleVersion
from core.form_status import form_status, submitted
from core.models import User
from core.pagination import keyset_page
from core.params import whole_number
from core.roles import STAFF_ROLES
from servicedesk import improvement_actions as actions
from servicedesk.choices import ImprovementStatus
from servicedesk.improvement_actions import IMPROVEMENT_FIELDS
from servicedesk.models import Improvement, Incident, Service, ServiceRequest
from servicedesk.request_filtersets import ImprovementFilter
from servicedesk.request_lifecycle import IMPROVEMENT_LIFECYCLE
from servicedesk.request_queries import improvements_by_quarter, improvements_visible_to
from servicedesk.sla_views import STALE
from servicedesk.views import _agent_required, _create_page, _errors_to_messages, _show_refusal


class ImprovementForm(forms.ModelForm):
    class Meta:
        model = Improvement
        fields = list(IMPROVEMENT_FIELDS)
        widgets = {
            "problem_statement": forms.Textarea(attrs={"rows": 4}),
            "expected_benefit": forms.Textarea(attrs={"rows": 3}),
            "planned_quarter": forms.TextInput(
                attrs={"pattern": r"20\d\d-Q[1-4]", "placeholder": "2026-Q3"}
            ),
            "source_incident": forms.HiddenInput,
            "source_request": forms.HiddenInput,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = User.objects.filter(role__in=STAFF_ROLES).order_by(
            "first_name", "username"
        )
        self.fields["service"].queryset = Service.objects.order_by("name")


INCOMPLETE = (
    "Reload the page and make your change again: the form did not say which version of the "
    "improvement it was opened at, so nothing was saved."
)


class ImprovementEditForm(ImprovementForm):
    """The same fields and the version the edit is based on: without it a save could not
    tell that someone saved in between (400); a stale one is 412 (core/form_status.py)."""

    version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        error_messages={"required": INCOMPLETE, "invalid": INCOMPLETE, "min_value": INCOMPLETE},
    )


def _register_rows(request, qs):
    filterset = ImprovementFilter(request.GET, queryset=qs)
    page = keyset_page(request, filterset.qs, ordering=("-created_at", "-id"))
    return filterset, page


@_agent_required
def register(request, service_pk: int | None = None):
    """The register, overall or of one service, with planned vs implemented per quarter."""
    qs = improvements_visible_to(request.user)
    service = None
    if service_pk is not None:
        service = get_object_or_404(Service, pk=service_pk)
        qs = qs.filter(service=service)
    filterset, page = _register_rows(request, qs)
    return render(
        request,
        "servicedesk/improvements/register.html",
        {
            "service": service,
            "filterset": filterset,
            "page": page,
            "quarters": improvements_by_quarter(filterset.qs),
            "statuses": ImprovementStatus.choices,
        },
    )


def _prefill(request) -> dict:
    """Initial values from ?service=, ?incident= (INC number) or ?request= (REQ number)."""
    initial: dict = {"owner": request.user.pk}
    number = request.GET.get("incident", "")
    if number:
        incident = Incident.objects.filter(number=number).select_related("service").first()
        if incident is not None:
            initial.update(
                source_incident=incident.pk,
                service=incident.service_id,
                title=f"Prevent: {incident.title}"[:200],
                problem_statement=f"Raised from {incident.number}: {incident.title}",
            )
    number = request.GET.get("request", "")
    if number:
        found = ServiceRequest.objects.filter(number=number).select_related("catalog_item").first()
        if found is not None:
            initial.update(
                source_request=found.pk,
                service=found.service_id,
                title=f"Improve: {found.catalog_item.name}"[:200],
                problem_statement=f"Raised from {found.number} ({found.catalog_item.name}).",
            )
    service_id = whole_number(request.GET.get("service"))
    if service_id is not None:
        initial["service"] = service_id
    return initial


@_agent_required
def improvement_new(request):

    def proposed(created):
        messages.success(request, "Improvement proposed.")
        return redirect("servicedesk:improvement_detail", pk=created.pk)

    return _create_page(
        request,
        ImprovementForm(submitted(request), initial=_prefill(request)),
        partial(actions.improvement_create, actor=request.user),
        done=proposed,
        template="servicedesk/improvements/form.html",
        context={"improvement": None},
    )


def _visible(request, pk: int) -> Improvement:
    try:
        return improvements_visible_to(request.user).get(pk=pk)
    except Improvement.DoesNotExist as exc:
        raise Http404("No such improvement.") from exc


@_agent_required
def improvement_detail(request, pk: int):
    return _detail_page(request, pk)


def _detail_page(request, pk: int, status: int = 200):
    improvement = _visible(request, pk)
    return render(
        request,
        "servicedesk/improvements/detail.html",
        {
            "improvement": improvement,
            "transitions": IMPROVEMENT_LIFECYCLE.allowed_for(improvement, request.user),
            "history": list(history_for(improvement)),
        },
        status=status,
    )


@_agent_required
def improvement_edit(request, pk: int):
    """Edit an improvement. Refused, the form comes back as typed with the reasons (400); a
    save based on a version someone else saved over is a 412 with the form as typed, now
    based on the current version (a second save replaces theirs knowingly), as the SLA forms
    do (sla_views `_Page.rebase`). The heading names the improvement as stored."""
    improvement = _visible(request, pk)
    form = _edit_form(submitted(request), improvement)
    refused = None
    if request.method == "POST" and form.is_valid():
        changes = {n: form.cleaned_data[n] for n in form.changed_data if n != "version"}
        try:
            actions.improvement_update(
                improvement=improvement,
                actor=request.user,
                expected_version=form.cleaned_data["version"],
                changes=changes,
            )
            messages.success(request, "Saved.")
            return redirect("servicedesk:improvement_detail", pk=pk)
        except StaleVersion as exc:
            refused, improvement = exc, _visible(request, pk)
            current = exc.extra["current_version"]
            data = request.POST.copy()
            data["version"] = str(current)
            form = _edit_form(data, improvement)
            form.is_valid()
            messages.error(request, STALE.format(what="improvement", version=current))
        except (ValidationError, DomainError) as exc:
            refused = _show_refusal(request, form, exc)
    return render(
        request,
        "servicedesk/improvements/form.html",
        {"form": form, "improvement": improvement},
        status=form_status(form, refused),
    )


def _edit_form(data, improvement: Improvement) -> ImprovementEditForm:
    # On a copy: a bound form writes what was typed onto its instance, and the page shows
    # the stored improvement beside it.
    return ImprovementEditForm(
        data, instance=copy(improvement), initial={"version": improvement.version}
    )


@_agent_required
@require_POST
def improvement_transition(request, pk: int):
    improvement = _visible(request, pk)
    data = {k: request.POST.get(k, "") for k in ("measured_value", "reason")}
    try:
        moved = actions.improvement_transition(
            improvement=improvement,
            action=request.POST.get("action", ""),
            actor=request.user,
            data=data,
        )
    except (DomainError, ValidationError) as exc:
        # Refused: the page again (read afresh) with the reason and the moves allowed now.
        _errors_to_messages(request, exc)
        return _detail_page(request, pk, form_status(refused=exc))
    messages.success(request, f"The improvement is now {moved.get_status_display().lower()}.")
    return redirect("servicedesk:improvement_detail", pk=pk)
