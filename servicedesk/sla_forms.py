"""The forms admins use to change business calendars and SLA policies in the browser: a
calendar's name and time zone with its weekly working hours and its holidays, one row each;
a policy's name, calendar and default flag with one row of targets per priority, typed in
hours and minutes. The views (servicedesk/sla_views.py) hand the cleaned data to
sla_actions.calendar_save / sla_policy_save, which validate it again and audit the write.

Who may is sla_actions.sla_may_write, the REST API's rule; the forms do not ask it.
"""

import functools
import zoneinfo

from django import forms
from django.core.exceptions import ValidationError
from django.forms import formset_factory

from servicedesk import business_time
from servicedesk.choices import Priority
from servicedesk.models import BusinessCalendar, SLAPolicy

WEEKDAYS = [
    (0, "Monday"),
    (1, "Tuesday"),
    (2, "Wednesday"),
    (3, "Thursday"),
    (4, "Friday"),
    (5, "Saturday"),
    (6, "Sunday"),
]
HOURS_PREFIX, HOLIDAYS_PREFIX, TARGETS_PREFIX = "hours", "holidays", "targets"
MAX_INTERVALS, MAX_HOLIDAYS = 50, 120
# The API's bound on a target (SLATargetSerializer): a million minutes, about 16,666 hours.
MAX_TARGET_MINUTES = 1_000_000
# What a new calendar starts with: Monday to Friday, 09:00–17:00.
OFFICE_HOURS = [{"weekday": d, "start": "09:00", "end": "17:00"} for d in range(5)]

VERSION_ERRORS = {
    "required": "The form did not say which version it was based on, so nothing was saved. "
    "Reload the page and make your change again.",
    "invalid": "The form's version is not a number, so nothing was saved. Reload the page and "
    "make your change again.",
    "min_value": "The form's version is not a valid one, so nothing was saved. Reload the page "
    "and make your change again.",
}


def wall_time(minutes: int) -> str:
    """Minutes after local midnight as the form shows them: 570 → "09:30", 1440 → "24:00"."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def target_duration(minutes: int) -> str:
    """Business minutes as a target reads: 45 → "45 min", 240 → "4 h", 270 → "4 h 30 min"."""
    hours, rest = divmod(int(minutes), 60)
    if not hours:
        return f"{rest} min"
    return f"{hours:,} h" + (f" {rest} min" if rest else "")


@functools.cache
def time_zone_choices() -> list:
    """The IANA zones this system knows, grouped by area (Europe, America, …) for the
    select; UTC first."""
    areas: dict[str, list] = {}
    for name in sorted(zoneinfo.available_timezones()):
        area = name.split("/", 1)[0] if "/" in name else "Other"
        areas.setdefault(area, []).append((name, name))
    other = areas.pop("Other", [])
    return [("UTC", "UTC"), *sorted(areas.items()), ("Other", other)]


def _version_field() -> forms.IntegerField:
    """The version an edit is based on: a stale one answers 412, a missing one 400 (never the
    current version in its place, which would overwrite whatever was saved meanwhile)."""
    return forms.IntegerField(widget=forms.HiddenInput, min_value=1, error_messages=VERSION_ERRORS)


# --- calendars ---------------------------------------------------------------------------


class CalendarForm(forms.Form):
    name = BusinessCalendar._meta.get_field("name").formfield()
    time_zone = forms.ChoiceField(
        label="Time zone",
        help_text="The working hours and holidays are wall-clock times in this zone; clocks "
        "follow its daylight-saving changes.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = list(time_zone_choices())
        current = self.initial.get("time_zone")
        if current and current not in zoneinfo.available_timezones() and current != "UTC":
            choices.append((current, current))  # a zone set elsewhere stays choosable
        self.fields["time_zone"].choices = choices


class CalendarEditForm(CalendarForm):
    version = _version_field()

    @staticmethod
    def initial_of(calendar: BusinessCalendar) -> dict:
        return {"name": calendar.name, "time_zone": calendar.time_zone, "version": calendar.version}


def _clock_time(value: str, *, field: str) -> int:
    """Minutes after midnight of a typed "HH:MM" (24:00 allowed for an end)."""
    value = value.strip()
    if len(value) == 4 and value[1] == ":":
        value = f"0{value}"  # 9:00 reads as 09:00
    try:
        if not value.isascii():
            raise ValueError(value)
        minutes = business_time.wall_minutes(value)
    except ValueError as exc:
        raise ValidationError(
            f"Type the {field} as HH:MM on a 24-hour clock, such as 09:00 or 17:30.",
            code="bad_time",
        ) from exc
    if field == "start" and minutes == business_time.MINUTES_PER_DAY:
        raise ValidationError("A day's work cannot start at 24:00.", code="bad_time")
    return minutes


def _time_input(placeholder: str) -> forms.TextInput:
    return forms.TextInput(
        attrs={
            "placeholder": placeholder,
            "inputmode": "numeric",
            "autocomplete": "off",
            "size": 5,
            "maxlength": 5,
            "pattern": r"([01]?\d|2[0-3]):[0-5]\d|24:00",
            "title": "HH:MM on a 24-hour clock; 24:00 is the end of the day",
        }
    )


class IntervalRowForm(forms.Form):
    """One stretch of a weekday's working hours. A row left empty is no interval."""

    weekday = forms.TypedChoiceField(
        choices=[("", "—"), *WEEKDAYS], coerce=int, required=False, empty_value=None
    )
    start = forms.CharField(max_length=5, required=False, widget=_time_input("09:00"))
    end = forms.CharField(max_length=5, required=False, widget=_time_input("17:00"))

    def clean(self):
        data = super().clean()
        if self.errors or data.get("DELETE"):
            return data
        weekday, start, end = data.get("weekday"), data.get("start", ""), data.get("end", "")
        if weekday is None and not start.strip() and not end.strip():
            return data  # an empty row
        if weekday is None:
            self.add_error("weekday", "Choose the day.")
        minutes = {}
        for name, typed in (("start", start), ("end", end)):
            if not typed.strip():
                self.add_error(name, f"Give the {name}.")
                continue
            try:
                minutes[name] = _clock_time(typed, field=name)
            except ValidationError as exc:
                self.add_error(name, exc)
        if len(minutes) == 2 and minutes["end"] <= minutes["start"]:
            self.add_error(
                "end",
                f"The end ({wall_time(minutes['end'])}) must be after the start "
                f"({wall_time(minutes['start'])}). For hours past midnight, end this row at "
                "24:00 and add a row from 00:00 on the next day.",
            )
        if not self.errors:
            data["interval"] = (weekday, minutes["start"], minutes["end"])
        return data


class HolidayRowForm(forms.Form):
    """One holiday: a date the clocks do not run, and its name. A row left empty is none."""

    # The date input sends and shows ISO dates (YYYY-MM-DD) whatever the browser's locale.
    date = forms.DateField(
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    name = forms.CharField(
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"class": "name", "placeholder": "Name of the day"}),
    )

    def clean(self):
        data = super().clean()
        if self.errors or data.get("DELETE"):
            return data
        if data.get("date") is None:
            if data.get("name", "").strip():
                self.add_error("date", "Give the date.")
            return data
        data["holiday"] = (data["date"], data.get("name", "").strip())
        return data


class _RowFormSet(forms.BaseFormSet):
    """Rows in the order typed, without removed and empty ones; errors the action raised about
    the rows as a whole (`action_errors`) are shown above them with the formset's own."""

    prefix_name = ""
    key = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix=self.prefix_name, **kwargs)
        self.action_errors: list[str] = []

    def get_form_kwargs(self, index):
        # Every row is read, also an added one that looks like the initial rows (an extra
        # form left as its initial values would otherwise count as empty); a row typed
        # empty is no row (the row forms say so).
        return {"empty_permitted": False}

    def rows(self) -> list:
        return [
            form.cleaned_data[self.key]
            for form in self.forms
            if self.key in form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]

    @property
    def all_errors(self) -> list[str]:
        return [*self.non_form_errors(), *self.action_errors] if self.is_bound else []


class BaseIntervalFormSet(_RowFormSet):
    prefix_name, key = HOURS_PREFIX, "interval"

    def intervals(self) -> list[tuple[int, int, int]]:
        return sorted(self.rows())


class BaseHolidayFormSet(_RowFormSet):
    prefix_name, key = HOLIDAYS_PREFIX, "holiday"

    def clean(self):
        if any(self.errors):
            return
        seen = {}
        for position, form in enumerate(self.forms, start=1):
            holiday = form.cleaned_data.get("holiday")
            if holiday is None or form.cleaned_data.get("DELETE"):
                continue
            if holiday[0] in seen:
                form.add_error(
                    "date",
                    f"{holiday[0]:%Y-%m-%d} is already row {seen[holiday[0]]}: once is enough.",
                )
            else:
                seen[holiday[0]] = position

    def holidays(self) -> list:
        return sorted(self.rows())


IntervalFormSet = formset_factory(
    IntervalRowForm,
    formset=BaseIntervalFormSet,
    extra=1,
    can_delete=True,
    max_num=MAX_INTERVALS,
    validate_max=True,
    absolute_max=MAX_INTERVALS + 10,
)
HolidayFormSet = formset_factory(
    HolidayRowForm,
    formset=BaseHolidayFormSet,
    extra=1,
    can_delete=True,
    max_num=MAX_HOLIDAYS,
    validate_max=True,
    absolute_max=MAX_HOLIDAYS + 10,
)


def interval_rows(calendar: BusinessCalendar | None) -> list[dict]:
    """The working-hours rows (initial values) of a stored calendar, or office hours."""
    if calendar is None:
        return OFFICE_HOURS
    return [
        {"weekday": i.weekday, "start": wall_time(i.start_minute), "end": wall_time(i.end_minute)}
        for i in calendar.intervals.all()
    ]


def holiday_rows(calendar: BusinessCalendar | None) -> list[dict]:
    if calendar is None:
        return []
    return [{"date": h.date, "name": h.name} for h in calendar.holidays.all()]


# --- policies ----------------------------------------------------------------------------


class CalendarChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        if obj.is_builtin:
            return f"{obj.name} (round the clock, every day)"
        return f"{obj.name} ({obj.time_zone})"


class PolicyForm(forms.Form):
    name = SLAPolicy._meta.get_field("name").formfield()
    calendar = CalendarChoiceField(
        queryset=BusinessCalendar.objects.order_by("-is_builtin", "name"),
        empty_label="Choose a calendar…",
        help_text="The targets count time on this calendar only: with office hours, 8 h is a "
        "working day; choose 24x7 for round-the-clock targets.",
    )
    is_default = forms.BooleanField(
        required=False,
        label="Default policy",
        help_text="Applies to every service that names no policy of its own.",
    )

    def __init__(self, *args, default_name: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if default_name:
            self.fields[
                "is_default"
            ].help_text += f" Ticking it takes the flag from “{default_name}”."


class PolicyEditForm(PolicyForm):
    version = _version_field()

    @staticmethod
    def initial_of(policy: SLAPolicy) -> dict:
        return {
            "name": policy.name,
            "calendar": policy.calendar_id,
            "is_default": policy.is_default,
            "version": policy.version,
        }


def _hours() -> forms.IntegerField:
    return forms.IntegerField(
        min_value=0,
        max_value=MAX_TARGET_MINUTES // 60,
        required=False,
        widget=forms.NumberInput(attrs={"class": "num", "min": 0}),
    )


def _minutes() -> forms.IntegerField:
    return forms.IntegerField(
        min_value=0,
        max_value=59,
        required=False,
        widget=forms.NumberInput(attrs={"class": "num", "min": 0, "max": 59}),
    )


class TargetRowForm(forms.Form):
    """The targets of one priority: time to first response and to resolution, each in hours
    and minutes of the policy's calendar."""

    priority = forms.TypedChoiceField(
        choices=Priority.choices, coerce=int, widget=forms.HiddenInput
    )
    response_hours = _hours()
    response_mins = _minutes()
    resolution_hours = _hours()
    resolution_mins = _minutes()

    def __init__(self, *args, position: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            what = name.replace("_", " ").replace("mins", "minutes")
            field.widget.attrs["aria-label"] = f"P{position} {what}"

    def clean(self):
        data = super().clean()
        for target in ("response", "resolution"):
            hours, mins = data.get(f"{target}_hours"), data.get(f"{target}_mins")
            if f"{target}_hours" in self.errors or f"{target}_mins" in self.errors:
                continue
            total = (hours or 0) * 60 + (mins or 0)
            if total <= 0:
                self.add_error(f"{target}_hours", f"Give a {target} target above zero.")
            elif total > MAX_TARGET_MINUTES:
                self.add_error(f"{target}_hours", f"A {target} target is at most 16,666 h.")
            else:
                data[f"{target}_minutes"] = total
        return data

    @property
    def priority_label(self) -> str:
        value = self["priority"].value()
        try:
            return Priority(int(value)).label.split(" - ", 1)[-1]  # "Critical"
        except (TypeError, ValueError):
            return str(value)


class BaseTargetFormSet(forms.BaseFormSet):
    """One row per priority 1–5, each once (the rows are fixed; a post that repeats or
    leaves out a priority is refused, 400)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix=TARGETS_PREFIX, **kwargs)
        self.action_errors: list[str] = []

    def get_form_kwargs(self, index):
        return {"position": (index or 0) + 1}

    def clean(self):
        if any(self.errors):
            return
        priorities = [form.cleaned_data["priority"] for form in self.forms]
        twice = sorted({p for p in priorities if priorities.count(p) > 1})
        missing = sorted(set(Priority.values) - set(priorities))
        problems = [f"priority {p} is given twice" for p in twice]
        problems += [f"priority {p} has no row" for p in missing]
        if problems:
            raise ValidationError(
                f"Give one row for each priority 1 to 5: {', '.join(problems)}.",
                code="priorities",
            )

    def targets(self) -> list[tuple[int, int, int]]:
        return sorted(
            (
                f.cleaned_data["priority"],
                f.cleaned_data["response_minutes"],
                f.cleaned_data["resolution_minutes"],
            )
            for f in self.forms
        )

    @property
    def all_errors(self) -> list[str]:
        return [*self.non_form_errors(), *self.action_errors] if self.is_bound else []


TargetFormSet = formset_factory(
    TargetRowForm,
    formset=BaseTargetFormSet,
    extra=0,
    min_num=len(Priority.values),
    max_num=len(Priority.values),
    validate_min=True,
    validate_max=True,
    absolute_max=len(Priority.values) + 5,
)


def target_rows(targets: dict[int, tuple[int, int]]) -> list[dict]:
    """The target rows (initial values) for priorities 1–5 from {priority: (response_min,
    resolution_min)}; a priority without targets gets an empty row."""
    rows = []
    for priority in Priority.values:
        row = {"priority": priority}
        if priority in targets:
            response, resolution = targets[priority]
            row |= {
                "response_hours": response // 60,
                "response_mins": response % 60,
                "resolution_hours": resolution // 60,
                "resolution_mins": resolution % 60,
            }
        rows.append(row)
    return rows
