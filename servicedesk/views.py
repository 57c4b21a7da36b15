"""HTML pages: the agent console, the ticket page, the requester portal, services.

htmx partials come from the same views (HX-Request header) so there is one code path.
"""

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseRedirect,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.audit import history_for
from core.choice_lists import load_choices
from core.exceptions import DomainError, StaleVersion
from core.form_status import errors_onto_form, form_status, submitted
from core.next_page import next_page
from core.pagination import keyset_page
from core.roles import is_staff_member, works_tickets
from servicedesk import actions, survey_actions
from servicedesk.choices import REQUESTER_ACTIVE_STATES, IncidentStatus, Priority
from servicedesk.errors import SurveyAlreadyAnswered
from servicedesk.filtersets import IncidentFilter
from servicedesk.forms import (
    BulkAssignForm,
    CommentForm,
    IncidentFieldsForm,
    NewIncidentForm,
    ReportIncidentForm,
    ResolveForm,
    SurveyForm,
)
from servicedesk.lifecycle import INCIDENT_LIFECYCLE
from servicedesk.models import Attachment, Incident, Survey
from servicedesk.queries import (
    attachments_visible_to,
    conversation_for,
    incident_detail_for,
    incident_list_for,
    queue_counts,
)
from servicedesk.sla import sla_state

SORTS = {
    "opened": ("-opened_at", "-id"),
    "-opened": ("opened_at", "id"),
    "priority": ("priority", "-opened_at"),
    "number": ("-number",),
    "updated": ("-updated_at", "-id"),
    # Soonest due first; incidents without a due time (cancelled, no SLA clock) last, as the
    # keyset pages (and the API's `?ordering=resolution_due`) sort NULL as the largest value.
    "due": ("resolution_due", "id"),
}
SAVED_FILTERS = [
    ("mine", "My open", {"status": ["open"], "assignee": "me"}),
    ("unassigned", "Unassigned", {"status": ["new", "assigned"], "assignee": "none"}),
    ("breaching", "Breaching soon", {"sla": "breaching", "sort": "due"}),
    ("team", "My team", {"status": ["open"]}),
    ("open", "All open", {"status": ["open"]}),
    ("all", "All", {}),
]


STALE_PANEL = (
    "This incident was changed by someone else (it is now version {version}), so your change "
    "was not saved. The panel shows its current values: make your change again if it still "
    "applies."
)


def _agent_required(view):
    def wrapped(request, *args, **kwargs):
        if not is_staff_member(request.user):
            raise PermissionDenied("The agent console is for service desk staff.")
        return view(request, *args, **kwargs)

    return login_required(wrapped)


def _errors_to_messages(request, exc: Exception) -> None:
    if isinstance(exc, DomainError):
        text = exc.detail
        if getattr(exc, "extra", {}).get("allowed") is not None:
            text += " Allowed now: " + (", ".join(exc.extra["allowed"]) or "none") + "."
        for field, errs in exc.fields.items():
            text += f" {field}: {' '.join(errs)}"
        messages.error(request, text)
    elif isinstance(exc, ValidationError):
        for field, errs in getattr(exc, "message_dict", {"": exc.messages}).items():
            messages.error(request, f"{field}: {' '.join(errs)}" if field else " ".join(errs))


# --- Agent console -------------------------------------------------------------------------


@_agent_required
def queue(request):
    """The agent's queue: saved filters, filters, sort, keyset pages, bulk assign."""
    view_key = request.GET.get("view", "mine" if works_tickets(request.user) else "open")
    preset = dict(next((f for k, _, f in SAVED_FILTERS if k == view_key), {}))
    params = request.GET.copy()
    for key, value in preset.items():
        if key not in params:
            if isinstance(value, list):
                params.setlist(key, value)
            else:
                params[key] = value
    qs = incident_list_for(request.user)
    if view_key == "team":
        qs = qs.filter(team__in=request.user.teams.all())
    filterset = IncidentFilter(params, queryset=qs, request=request)
    sort = params.get("sort", "opened")
    rows = filterset.qs
    page = keyset_page(request, rows, ordering=SORTS.get(sort, SORTS["opened"]))
    now = timezone.now()
    for incident in page.items:
        incident.sla_info = sla_state(incident, now=now)
    context = {
        "page": page,
        "view_key": view_key,
        "sort": sort,
        "can_work": works_tickets(request.user),
    }
    # htmx swaps only the rows: no counts, filter choices or bulk form to build for it.
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "queue-rows":
        return render(request, "servicedesk/partials/_queue_rows.html", context)
    bulk_form = BulkAssignForm()
    filters = filterset.form.fields
    load_choices(
        (filters["service"].queryset, [filters["service"]]),
        (filters["team"].queryset, [filters["team"], bulk_form.fields["team"]]),
        (bulk_form.fields["assignee"].queryset, [bulk_form.fields["assignee"]]),
    )
    context.update(
        filterset=filterset,
        saved_filters=SAVED_FILTERS,
        counts=queue_counts(request.user),
        statuses=IncidentStatus.choices,
        priorities=Priority.choices,
        bulk_form=bulk_form,
    )
    return render(request, "servicedesk/queue.html", context)


@_agent_required
@require_POST
def bulk_assign(request):
    form = BulkAssignForm(request.POST)
    if not form.is_valid() or not form.cleaned_data["ids"]:
        messages.error(request, "Select incidents and a team or an assignee.")
    else:
        try:
            result = actions.incidents_bulk_assign(
                incident_ids=form.cleaned_data["ids"],
                actor=request.user,
                team=form.cleaned_data["team"],
                assignee=form.cleaned_data["assignee"],
            )
            report = messages.warning if result.skipped else messages.success
            report(request, result.summary())
        except (DomainError, ValidationError) as exc:
            _errors_to_messages(request, exc)
    return HttpResponseRedirect(next_page(request, fallback=reverse("servicedesk:queue")))


def _ticket_context(request, incident: Incident) -> dict:
    comments, attachments = conversation_for(request.user, incident)
    can_work = works_tickets(request.user)
    return {
        "incident": incident,
        "comments": comments,
        "attachments": attachments,
        "fields_form": _fields_form(incident) if can_work else None,
        "can_work": can_work,
        "survey_choices": SurveyForm.base_fields["rating"].choices,
        **_ticket_state(request, incident),
    }


def _ticket_state(request, incident: Incident) -> dict:
    """What the ticket page shows beside the side panel that follows the incident's state and
    version: the heading, the moves allowed now, the resolve and reply forms (while the state
    takes them), the survey, the service level and the history. A side panel answer that
    redraws the panel redraws these out of band, so the page shows one incident as stored."""
    return {
        "transitions": INCIDENT_LIFECYCLE.allowed_for(incident, request.user),
        "resolve_form": ResolveForm(),
        "comment_form": CommentForm(),
        "survey": getattr(incident, "survey", None),
        "history": list(history_for(incident, include_internal=is_staff_member(request.user))),
        "sla": sla_state(incident, now=timezone.now()),
    }


def _fields_form(incident: Incident) -> IncidentFieldsForm:
    """The side panel as stored now, based on the incident's current version."""
    return IncidentFieldsForm(instance=incident, initial={"version": incident.version})


def _visible_incident(request, number: str) -> Incident:
    try:
        return incident_detail_for(request.user, number=number)
    except Incident.DoesNotExist as exc:
        raise Http404("No such incident.") from exc


@_agent_required
def incident_detail(request, number: str):
    incident = _visible_incident(request, number)
    return render(request, "servicedesk/incident_detail.html", _ticket_context(request, incident))


@_agent_required
def incident_new(request):
    """An agent logs an incident for a requester (a call, a walk-in): who, the service and
    what is wrong, impact and urgency, optionally the team or assignee. Opened, it lands on
    its ticket page; refused, the form again as typed with the reasons (400). Staff who do
    not work tickets get 403, as from incident_open_for."""
    if not works_tickets(request.user):
        raise PermissionDenied("Only agents open incidents for someone else.")

    def opened(incident):
        messages.success(
            request, f"{incident.number} was opened for {incident.requester.display_name}."
        )
        return redirect("servicedesk:incident_detail", number=incident.number)

    return _create_page(
        request,
        NewIncidentForm(submitted(request)),
        partial(actions.incident_open_for, actor=request.user),
        done=opened,
        template="servicedesk/incident_new.html",
    )


@_agent_required
@require_POST
def incident_fields(request, number: str):
    """Inline edit of the side panel; answers the panel partial for htmx, with the rest of the
    page that follows the incident's state swapped out of band (_ticket_state: a priority
    change moves the due times). Refused: bad input is a 400 with the panel as typed and its
    reasons; an edit based on a version someone else saved over is a 412 with the panel as
    stored now (values and version, so the next change is based on them) and a message
    saying so, and the page around it as stored now too: the heading, the moves allowed in
    the state they left it in (a button of the old state would answer 409), the resolve and
    reply forms, the survey, the service level and the history."""
    incident = _visible_incident(request, number)
    form = IncidentFieldsForm(request.POST, instance=Incident.objects.get(pk=incident.pk))
    refused, redraw = None, False
    if form.is_valid():
        # A field the browser did not send is left as it is: a select showing no option (a
        # value queued for one that the redrawn panel no longer offers) is left out of the
        # form data, and would otherwise read as "none". Clearing one sends it empty.
        changes = {
            name: form.cleaned_data[name]
            for name in form.changed_data
            if name != "version" and name in request.POST
        }
        try:
            actions.incident_update(
                incident=incident,
                actor=request.user,
                expected_version=form.cleaned_data["version"],
                changes=changes,
            )
            messages.success(request, "Saved.")
            redraw = True
        except StaleVersion as exc:
            refused, redraw = exc, True
            messages.error(request, STALE_PANEL.format(version=exc.extra["current_version"]))
        except (ValidationError, DomainError) as exc:
            refused = _show_refusal(request, form, exc)
    if redraw:  # saved, or saved by someone else: the incident as stored now, read afresh
        incident = _visible_incident(request, number)
        form = _fields_form(incident)
    status = form_status(form, refused)
    if request.headers.get("HX-Request"):
        context = {
            "incident": incident,
            "fields_form": form,
            "can_work": works_tickets(request.user),
            "panel_messages": True,
            # The rest of the page as stored now, redrawn out of band with the panel.
            **(_ticket_state(request, incident) if redraw else {}),
            "oob": redraw,
        }
        return render(request, "servicedesk/partials/_incident_fields.html", context, status=status)
    if status != 200:
        context = {**_ticket_context(request, incident), "fields_form": form}
        return render(request, "servicedesk/incident_detail.html", context, status=status)
    return redirect("servicedesk:incident_detail", number=number)


@login_required
@require_POST
def incident_comment(request, number: str):
    """Add a reply (portal and console) or an internal note (console). Refused (no text, a
    file that is too large or not allowed), the ticket page comes back with the reply as
    typed (400); a browser cannot keep the chosen file."""
    incident = _visible_incident(request, number)
    form = CommentForm(request.POST, request.FILES)
    refused = None
    if form.is_valid():
        try:
            files = [form.cleaned_data["attachment"]] if form.cleaned_data.get("attachment") else []
            actions.incident_comment_add(
                incident=incident,
                actor=request.user,
                body=form.cleaned_data["body"],
                internal=form.cleaned_data["internal"] and works_tickets(request.user),
                files=files,
            )
            messages.success(
                request, "Internal note added." if form.cleaned_data["internal"] else "Reply sent."
            )
            return redirect(_ticket_url(request, incident))
        except (DomainError, ValidationError) as exc:
            refused = exc
            _errors_to_messages(request, exc)
    return _ticket_page(request, number, form_status(form, refused), comment_form=form)


@login_required
@require_POST
def incident_transition(request, number: str):
    """A lifecycle button (console and portal). Refused, the ticket page comes back with the
    reason and the moves allowed now: 409 for a move the status does not allow, 400 for a
    resolution without its code or note (the resolve form shown again as typed)."""
    incident = _visible_incident(request, number)
    data, resolve_form = {}, None
    verb = request.POST.get("action", "")
    if verb == "resolve":
        resolve_form = ResolveForm(request.POST)
        resolve_form.is_valid()
        data = {k: request.POST.get(k, "") for k in ("resolution_code", "resolution_note")}
    if verb == "assign" and incident.team_id is None and incident.assignee_id is None:
        data = {"assignee": request.user}
    try:
        moved = actions.incident_transition(
            incident=incident, action=verb, actor=request.user, data=data
        )
    except (DomainError, ValidationError) as exc:
        _errors_to_messages(request, exc)
        return _ticket_page(
            request, number, form_status(refused=exc), resolve_form=resolve_form or ResolveForm()
        )
    messages.success(request, f"{moved.number} is now {moved.get_status_display().lower()}.")
    return redirect(_ticket_url(request, incident))


def _ticket_page(request, number: str, status: int, **forms) -> HttpResponse:
    """The ticket page again after a refused write (read afresh: the write changed nothing),
    as its reader sees it, with `forms` as typed."""
    incident = _visible_incident(request, number)
    if is_staff_member(request.user):
        context, template = _ticket_context(request, incident), "servicedesk/incident_detail.html"
    else:
        context = _portal_ticket_context(request, incident)
        template = "servicedesk/portal_incident.html"
    return render(request, template, {**context, **forms}, status=status)


def _create_page(request, form, create, *, done, template: str, context: dict | None = None):
    """A page whose form creates something through an action: a valid POST runs
    `create(**form.cleaned_data)` and answers `done(created)` (a message and a redirect);
    otherwise, or when the action refuses, the form again as typed (`_show_refusal`) with
    the status `form_status` gives."""
    refused = None
    if request.method == "POST" and form.is_valid():
        try:
            return done(create(**form.cleaned_data))
        except (ValidationError, DomainError) as exc:
            refused = _show_refusal(request, form, exc)
    return render(
        request, template, {"form": form, **(context or {})}, status=form_status(form, refused)
    )


def _show_refusal(request, form, exc: Exception) -> Exception:
    """A write the action refused, shown with the form as typed: a model ValidationError
    beside the form's fields, a domain refusal (403, 409, 412) as a message. Returns it for
    `form_status`."""
    if isinstance(exc, DomainError):
        _errors_to_messages(request, exc)
    else:
        errors_onto_form(form, exc)
    return exc


def _ticket_url(request, incident: Incident) -> str:
    name = (
        "servicedesk:incident_detail"
        if is_staff_member(request.user)
        else "servicedesk:portal_incident"
    )
    return reverse(name, args=[incident.number])


# --- Portal ----------------------------------------------------------------------------------


@login_required
def portal(request):
    """The requester's home: their tickets (and their shared organisation's)."""
    qs = incident_list_for(request.user)
    scope = request.GET.get("scope", "open")
    if scope == "open":
        qs = qs.filter(status__in=REQUESTER_ACTIVE_STATES)
    page = keyset_page(request, qs, ordering=("-opened_at", "-id"), page_size=25)
    shared = bool(request.user.organisation_id and request.user.organisation.shared)
    return render(
        request, "servicedesk/portal.html", {"page": page, "scope": scope, "shared": shared}
    )


@login_required
def portal_report(request):

    def opened(incident):
        messages.success(
            request,
            f"Thank you — {incident.number} was opened. We will keep you posted here and by email.",
        )
        return redirect("servicedesk:portal_incident", number=incident.number)

    return _create_page(
        request,
        ReportIncidentForm(submitted(request), initial={"service": request.GET.get("service")}),
        partial(actions.incident_open, actor=request.user),
        done=opened,
        template="servicedesk/portal_report.html",
    )


@login_required
def portal_incident(request, number: str):
    incident = _visible_incident(request, number)
    return render(
        request, "servicedesk/portal_incident.html", _portal_ticket_context(request, incident)
    )


def _portal_ticket_context(request, incident: Incident) -> dict:
    """The ticket as a requester sees it: no internal notes or history, reopen and cancel."""
    context = _ticket_context(request, incident)
    context["comments"] = [c for c in context["comments"] if not c.internal]
    context["history"] = [h for h in context["history"] if not h.internal]
    context["transitions"] = [t for t in context["transitions"] if t.action in {"reopen", "cancel"}]
    return context


@login_required
def attachment_download(request, pk: int):
    """Files are served only to those who may see the ticket (and the comment) they belong to."""
    attachment = get_object_or_404(Attachment.objects.select_related("comment", "incident"), pk=pk)
    incident = attachment.incident
    if not incident_list_for(request.user).filter(pk=incident.pk).exists():
        raise Http404("No such file.")
    if not attachments_visible_to(request.user, incident).filter(pk=attachment.pk).exists():
        raise Http404("No such file.")
    response = FileResponse(
        attachment.file.open("rb"), as_attachment=True, filename=attachment.filename
    )
    response["Content-Type"] = attachment.content_type
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- CSAT survey (no login: the unguessable token is the key to this one survey) ------------


def survey(request, token: str):
    """GET shows the 1–5 rating form; POST answers once. Works without logging in.

    Refused (no rating, a comment over its limit), the form comes back as typed with the
    reason beside its field, 400, on the page it was sent from: the portal's ticket page for
    its requester, else this page."""
    found = Survey.objects.select_related("incident", "requester").filter(token=token[:64]).first()
    if found is None:
        raise Http404("No such survey.")
    form = SurveyForm(submitted(request))
    status = 200
    from_portal = request.POST.get("next") == "portal" and request.user == found.requester
    if request.method == "POST":
        if form.is_valid():
            try:
                survey_actions.survey_answer(
                    survey=found,
                    actor=request.user if request.user.is_authenticated else None,
                    rating=form.cleaned_data["rating"],
                    comment=form.cleaned_data["comment"],
                )
                messages.success(request, "Thank you for your feedback.")
            except SurveyAlreadyAnswered:
                messages.info(request, "This survey was already answered; thank you.")
                status = 409
            except ValidationError as exc:
                errors_onto_form(form, exc)
        if form.errors:
            status = 400
            if from_portal:
                incident = _visible_incident(request, found.incident.number)
                context = _portal_ticket_context(request, incident)
                context["survey_form"] = form
                return render(request, "servicedesk/portal_incident.html", context, status=400)
        elif from_portal:
            return redirect("servicedesk:portal_incident", number=found.incident.number)
        else:
            found.refresh_from_db()
    return render(
        request,
        "servicedesk/survey.html",
        {"survey": found, "form": form, "survey_form": form},
        status=status,
    )
