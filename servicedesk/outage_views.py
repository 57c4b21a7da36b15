"""The service page's outage controls: record an outage, end an ongoing one now, edit one,
cancel one that has not started (a maintenance window called off).

Who may is outage_actions.outage_may_write, the REST API's rule (the service's owner, agents,
admins); others get 403, and 404 for a service they cannot see. Writes go through
outage_actions (audited). A refused write answers 4xx with the page re-rendered: 400 with the
form's errors, 409 for ending an outage that has ended or cancelling one that has started,
412 for a change based on an old version; nothing is written.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.exceptions import DomainError, StaleVersion
from core.form_status import errors_onto_form, form_status
from core.params import VERSION_DIGITS, whole_number
from servicedesk import outage_actions
from servicedesk.choices import OutageKind
from servicedesk.models import Outage, Service
from servicedesk.outage_forms import OutageEditForm, OutageForm
from servicedesk.service_pages import service_page, service_page_service
from servicedesk.views import _errors_to_messages

STALE = (
    "Someone else changed this outage after you opened it, so nothing was saved. "
    "The page now shows it as it is; check it and try again."
)


def _writable_service(request, service_pk: int) -> Service:
    service = service_page_service(request.user, service_pk)
    if not outage_actions.outage_may_write(request.user, service):
        raise PermissionDenied("Only this service's owner, an agent or an admin may do this.")
    return service


def _outages_of_page(service: Service, anchor: str = "outages"):
    return redirect(reverse("servicedesk:service_detail", args=[service.pk]) + f"#{anchor}")


def _anchor_of(outage: Outage) -> str:
    """The part of the service page that lists `outage` now."""
    return "upcoming-outages" if outage.started_at > timezone.now() else "outages"


@login_required
@require_POST
def outage_record(request, service_pk: int):
    """Record an outage of the service from the form on its page."""
    service = _writable_service(request, service_pk)
    form = OutageForm(request.POST, user=request.user)
    refused = None
    if form.is_valid():
        try:
            outage = outage_actions.outage_record(
                actor=request.user, service=service, **form.cleaned_data
            )
        except ValidationError as exc:
            refused = exc
            errors_onto_form(form, exc)
        else:
            if outage.started_at > timezone.now():
                note = " It starts later: it is listed under Upcoming outages until it starts."
            else:
                note = " It is ongoing until you end it." if outage.ongoing else ""
            messages.success(request, f"Outage recorded.{note}")
            return _outages_of_page(service, _anchor_of(outage))
    messages.error(request, "The outage was not recorded: see the form below.")
    return service_page(request, service, outage_form=form, status=form_status(form, refused))


def _posted_version(request) -> int | None:
    return whole_number(request.POST.get("version"), max_digits=VERSION_DIGITS)


@login_required
@require_POST
def outage_end(request, service_pk: int, outage_pk: int):
    """End now: the ongoing outage ends at this moment."""
    return _outage_button(
        request,
        service_pk,
        outage_pk,
        lambda outage, version: outage_actions.outage_end(
            outage=outage, actor=request.user, ended_at=timezone.now(), expected_version=version
        ),
        done=lambda outage: "Outage ended.",
    )


@login_required
@require_POST
def outage_cancel(request, service_pk: int, outage_pk: int):
    """Cancel an outage that has not started: it goes from the page and from every figure, and
    the audit trail keeps what it was."""
    return _outage_button(
        request,
        service_pk,
        outage_pk,
        lambda outage, version: outage_actions.outage_cancel(
            outage=outage, actor=request.user, expected_version=version
        ),
        done=lambda outage: (
            "Planned outage cancelled."
            if outage.kind == OutageKind.PLANNED
            else "Outage cancelled."
        ),
        anchor="upcoming-outages",
    )


def _outage_button(request, service_pk, outage_pk, move, *, done, anchor="outages"):
    """A button on one outage of the service page: `move(outage, version)` with the version
    the page showed. Done, back to the list with `done(outage)`; refused, the service page
    again with the reason (and the moves allowed now) and the refusal's status: 400 without
    a version, 409 a move its state does not allow, 412 stale."""
    service = _writable_service(request, service_pk)
    outage = get_object_or_404(Outage, pk=outage_pk, service=service)
    version = _posted_version(request)
    try:
        if version is None:
            raise ValidationError("Reload the page and try again (the form was incomplete).")
        move(outage, version)
    except StaleVersion as exc:
        messages.error(request, STALE)
        return service_page(request, service, status=exc.status_code)
    except (DomainError, ValidationError) as exc:
        _errors_to_messages(request, exc)
        return service_page(request, service, status=form_status(refused=exc))
    messages.success(request, done(outage))
    return _outages_of_page(service, anchor)


@login_required
def outage_edit(request, service_pk: int, outage_pk: int):
    """Correct an outage's kind, times, description or incident (based on its version)."""
    service = _writable_service(request, service_pk)
    outage = get_object_or_404(
        Outage.objects.select_related("incident", "created_by"), pk=outage_pk, service=service
    )
    posted = request.method == "POST"
    form = OutageEditForm.of(outage, user=request.user, data=request.POST if posted else None)
    refused = None
    if posted and form.is_valid():
        try:
            outage = outage_actions.outage_update(
                outage=outage,
                actor=request.user,
                changes=form.changes(),
                expected_version=form.cleaned_data["version"],
            )
        except StaleVersion as exc:
            refused = exc
            outage = Outage.objects.select_related("incident", "created_by").get(pk=outage.pk)
            form = _rebased(form, outage)
        except ValidationError as exc:
            refused = exc
            errors_onto_form(form, exc)
        else:
            messages.success(request, "Outage saved.")
            return _outages_of_page(service, _anchor_of(outage))
    return render(
        request,
        "servicedesk/outage_form.html",
        {"service": service, "outage": outage, "form": form},
        status=form_status(form, refused),
    )


def _rebased(form: OutageEditForm, current: Outage) -> OutageEditForm:
    """The user's input again, now based on the `current` version, with how the outage reads
    now named: a second save overwrites knowingly."""
    data = form.data.copy()
    data["version"] = str(current.version)
    rebased = OutageEditForm.of(current, user=form.user, data=data)
    rebased.is_valid()
    ended = timezone.localtime(current.ended_at) if current.ended_at else None
    now_reads = (
        f"{current.get_kind_display()}, started "
        f"{timezone.localtime(current.started_at):%Y-%m-%d %H:%M}, "
        + (f"ended {ended:%Y-%m-%d %H:%M}" if ended else "ongoing")
    )
    rebased.add_error(
        None,
        "Someone else changed this outage after you opened it, so nothing was saved. It now "
        f"reads: {now_reads}. Save again to replace it with what you entered below.",
    )
    return rebased
