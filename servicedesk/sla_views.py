"""SLA policies and business calendars in the browser, as the REST API offers them: a list of
both (each policy's targets per priority and the services that use it; each calendar's week
and who uses it), a page for each, and forms to add, change and delete them.

Who may is sla_actions' rule, the API's: staff read (requesters get 403), admins write (other
staff get 403 on the forms and buttons, asked before the fields are read). Writes go through
sla_actions.calendar_save / calendar_delete / sla_policy_save / sla_policy_delete (validated,
locked, audited). Bad input answers 400 with the form as typed and the errors beside the
fields; a change based on an old version 412 with the form as typed; a form without its
version 400; a delete of what is in use 409 naming what uses it; any change to the built-in
24x7 calendar 409. Nothing is written then. "Add a row" posts the calendar form back with one
more empty row, saving nothing (a plain submit: no script needed).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import OuterRef, Q, Subquery
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core.audit import history_for
from core.exceptions import DomainError, StaleVersion
from core.form_status import form_status, submitted
from servicedesk import sla_actions
from servicedesk.choices import Priority
from servicedesk.models import BusinessCalendar, Service, SLAPolicy
from servicedesk.sla_forms import (
    PolicyEditForm,
    PolicyForm,
    TargetFormSet,
    target_rows,
)
from servicedesk.templatetags.sla_terms import week_minutes, weekly_summary

NOT_READER = "Only staff see SLA policies and business calendars."
NOT_WRITER = "Only an admin may change SLA policies and business calendars."
STALE = (
    "Someone else saved this {what} after you opened it (it is now version {version}), so "
    "nothing was saved. Your changes are below as you typed them: save again to replace "
    "theirs, or open the {what} in another tab to compare."
)
STALE_DELETE = (
    "Someone else changed this {what} after you opened the page (it is now version "
    "{version}), so it was not deleted. Check it below and delete it again if you still mean to."
)
NO_VERSION = (
    "The form did not say which version it was based on, so nothing was changed. Reload the "
    "page and try again."
)
NOT_SAVED = "Nothing was saved: the fields marked in red below say why."
HISTORY_SHOWN = 10
# The list's column heads: "P1 Critical" … "P5 Planning".
_PRIORITIES = [(p.value, f"P{p.value} {p.label.split(' - ', 1)[-1]}") for p in Priority]


def _reader_required(user) -> None:
    if not sla_actions.sla_may_read(user):
        raise PermissionDenied(NOT_READER)


def _writer_required(user) -> None:
    if not sla_actions.sla_may_write(user):
        raise PermissionDenied(NOT_WRITER)


def _posted_version(request) -> int | None:
    raw = request.POST.get("version", "")
    # isascii: str.isdigit() also passes digits int() refuses ("²").
    return int(raw) if raw.isascii() and raw.isdigit() and 0 < len(raw) < 10 else None


# --- the list ----------------------------------------------------------------------------------


@login_required
@require_safe
def sla_overview(request):
    """Every SLA policy with its targets per priority and the services it applies to, and
    every calendar with its week, its holidays and what uses it."""
    _reader_required(request.user)
    policies = list(
        SLAPolicy.objects.select_related("calendar").prefetch_related("targets").order_by("name")
    )
    calendars = list(
        BusinessCalendar.objects.prefetch_related("intervals", "holidays").order_by(
            "-is_builtin", "name"
        )
    )
    services = list(
        Service.objects.order_by("name").only(
            "pk", "name", "status", "sla_policy_id", "service_hours_id"
        )
    )
    for policy in policies:
        policy.named_by = [s for s in services if s.sla_policy_id == policy.pk]
        policy.default_for = (
            [s for s in services if s.sla_policy_id is None] if policy.is_default else []
        )
        by_priority = {t.priority: t for t in policy.targets.all()}
        policy.cells = [by_priority.get(p) for p, _ in _PRIORITIES]
    today = timezone.localdate()
    for calendar in calendars:
        intervals = calendar.intervals.all()
        calendar.summary = weekly_summary(intervals)
        calendar.week_hours = week_minutes(intervals) / 60
        holidays = list(calendar.holidays.all())
        calendar.holiday_count = len(holidays)
        calendar.next_holiday = next((h for h in holidays if h.date >= today), None)
        calendar.policies = [p for p in policies if p.calendar_id == calendar.pk]
        calendar.hours_of = [
            s
            for s in services
            if s.service_hours_id == calendar.pk
            or (calendar.is_builtin and s.service_hours_id is None)
        ]
    return render(
        request,
        "servicedesk/sla/overview.html",
        {"policies": policies, "calendars": calendars, "priorities": _PRIORITIES},
    )


# --- policies ---------------------------------------------------------------------------------


@login_required
@require_safe
def sla_policy_detail(request, pk: int):
    _reader_required(request.user)
    policy = get_object_or_404(SLAPolicy.objects.select_related("calendar"), pk=pk)
    return _policy_page(request, policy)


def _policy_page(request, policy: SLAPolicy, *, status: int = 200):
    """A policy's page (again after a refused delete, with `status`)."""
    users = Q(sla_policy=policy)
    if policy.is_default:
        users |= Q(sla_policy__isnull=True)
    services = list(
        Service.objects.filter(users).order_by("name").only("pk", "name", "status", "sla_policy_id")
    )
    return render(
        request,
        "servicedesk/sla/policy_detail.html",
        {
            "policy": policy,
            "targets": policy.targets.all(),
            "named_by": [s for s in services if s.sla_policy_id == policy.pk],
            "default_for": [s for s in services if s.sla_policy_id is None],
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def sla_policy_new(request):
    """Add a policy: its targets start as the default policy's, to adjust."""
    _writer_required(request.user)
    default = SLAPolicy.objects.filter(is_default=True).prefetch_related("targets").first()
    start_from = (
        {t.priority: (t.response_minutes, t.resolution_minutes) for t in default.targets.all()}
        if default
        else {}
    )
    page = _PolicyPage(
        request,
        policy=None,
        initial={"calendar": default.calendar_id} if default else {},
        targets=start_from,
        default_name=default.name if default else None,
    )
    saved = (
        page.saving
        and page.valid()
        and page.save(
            lambda fields, _version: sla_actions.sla_policy_save(
                actor=request.user, **fields, targets=page.targets.targets()
            ),
            what="policy",
        )
    )
    if saved:
        messages.success(request, f"SLA policy “{saved.name}” added.")
        return redirect("servicedesk:sla_policy_detail", pk=saved.pk)
    return page.render(starts_from=default)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def sla_policy_edit(request, pk: int):
    """Change a policy's name, calendar, default flag and targets, based on the version the
    form was opened at."""
    _writer_required(request.user)
    other_default = SLAPolicy.objects.filter(is_default=True).exclude(pk=OuterRef("pk"))
    policy = get_object_or_404(
        SLAPolicy.objects.select_related("calendar").annotate(
            other_default=Subquery(other_default.values("name")[:1])
        ),
        pk=pk,
    )
    page = _PolicyPage(
        request,
        policy=policy,
        initial=PolicyEditForm.initial_of(policy),
        targets={
            t.priority: (t.response_minutes, t.resolution_minutes) for t in policy.targets.all()
        },
        default_name=policy.other_default,
    )
    saved = (
        page.saving
        and page.valid()
        and page.save(
            lambda fields, version: sla_actions.sla_policy_save(
                actor=request.user,
                policy=policy,
                **fields,
                targets=page.targets.targets(),
                expected_version=version,
            ),
            what="policy",
        )
    )
    if saved:
        messages.success(
            request,
            f"SLA policy “{saved.name}” saved. Incidents opened from now on get its "
            "targets; open ones keep the due times they were given.",
        )
        return redirect("servicedesk:sla_policy_detail", pk=saved.pk)
    return page.render()


@login_required
@require_POST
def sla_policy_delete(request, pk: int):
    _writer_required(request.user)
    policy = get_object_or_404(SLAPolicy.objects.select_related("calendar"), pk=pk)
    status = _delete(
        request,
        lambda version: sla_actions.sla_policy_delete(
            policy=policy, actor=request.user, expected_version=version
        ),
        what="policy",
    )
    if status is None:
        messages.success(request, f"SLA policy “{policy.name}” deleted.")
        return redirect(reverse("servicedesk:sla_overview") + "#policies")
    policy = SLAPolicy.objects.select_related("calendar").get(pk=pk)
    return _policy_page(request, policy, status=status)


class _Page:
    """What the policy and calendar forms share: saving or not, refusals, the 412 rebase."""

    form_errors_to: dict = {}  # an action's error key → the formset shown with it

    def refused(self, exc: Exception) -> None:
        """A write the action refused: its field errors beside the fields (the rows' above
        them), a domain refusal (409) as a message."""
        self.refusal = exc
        if isinstance(exc, DomainError):
            messages.error(self.request, exc.detail)
            return
        for field, errors in getattr(exc, "message_dict", {None: exc.messages}).items():
            rows = getattr(self, self.form_errors_to.get(field, ""), None)
            if rows is not None:
                rows.action_errors.extend(errors)
            else:
                self.form.add_error(field if field in self.form.fields else None, errors)

    def save(self, write, *, what: str):
        """`write(fields, version)` with the form's fields (its version, if any, apart): the
        saved row, or None with the refusal shown (a stale version rebased, 412; the rest
        beside the fields or as a message)."""
        fields = dict(self.form.cleaned_data)
        version = fields.pop("version", None)
        try:
            return write(fields, version)
        except StaleVersion as exc:
            self.rebase(exc, what=what)
        except (ValidationError, DomainError) as exc:
            self.refused(exc)
        return None

    def rebase(self, exc: StaleVersion, *, what: str) -> None:
        """412: the form again as typed, now based on the current version (a second save
        overwrites knowingly), and why nothing was saved."""
        self.refusal = exc
        current = exc.extra["current_version"]
        data = self.request.POST.copy()
        data["version"] = str(current)
        self.bind(data)
        self.valid()
        messages.error(self.request, STALE.format(what=what, version=current))

    def status(self) -> int:
        if not self.saving and self.refusal is None:
            return 200  # a fresh form, or one redrawn with another row: nothing was submitted
        status = form_status(self.form, self.refusal)
        if status == 200 and self.saving and not all(r.is_valid() for r in self.row_sets()):
            return 400
        return status

    def valid(self) -> bool:
        results = [self.form.is_valid(), *(rows.is_valid() for rows in self.row_sets())]
        return all(results)

    def history(self, obj) -> list:
        if obj is None:
            return []
        return list(history_for(obj).order_by("-created_at", "-id")[:HISTORY_SHOWN])

    def said_why(self, status: int) -> None:
        if self.saving and status == 400 and not isinstance(self.refusal, DomainError):
            messages.error(self.request, NOT_SAVED)


class _PolicyPage(_Page):
    form_errors_to = {"targets": "targets"}

    def __init__(self, request, *, policy, initial, targets, default_name):
        self.request, self.policy, self.refusal = request, policy, None
        self.initial, self.target_initial = initial, target_rows(targets)
        self.default_name = default_name
        data = submitted(request)
        self.saving = data is not None
        self.bind(data)

    def bind(self, data) -> None:
        form_class = PolicyEditForm if self.policy else PolicyForm
        self.form = form_class(data, initial=self.initial, default_name=self.default_name)
        self.targets = TargetFormSet(data, initial=self.target_initial)

    def row_sets(self) -> list:
        return [self.targets]

    def refused(self, exc: Exception) -> None:
        """As any refusal, but a target the action refused for one priority (a response
        later than the resolution) is shown beside that row's response target."""
        rows = {f["priority"].value(): f for f in self.targets.forms}
        if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
            left = []
            for error in exc.error_dict.get("targets", []):
                priority = (error.params or {}).get("priority")
                row = rows.get(str(priority)) or rows.get(priority)
                if error.code == sla_actions.RESPONSE_AFTER_RESOLUTION and row is not None:
                    self.refusal = exc
                    row.add_error("response_hours", error.message)
                else:
                    left.append(error)
            if left:
                exc.error_dict["targets"] = left
            else:
                exc.error_dict.pop("targets", None)
            if not exc.error_dict:
                return
        super().refused(exc)

    def render(self, *, starts_from: SLAPolicy | None = None):
        status = self.status()
        self.said_why(status)
        return render(
            self.request,
            "servicedesk/sla/policy_form.html",
            {
                "policy": self.policy,
                "form": self.form,
                "targets": self.targets,
                "starts_from": starts_from,
                "history": self.history(self.policy),
            },
            status=status,
        )


def _delete(request, delete, *, what: str) -> int | None:
    """Run `delete(version)` with the version the page was opened at: None when done, else
    the refusal's status with its reason as a message (400 without a version, 409 in use,
    412 changed meanwhile)."""
    version = _posted_version(request)
    if version is None:
        messages.error(request, NO_VERSION)
        return 400
    try:
        delete(version)
    except StaleVersion as exc:
        current = exc.extra["current_version"]
        messages.error(request, STALE_DELETE.format(what=what, version=current))
        return exc.status_code
    except DomainError as exc:
        messages.error(request, exc.detail)
        return exc.status_code
    return None
