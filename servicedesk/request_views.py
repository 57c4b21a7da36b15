"""HTML pages of the catalog and service requests: browse the catalog, order an item from
its form, follow a request, the approvers' inbox, and the agents' request queue."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.audit import history_for
from core.exceptions import DomainError, GateNotMet
from core.form_status import form_status, submitted
from core.pagination import keyset_page
from core.params import whole_number
from core.roles import is_staff_member, works_tickets
from servicedesk import request_actions as actions
from servicedesk.attachments import attachment_response
from servicedesk.catalog_forms import CatalogItemForm
from servicedesk.choices import RequestStatus, ServiceStatus
from servicedesk.forms import CommentForm
from servicedesk.models import RequestAttachment, ServiceRequest
from servicedesk.queries import requester_scope_q, share_out_attachments
from servicedesk.request_filtersets import ServiceRequestFilter
from servicedesk.request_lifecycle import REQUEST_LIFECYCLE, REQUEST_MANUAL_ACTIONS
from servicedesk.request_queries import (
    approvals_decided_by,
    approvals_waiting_for,
    catalog_items_visible_to,
    request_answers_labelled,
    request_attachments_visible_to,
    request_clock_joined,
    request_comments_visible_to,
    request_list_for,
    request_sla_counts,
)
from servicedesk.request_sla import (
    SLA_CHOICES,
    clock_calendar_row,
    request_sla_state,
    request_sla_states,
)
from servicedesk.sla import calendar_for
from servicedesk.views import _agent_required, _errors_to_messages

ORDERING = ("-opened_at", "-id")
OPEN_OR_FULFILLED = [
    RequestStatus.AWAITING_APPROVAL,
    RequestStatus.APPROVED,
    RequestStatus.IN_FULFILMENT,
    RequestStatus.FULFILLED,
]


# --- Catalog ---------------------------------------------------------------------------------


@login_required
def catalog(request):
    """The catalog by service: active items of live services."""
    items = catalog_items_visible_to(request.user).filter(
        active=True, service__status=ServiceStatus.LIVE
    )
    service_id = whole_number(request.GET.get("service"))
    if service_id is not None:
        items = items.filter(service_id=service_id)
    return render(request, "servicedesk/requests/catalog.html", {"items": items})


@login_required
def catalog_item(request, pk: int):
    """An item's form, rendered from its definition; POST submits the request."""
    item = get_object_or_404(
        catalog_items_visible_to(request.user).filter(
            active=True, service__status=ServiceStatus.LIVE
        ),
        pk=pk,
    )
    form = CatalogItemForm(item.form_definition, submitted(request), actor=request.user)
    refused = None
    if request.method == "POST" and form.is_valid():
        try:
            created = actions.request_submit(
                actor=request.user, catalog_item=item, answers=form.answers()
            )
            messages.success(request, f"Thank you — {created.number} was submitted.")
            return redirect("servicedesk:request_detail", number=created.number)
        except ValidationError as exc:
            refused = exc
            for field, errs in getattr(exc, "message_dict", {"": exc.messages}).items():
                name = field.removeprefix("answers.")
                form.add_error(name if name in form.fields else None, errs)
        except DomainError as exc:
            refused = exc
            _errors_to_messages(request, exc)
    return render(
        request,
        "servicedesk/requests/catalog_item.html",
        {"item": item, "form": form},
        status=form_status(form, refused),
    )


# --- Requests ----------------------------------------------------------------------------------


@login_required
def my_requests(request):
    """The requester's own requests (and their shared organisation's), not those they
    only approve (those are in the Approvals inbox)."""
    qs = request_list_for(request.user).filter(requester_scope_q(request.user))
    scope = request.GET.get("scope", "open")
    if scope == "open":
        qs = qs.filter(status__in=OPEN_OR_FULFILLED)
    page = keyset_page(request, qs, ordering=ORDERING, page_size=25)
    return render(request, "servicedesk/requests/my_requests.html", {"page": page, "scope": scope})


@_agent_required
def request_queue(request):
    """The agents' request queue: the shared filterset, keyset pages, an SLA badge per row
    and the Breaching soon / Breached views (`?sla=`) with their counts."""
    params = request.GET.copy()
    if "status" not in params:
        params.setlist("status", ["open"])
    visible = request_list_for(request.user)
    filterset = ServiceRequestFilter(params, queryset=request_clock_joined(visible))
    page = keyset_page(request, filterset.qs, ordering=ORDERING)
    now = timezone.now()
    request_sla_states(page.items, now=now)
    sla = filterset.form.cleaned_data.get("sla") if filterset.is_valid() else ""
    context = {
        "filterset": filterset,
        "page": page,
        "statuses": RequestStatus.choices,
        "sla_choices": SLA_CHOICES,
        "sla": sla or "",
        # The tab lit: a service-level view, or "open" while the queue is the default one.
        "view": sla or ("open" if params.getlist("status") == ["open"] else ""),
        "sla_counts": request_sla_counts(visible, now=now),
    }
    return render(request, "servicedesk/requests/queue.html", context)


def _visible_request(request, number: str, *, with_clock: bool = False) -> ServiceRequest:
    requests = request_list_for(request.user)
    if with_clock:
        requests = request_clock_joined(requests)
    try:
        return requests.get(number=number)
    except ServiceRequest.DoesNotExist as exc:
        raise Http404("No such request.") from exc


@login_required
def request_detail(request, number: str):
    """One request: answers, approvals, checklist, conversation, the moves you may make.
    Approvers reach it from their inbox (and the approval mail) at /approvals/<number>/."""
    return _request_page(request, _visible_request(request, number, with_clock=True))


def _request_page(request, obj: ServiceRequest, *, comment_form=None, status: int = 200):
    staff = is_staff_member(request.user)
    allowed = [
        t
        for t in REQUEST_LIFECYCLE.allowed_for(obj, request.user)
        if t.action in REQUEST_MANUAL_ACTIONS and t.action not in {"approve", "reject"}
    ]
    request_answers_labelled([obj])
    comments = list(request_comments_visible_to(request.user, obj).prefetch_related(None))
    context = {
        "req": obj,
        "answers": obj.labelled_answers,
        # Approvals are written with the request's decision: none before it, no statement.
        "approvals": list(obj.approvals.select_related("approver")) if obj.decided_at else [],
        "tasks": list(obj.tasks.select_related("done_by")),
        "comments": comments,
        "attachments": share_out_attachments(
            comments, request_attachments_visible_to(request.user, obj)
        ),
        "history": list(history_for(obj, include_internal=staff)),
        "transitions": allowed,
        "can_decide": obj.status == RequestStatus.AWAITING_APPROVAL
        and obj.approver_id == request.user.pk,
        "can_work": works_tickets(request.user),
        "staff": staff,
        "comment_form": comment_form or CommentForm(),
        # Staff see the service level with its breaches; requesters the due dates only, as
        # the incident portal shows them no SLA wording.
        "sla": _request_sla(obj) if staff else None,
    }
    return render(request, "servicedesk/requests/request_detail.html", context, status=status)


def _request_sla(obj: ServiceRequest) -> dict:
    cal = calendar_for(clock_calendar_row(obj.service))
    return request_sla_state(obj, now=timezone.now(), cal=cal)


@login_required
@require_POST
def request_transition(request, number: str):
    obj = _visible_request(request, number)
    verb = request.POST.get("action", "")
    try:
        moved = actions.request_transition(
            request=obj,
            action=verb,
            actor=request.user,
            data={"comment": request.POST.get("comment", "")},
        )
    except (DomainError, ValidationError) as exc:
        # Refused (from the request page or the approvals inbox): the request page again,
        # read afresh, with the reason and the moves allowed now, as 409 (or 403, 400).
        if isinstance(exc, GateNotMet):
            messages.error(request, f"{exc.detail} {'; '.join(exc.unmet)}.")
        else:
            _errors_to_messages(request, exc)
        return _request_page(
            request,
            _visible_request(request, number, with_clock=True),
            status=form_status(refused=exc),
        )
    messages.success(request, f"{moved.number} is now {moved.get_status_display().lower()}.")
    if verb in {"approve", "reject"} and request.POST.get("next") == "approvals":
        return redirect("servicedesk:approvals")
    return redirect("servicedesk:request_detail", number=obj.number)


@login_required
@require_POST
def request_task(request, number: str, task_pk: int):
    obj = _visible_request(request, number)
    task = get_object_or_404(obj.tasks.all(), pk=task_pk)
    try:
        actions.request_task_set(
            task=task, actor=request.user, done=request.POST.get("done") == "1"
        )
    except (DomainError, ValidationError) as exc:
        _errors_to_messages(request, exc)
        refreshed = _visible_request(request, number, with_clock=True)
        return _request_page(request, refreshed, status=form_status(refused=exc))
    return redirect(reverse("servicedesk:request_detail", args=[obj.number]) + "#tasks")


@login_required
@require_POST
def request_comment(request, number: str):
    """A reply or an internal note. Refused (no text, a file that is too large or not
    allowed), the request page comes back with the reply as typed (400)."""
    obj = _visible_request(request, number)
    form = CommentForm(request.POST, request.FILES)
    refused = None
    if form.is_valid():
        try:
            files = [form.cleaned_data["attachment"]] if form.cleaned_data.get("attachment") else []
            actions.request_comment_add(
                request=obj,
                actor=request.user,
                body=form.cleaned_data["body"],
                internal=form.cleaned_data["internal"] and works_tickets(request.user),
                files=files,
            )
            messages.success(request, "Reply sent.")
            return redirect("servicedesk:request_detail", number=obj.number)
        except (DomainError, ValidationError) as exc:
            refused = exc
            _errors_to_messages(request, exc)
    return _request_page(request, obj, comment_form=form, status=form_status(form, refused))


@login_required
def request_attachment_download(request, pk: int):
    """Served only to those who may see the request (and the comment) it belongs to."""
    attachment = get_object_or_404(RequestAttachment.objects.select_related("request"), pk=pk)
    obj = attachment.request
    if not request_list_for(request.user).filter(pk=obj.pk).exists():
        raise Http404("No such file.")
    if not request_attachments_visible_to(request.user, obj).filter(pk=attachment.pk).exists():
        raise Http404("No such file.")
    return attachment_response(attachment)


# --- Approvals inbox ---------------------------------------------------------------------------


@login_required
def approvals(request):
    """Requests waiting for my decision (with their answers, labelled as on the request
    page), and the ones I decided lately."""
    waiting = list(approvals_waiting_for(request.user).order_by("opened_at", "id")[:200])
    request_answers_labelled(waiting)
    decided = list(approvals_decided_by(request.user).order_by("-decided_at", "-id")[:20])
    return render(
        request, "servicedesk/requests/approvals.html", {"waiting": waiting, "decided": decided}
    )
