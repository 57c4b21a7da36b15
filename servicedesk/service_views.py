"""Service owners and admins run a service in the browser, as they can over the API: add one
(New service on the services list), change it (Edit service on its page) and move it through
its lifecycle (Go live, Retire).

Who may is servicedesk.lifecycle: service_may_create (admins and service owners, the roles
the services API lets write) and service_may_run (the service's owner or an admin, the rule
of SERVICE_LIFECYCLE and of the API's edits). Others get 403, and 404 for a service the
services list hides from them (requesters see live services only). Writes go through
actions.service_create / service_update / service_transition (validated, audited). Bad input
answers 400 with the form as typed and the errors beside the fields; a change based on an old
version 412 with the form as typed; a form without its version 400; a move the status does
not allow 409 with the service page again, the reason and the moves allowed now; nothing is
written then.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from core.audit import history_for
from core.exceptions import DomainError, InvalidTransition, StaleVersion
from core.form_status import errors_onto_form, form_status, submitted
from servicedesk import actions
from servicedesk.choices import ServiceStatus
from servicedesk.lifecycle import SERVICE_LIFECYCLE, service_may_create, service_may_run
from servicedesk.models import Service
from servicedesk.service_forms import ServiceEditForm, ServiceForm
from servicedesk.service_pages import service_page, service_page_service

NOT_CREATOR = "Only admins and service owners may add services."
NOT_RUNNER = "Only the service's owner or an admin may change it or move it through its lifecycle."
STALE = (
    "Someone else saved this service after you opened it (it is now version {version}), so "
    "nothing was saved. Your changes are below as you typed them: save again to replace "
    "theirs (their change is listed under Recent changes)."
)
NOT_SAVED = "Nothing was saved: the fields marked in red below say why."
HISTORY_SHOWN = 10
FORBIDDEN = 403


def _runnable_service(user, pk: int) -> Service:
    """The service if `user` may run it: 404 where the services list hides it, 403 where the
    rule refuses."""
    service = service_page_service(user, pk)
    if not service_may_run(service, user):
        raise PermissionDenied(NOT_RUNNER)
    return service


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def service_new(request):
    """Add a service; it starts planned (requesters see it once it goes live)."""
    if not service_may_create(request.user):
        raise PermissionDenied(NOT_CREATOR)
    form = ServiceForm(submitted(request), initial={"owner": request.user.pk})
    refused = None
    if request.method == "POST" and form.is_valid():
        try:
            service = actions.service_create(actor=request.user, **form.service_fields())
        except (ValidationError, DomainError) as exc:
            refused = _refused(request, form, exc)
        else:
            return _saved(
                request,
                service,
                f"“{service.name}” added as planned. Requesters see it, report incidents on it "
                "and order its items once it goes live (Go live, below).",
            )
    return _form_page(request, form, None, form_status(form, refused))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def service_edit(request, pk: int):
    """Change a service's fields, based on the version the page was opened at."""
    service = _runnable_service(request.user, pk)
    form = ServiceEditForm.of(service, submitted(request))
    refused = None
    if request.method == "POST" and form.is_valid():
        changes = form.changes(service)
        if not changes:
            messages.info(request, "Nothing was changed, so nothing was saved.")
            return redirect("servicedesk:service_detail", pk=service.pk)
        try:
            service = actions.service_update(
                service=service,
                actor=request.user,
                expected_version=form.cleaned_data["version"],
                changes=changes,
            )
        except StaleVersion as exc:
            refused = exc
            service = service_page_service(request.user, pk)
            form = _rebased(request, form, service)
        except (ValidationError, DomainError) as exc:
            refused = _refused(request, form, exc)
        else:
            return _saved(request, service, f"“{service.name}” saved.")
    return _form_page(request, form, service, form_status(form, refused))


@login_required
@require_POST
def service_transition(request, pk: int):
    """A lifecycle button of the service page (Go live, Retire). Refused, the page comes back
    with the reason and the moves allowed now: 403 for someone who may not run the service,
    409 for a move its status does not allow (a page opened before someone else moved it)."""
    service = service_page_service(request.user, pk)
    verb = request.POST.get("action", "")
    if not service_may_run(service, request.user):
        messages.error(request, NOT_RUNNER)
        return service_page(request, service, status=FORBIDDEN)
    try:
        moved = actions.service_transition(service=service, action=verb, actor=request.user)
    except InvalidTransition as exc:
        messages.error(request, _not_now(verb, exc))
        return service_page(request, service, status=exc.status_code)
    except DomainError as exc:
        messages.error(request, exc.detail)
        return service_page(request, service, status=exc.status_code)
    messages.success(request, f"“{moved.name}” is now {moved.get_status_display().lower()}.")
    return redirect("servicedesk:service_detail", pk=moved.pk)


def _not_now(verb: str, exc: InvalidTransition) -> str:
    """Why the move was refused, and the moves the service's status allows now, in the
    buttons' words."""
    move = SERVICE_LIFECYCLE.get(verb)
    what = f"“{move.label}”" if move else "That move"
    state = exc.extra["state"]
    allowed = [SERVICE_LIFECYCLE.get(action).label for action in exc.allowed]
    now = ", ".join(allowed) if allowed else "none (a retired service stays retired)"
    # Past the move's starting states: the button was on a page opened before someone moved it.
    order = SERVICE_LIFECYCLE.states
    moved_on = move is not None and all(order.index(state) > order.index(s) for s in move.sources)
    since = " Someone moved it after the page was opened." if moved_on else ""
    return (
        f"{what} is not possible while the service is {ServiceStatus(state).label.lower()}, "
        f"so nothing changed.{since} Allowed now: {now}."
    )


def _refused(request, form, exc: Exception) -> Exception:
    """A write the action refused: its field errors beside the fields, a domain refusal
    (403) as a message. Returns it for `form_status`."""
    if isinstance(exc, DomainError):
        messages.error(request, exc.detail)
    else:
        errors_onto_form(form, exc)
    return exc


def _rebased(request, form: ServiceEditForm, current: Service) -> ServiceEditForm:
    """412: the form again as typed, now based on the `current` version (a second save
    overwrites knowingly), and why nothing was saved."""
    data = form.data.copy()
    data["version"] = str(current.version)
    rebased = ServiceEditForm.of(current, data)
    rebased.is_valid()
    messages.error(request, STALE.format(version=current.version))
    return rebased


def _saved(request, service: Service, done: str):
    if not service_may_run(service, request.user):
        owner = service.owner.display_name if service.owner else "nobody"
        done += f" Its owner is {owner}: only they and admins may change it from now on."
    messages.success(request, done)
    return redirect("servicedesk:service_detail", pk=service.pk)


def _form_page(request, form: ServiceForm, service: Service | None, status: int):
    if request.method == "POST" and status == 400 and not form.errors.get("version"):
        messages.error(request, NOT_SAVED)
    form.show_choices()
    history = []
    if service is not None:
        history = list(history_for(service).order_by("-created_at", "-id")[:HISTORY_SHOWN])
        for event in history:
            # In name order: PostgreSQL's jsonb keeps keys in an order of its own.
            event.changed_fields = sorted(event.changes or {})
    return render(
        request,
        "servicedesk/services/form.html",
        {"form": form, "service": service, "history": history},
        status=status,
    )
