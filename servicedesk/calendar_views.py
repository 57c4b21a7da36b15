"""Business calendars: the working hours and holidays SLA clocks and service hours count in;
the pages to read, add, edit and delete them (servicedesk/sla_views.py has the policies and
what both kinds of page share)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import CharField, Q, Value
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core.form_status import submitted
from core.forms import one_more_row
from servicedesk import sla_actions
from servicedesk.errors import BuiltinCalendarLocked
from servicedesk.models import BusinessCalendar, Service, SLAPolicy
from servicedesk.sla_forms import (
    HOLIDAYS_PREFIX,
    HOURS_PREFIX,
    MAX_HOLIDAYS,
    MAX_INTERVALS,
    WEEKDAYS,
    CalendarEditForm,
    CalendarForm,
    HolidayFormSet,
    IntervalFormSet,
    holiday_rows,
    interval_rows,
)
from servicedesk.sla_views import (
    _delete,
    _Page,
    _reader_required,
    _writer_required,
)
from servicedesk.templatetags.sla_terms import week_minutes

MORE_HOURS, MORE_HOLIDAYS = "_more_hours", "_more_holidays"  # post back, save nothing


# --- calendars --------------------------------------------------------------------------------


def _calendar_users(calendar: BusinessCalendar) -> tuple[list, list]:
    """(policies that count on it, services whose service hours it is) in one statement; the
    built-in 24x7 also serves every service without hours of its own."""
    hours = Q(service_hours=calendar)
    if calendar.is_builtin:
        hours |= Q(service_hours__isnull=True)
    kind = {"output_field": CharField()}
    found = (
        Service.objects.filter(hours)
        .order_by()  # no ORDER BY inside a UNION; sorted below
        .values_list(Value("service", **kind), "pk", "name", "status")
        .union(
            SLAPolicy.objects.filter(calendar=calendar)
            .order_by()
            .values_list(Value("policy", **kind), "pk", "name", Value("", **kind)),
            all=True,
        )
    )
    policies, services = [], []
    for what, pk, name, status in sorted(found, key=lambda row: row[2].lower()):
        entry = {"pk": pk, "name": name, "status": status}
        (services if what == "service" else policies).append(entry)
    return policies, services


@login_required
@require_safe
def calendar_detail(request, pk: int):
    _reader_required(request.user)
    return _calendar_page(request, get_object_or_404(BusinessCalendar, pk=pk))


def _calendar_page(request, calendar: BusinessCalendar, *, status: int = 200):
    """A calendar's page: its week day by day, its holidays and what uses it (again after a
    refused change or delete, with `status`)."""
    intervals = list(calendar.intervals.all())
    days = [(name, [i for i in intervals if i.weekday == number]) for number, name in WEEKDAYS]
    policies, services = _calendar_users(calendar)
    return render(
        request,
        "servicedesk/sla/calendar_detail.html",
        {
            "calendar": calendar,
            "days": days,
            "week_hours": week_minutes(intervals) / 60,
            "holidays": calendar.holidays.all(),
            "today": timezone.localdate(),
            "policies": policies,
            "services": services,
        },
        status=status,
    )


def _locked_builtin(request, calendar: BusinessCalendar):
    """The built-in calendar's page, 409: it cannot be changed or deleted."""
    messages.error(request, BuiltinCalendarLocked().detail)
    return _calendar_page(request, calendar, status=BuiltinCalendarLocked.status_code)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def calendar_new(request):
    """Add a calendar: it starts with office hours, Monday to Friday 09:00–17:00."""
    _writer_required(request.user)
    page = _CalendarPage(request, calendar=None)
    saved = (
        page.saving
        and page.valid()
        and page.save(
            lambda fields, _version: sla_actions.calendar_save(
                actor=request.user,
                **fields,
                intervals=page.hours.intervals(),
                holidays=page.holidays.holidays(),
            ),
            what="calendar",
        )
    )
    if saved:
        messages.success(request, f"Calendar “{saved.name}” added.")
        return redirect("servicedesk:calendar_detail", pk=saved.pk)
    return page.render()


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def calendar_edit(request, pk: int):
    """Change a calendar's name, time zone, working hours and holidays, based on the version
    the form was opened at (the built-in 24x7: 409, its page)."""
    _writer_required(request.user)
    calendar = get_object_or_404(BusinessCalendar, pk=pk)
    if calendar.is_builtin:
        return _locked_builtin(request, calendar)
    page = _CalendarPage(request, calendar=calendar)
    saved = (
        page.saving
        and page.valid()
        and page.save(
            lambda fields, version: sla_actions.calendar_save(
                actor=request.user,
                calendar=calendar,
                **fields,
                intervals=page.hours.intervals(),
                holidays=page.holidays.holidays(),
                expected_version=version,
            ),
            what="calendar",
        )
    )
    if saved:
        messages.success(
            request,
            f"Calendar “{saved.name}” saved. Clocks on it count with the new hours "
            "from now on; open incidents keep the due times they were given.",
        )
        return redirect("servicedesk:calendar_detail", pk=saved.pk)
    return page.render()


@login_required
@require_POST
def calendar_delete(request, pk: int):
    _writer_required(request.user)
    calendar = get_object_or_404(BusinessCalendar, pk=pk)
    if calendar.is_builtin:
        return _locked_builtin(request, calendar)
    status = _delete(
        request,
        lambda version: sla_actions.calendar_delete(
            calendar=calendar, actor=request.user, expected_version=version
        ),
        what="calendar",
    )
    if status is None:
        messages.success(request, f"Calendar “{calendar.name}” deleted.")
        return redirect(reverse("servicedesk:sla_overview") + "#calendars")
    return _calendar_page(request, BusinessCalendar.objects.get(pk=pk), status=status)


class _CalendarPage(_Page):
    form_errors_to = {"intervals": "hours", "holidays": "holidays"}

    def __init__(self, request, *, calendar: BusinessCalendar | None):
        self.request, self.calendar, self.refusal = request, calendar, None
        if calendar is not None:
            self.initial = CalendarEditForm.initial_of(calendar)
        else:
            self.initial = {"time_zone": settings.TIME_ZONE}
        self.hours_initial = interval_rows(calendar)
        self.holidays_initial = holiday_rows(calendar)
        data = submitted(request)
        more = data is not None and (MORE_HOURS in data or MORE_HOLIDAYS in data)
        self.saving = data is not None and not more
        if more:
            prefix, most = (
                (HOURS_PREFIX, MAX_INTERVALS)
                if MORE_HOURS in data
                else (HOLIDAYS_PREFIX, MAX_HOLIDAYS)
            )
            data = one_more_row(data, prefix, most)
        self.added = (HOURS_PREFIX if MORE_HOURS in data else HOLIDAYS_PREFIX) if more else None
        self.bind(data)

    def bind(self, data) -> None:
        form_class = CalendarEditForm if self.calendar else CalendarForm
        self.form = form_class(data, initial=self.initial)
        self.hours = IntervalFormSet(data, initial=self.hours_initial)
        self.holidays = HolidayFormSet(data, initial=self.holidays_initial)

    def row_sets(self) -> list:
        return [self.hours, self.holidays]

    def render(self):
        status = self.status()
        self.said_why(status)
        if self.added:
            rows = self.hours if self.added == HOURS_PREFIX else self.holidays
            if rows.forms:
                first = "weekday" if self.added == HOURS_PREFIX else "date"
                rows.forms[-1].fields[first].widget.attrs["autofocus"] = True
        return render(
            self.request,
            "servicedesk/sla/calendar_form.html",
            {
                "calendar": self.calendar,
                "form": self.form,
                "hours": self.hours,
                "holidays": self.holidays,
                # Only a save shows errors: "Add a row" just redraws what was typed.
                "show_errors": self.saving,
                "room_for_hours": self.hours.total_form_count() < MAX_INTERVALS,
                "room_for_holidays": self.holidays.total_form_count() < MAX_HOLIDAYS,
                "history": self.history(self.calendar),
            },
            status=status,
        )
