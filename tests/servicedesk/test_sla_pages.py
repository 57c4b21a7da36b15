"""SLA policies and business calendars in the browser, not only over the API: staff read them
(requesters get 403), the API's writers (admins: sla_actions.sla_may_write) add, change and
delete them through the same audited actions; others get 403 and write nothing. Bad input is
a 400 with the reasons beside the fields and nothing written, a change based on an old
version a 412 with the form as typed, a form without its version a 400, a delete of what is
in use a 409 naming what uses it; the built-in 24x7 calendar cannot be changed. A saved
change is live: the next incident's due times follow it. The pages' statements do not grow
with the rows they show.

Targets are posted as hours and minutes per priority (formset prefix `targets`), working
hours and holidays as rows (prefixes `hours` and `holidays`).
"""

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from core.models import AuditEvent
from servicedesk import actions, sla_actions
from servicedesk.models import BusinessCalendar, Holiday, SLAPolicy, SLATarget, WorkingInterval
from tests.conftest import browser_for
from tests.servicedesk.factories import ServiceFactory, office_calendar, sla_policy
from tests.test_statement_budgets import DETAIL, LIST, _counted_get

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
READERS = ("agent", "service_owner", "project_manager", "manager", "admin")
NOT_WRITERS = ("agent", "service_owner", "project_manager", "manager")
# The factory's targets, {priority: (response, resolution)} in minutes.
GOLD = {1: (30, 60), 2: (60, 120), 3: (60, 240), 4: (120, 480), 5: (240, 960)}


@pytest.fixture
def office(db):
    return office_calendar("Office")  # Mon–Fri 09:00–17:00 Europe/London


@pytest.fixture
def gold(office):
    return sla_policy("Gold", office)


@pytest.fixture
def mail(gold, office):
    return ServiceFactory(name="Mail", sla_policy=gold, service_hours=office)


def builtin() -> BusinessCalendar:
    return BusinessCalendar.objects.get(is_builtin=True)


def targets_post(targets: dict[int, tuple[int, int]], **rows) -> dict:
    """The targets rows for {priority: (response_min, resolution_min)}, typed as hours and
    minutes; `rows` overrides single keys (`"2-priority": "1"`)."""
    data = {
        "targets-TOTAL_FORMS": str(len(targets)),
        "targets-INITIAL_FORMS": str(len(targets)),
        "targets-MIN_NUM_FORMS": "5",
        "targets-MAX_NUM_FORMS": "5",
    }
    for index, (priority, (response, resolution)) in enumerate(sorted(targets.items())):
        data |= {
            f"targets-{index}-priority": str(priority),
            f"targets-{index}-response_hours": str(response // 60),
            f"targets-{index}-response_mins": str(response % 60),
            f"targets-{index}-resolution_hours": str(resolution // 60),
            f"targets-{index}-resolution_mins": str(resolution % 60),
        }
    return data | {f"targets-{k}": v for k, v in rows.items()}


def policy_post(calendar, targets=None, **fields) -> dict:
    data = {"name": "Silver", "calendar": str(calendar.pk)}
    return data | targets_post(targets or GOLD) | fields


def policy_edit_post(policy: SLAPolicy, targets=None, **fields) -> dict:
    """The edit form as the page shows it, with `targets` and `fields` changed."""
    shown = {t.priority: (t.response_minutes, t.resolution_minutes) for t in policy.targets.all()}
    data = {"name": policy.name, "calendar": str(policy.calendar_id), "version": policy.version}
    if policy.is_default:
        data["is_default"] = "on"
    return data | targets_post(targets or shown) | fields


def rows(prefix: str, items: list[dict], initial: int = 0) -> dict:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(items)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, item in enumerate(items):
        data |= {f"{prefix}-{index}-{key}": value for key, value in item.items()}
    return data


def hours(*stretches: tuple) -> list[dict]:
    """(weekday, "HH:MM", "HH:MM") → working-hours rows."""
    return [{"weekday": str(d), "start": s, "end": e} for d, s, e in stretches]


WEEKDAYS_9_TO_5 = hours(*((d, "09:00", "17:00") for d in range(5)))


def calendar_post(intervals=None, holidays=(), **fields) -> dict:
    data = {"name": "Support desk", "time_zone": "Europe/Berlin"}
    data |= rows("hours", WEEKDAYS_9_TO_5 if intervals is None else intervals)
    data |= rows("holidays", list(holidays))
    return data | fields


def calendar_edit_post(calendar: BusinessCalendar, intervals=None, holidays=None, **fields):
    """The edit form as the page shows it (nothing changed), with what is given changed."""
    shown = [
        {"weekday": str(i.weekday), "start": _hhmm(i.start_minute), "end": _hhmm(i.end_minute)}
        for i in calendar.intervals.all()
    ]
    days = [{"date": h.date.isoformat(), "name": h.name} for h in calendar.holidays.all()]
    data = {"name": calendar.name, "time_zone": calendar.time_zone, "version": calendar.version}
    data |= rows("hours", shown if intervals is None else intervals, initial=len(shown))
    data |= rows("holidays", days if holidays is None else holidays, initial=len(days))
    return data | fields


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def errors_of(html: str, testid: str) -> str:
    found = re.search(rf'data-testid="{testid}">(.*?)</(ul|div)>', html, re.S)
    return found.group(1) if found else ""


def audit_count(prefix: str) -> int:
    return AuditEvent.objects.filter(action__startswith=prefix).count()


def sla_terms() -> tuple:
    """Everything the pages could write, to prove a refusal wrote nothing."""
    return (
        list(SLAPolicy.objects.values_list("pk", "name", "calendar_id", "is_default", "version")),
        list(SLATarget.objects.values_list("policy_id", "priority", "response_minutes")),
        list(BusinessCalendar.objects.values_list("pk", "name", "time_zone", "version")),
        list(WorkingInterval.objects.values_list("calendar_id", "weekday", "start_minute")),
        list(Holiday.objects.values_list("calendar_id", "date", "name")),
        AuditEvent.objects.count(),
    )


# --- reading --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", READERS)
def test_staff_see_policies_with_their_targets_and_services_and_the_calendars(people, mail, role):
    html = browser_for(people[role]).get("/sla/").content.decode()
    row = html[html.index('id="policy-') :]
    assert "Gold" in row and "30 min" in row and "4 h" in row and "16 h" in row
    assert f'href="/services/{mail.pk}/">Mail</a>' in html
    assert "Office" in html and "Mon–Fri 09:00–17:00" in html and "40 h a week" in html
    assert "24x7" in html and "Mon–Sun 00:00–24:00" in html
    # Only the API's writers get the buttons.
    assert ("/sla/policies/new/" in html) == (role == "admin")
    assert ("/sla/calendars/new/" in html) == (role == "admin")


@pytest.mark.parametrize("role", READERS)
def test_staff_read_a_policy_and_a_calendar_page(people, mail, gold, office, role):
    reader = browser_for(people[role])
    policy = reader.get(f"/sla/policies/{gold.pk}/").content.decode()
    assert "Gold" in policy and "4 h" in policy and "(240 min)" in policy
    assert f"/services/{mail.pk}/" in policy and f"/sla/calendars/{office.pk}/" in policy
    calendar = reader.get(f"/sla/calendars/{office.pk}/").content.decode()
    assert "Europe/London" in calendar and "09:00–17:00" in calendar
    assert f"/sla/policies/{gold.pk}/" in calendar and f"/services/{mail.pk}/" in calendar
    writer = role == "admin"
    assert (f"/sla/policies/{gold.pk}/edit/" in policy) == writer
    assert (f"/sla/calendars/{office.pk}/edit/" in calendar) == writer
    assert ('data-testid="calendar-delete"' in calendar) == writer


@pytest.mark.parametrize("requester", ["requester", "requester_shared"])
def test_requesters_see_no_sla_page(people, gold, office, requester):
    client = browser_for(people[requester])
    for url in (
        "/sla/",
        f"/sla/policies/{gold.pk}/",
        f"/sla/calendars/{office.pk}/",
        f"/sla/calendars/{builtin().pk}/",
        "/sla/policies/new/",
        f"/sla/calendars/{office.pk}/edit/",
    ):
        assert client.get(url).status_code == 403, url


def test_a_policy_or_calendar_that_does_not_exist_is_404_for_staff(people):
    agent, admin = browser_for(people["agent"]), browser_for(people["admin"])
    assert agent.get("/sla/policies/999999/").status_code == 404
    assert agent.get("/sla/calendars/999999/").status_code == 404
    assert admin.get("/sla/calendars/999999/edit/").status_code == 404
    assert admin.post("/sla/policies/999999/delete/", {"version": "1"}).status_code == 404


def test_the_service_page_and_the_services_list_lead_to_the_sla_pages(people, mail, gold, office):
    staff = browser_for(people["agent"])
    page = staff.get(f"/services/{mail.pk}/").content.decode()
    assert f'href="/sla/policies/{gold.pk}/">Gold</a>' in page
    assert f'href="/sla/calendars/{office.pk}/">Office</a>' in page
    assert 'href="/sla/"' in staff.get("/services/").content.decode()
    requester = browser_for(people["requester"])
    assert "/sla/" not in requester.get("/services/").content.decode()


# --- who may write ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", NOT_WRITERS)
def test_staff_other_than_admins_may_not_change_or_delete(people, gold, office, role):
    """403 before the fields are read (a valid post), and nothing written."""
    client = browser_for(people[role])
    before = sla_terms()
    for url in ("/sla/policies/new/", f"/sla/policies/{gold.pk}/edit/", "/sla/calendars/new/"):
        assert client.get(url).status_code == 403, url
    assert client.get(f"/sla/calendars/{office.pk}/edit/").status_code == 403
    posts = {
        "/sla/policies/new/": policy_post(office),
        f"/sla/policies/{gold.pk}/edit/": policy_edit_post(gold, name="Mine"),
        f"/sla/policies/{gold.pk}/delete/": {"version": gold.version},
        "/sla/calendars/new/": calendar_post(),
        f"/sla/calendars/{office.pk}/edit/": calendar_edit_post(office, name="Mine"),
        f"/sla/calendars/{office.pk}/delete/": {"version": office.version},
    }
    for url, data in posts.items():
        assert client.post(url, data).status_code == 403, url
    assert sla_terms() == before


# --- policies ---------------------------------------------------------------------------------


def test_an_admin_adds_a_policy_typed_in_hours_and_minutes(people, office):
    admin = browser_for(people["admin"])
    form = admin.get("/sla/policies/new/").content.decode()
    assert 'name="targets-0-response_hours"' in form and 'name="targets-4-resolution_mins"' in form
    targets = {1: (15, 90), 2: (45, 150), 3: (60, 480), 4: (120, 960), 5: (480, 2400)}

    response = admin.post("/sla/policies/new/", policy_post(office, targets))

    added = SLAPolicy.objects.get(name="Silver")
    assert response.status_code == 302 and response["Location"] == f"/sla/policies/{added.pk}/"
    stored = {t.priority: (t.response_minutes, t.resolution_minutes) for t in added.targets.all()}
    assert stored == targets and added.calendar == office and not added.is_default
    audit = AuditEvent.objects.get(action="sla_policy.created", object_id=str(added.pk))
    assert audit.actor == people["admin"]
    assert audit.changes["targets"] == [None, [[p, *targets[p]] for p in range(1, 6)]]
    page = admin.get(response["Location"]).content.decode()
    assert "SLA policy “Silver” added." in page and "1 h 30 min" in page


def test_a_new_policy_starts_from_the_default_policys_targets(people, office):
    sla_policy("Standard", office, is_default=True, targets={p: (p * 60, p * 120) for p in GOLD})
    form = browser_for(people["admin"]).get("/sla/policies/new/").content.decode()
    assert "These start as the targets of Standard" in form
    assert 'name="targets-2-resolution_hours" value="6"' in form


def test_an_admin_changes_a_target_and_makes_the_policy_the_default(people, gold, office):
    old_default = sla_policy("Standard", office, is_default=True)
    admin = browser_for(people["admin"])
    form = admin.get(f"/sla/policies/{gold.pk}/edit/").content.decode()
    assert 'name="version" value="1"' in form and "takes the flag from “Standard”" in form

    data = policy_edit_post(gold, {**GOLD, 3: (45, 150)}, is_default="on")
    response = admin.post(f"/sla/policies/{gold.pk}/edit/", data)

    assert response.status_code == 302 and response["Location"] == f"/sla/policies/{gold.pk}/"
    gold.refresh_from_db()
    old_default.refresh_from_db()
    assert gold.version == 2 and gold.is_default and not old_default.is_default
    assert gold.targets.get(priority=3).resolution_minutes == 150
    audit = AuditEvent.objects.get(action="sla_policy.saved", object_id=str(gold.pk))
    assert audit.actor == people["admin"] and audit.changes["is_default"] == [False, True]
    assert audit.changes["targets"][1][2] == [3, 45, 150]
    history = admin.get(f"/sla/policies/{gold.pk}/edit/").content.decode()
    changed = re.search(r"changed ([a-z_, ]+)</li>", history).group(1)  # jsonb: any order
    assert sorted(changed.split(", ")) == ["is_default", "targets"]


@pytest.mark.parametrize(
    ("change", "testid", "reason"),
    [
        ({"2-resolution_hours": "0", "2-resolution_mins": ""}, "error-p3-resolution", "above zero"),
        ({"0-response_hours": "", "0-response_mins": ""}, "error-p1-response", "above zero"),
        ({"1-response_hours": "-1"}, "error-p2-response", "greater than or equal to 0"),
        ({"4-resolution_hours": "20000"}, "error-p5-resolution", "less than or equal to"),
        ({"1-priority": "1"}, "error-targets", "priority 1 is given twice, priority 2 has no row"),
        ({"1-priority": "9"}, "target-row", "Select a valid choice"),
    ],
)
def test_bad_targets_are_refused_beside_the_row_and_nothing_is_written(
    people, gold, change, testid, reason
):
    before = sla_terms()
    data = policy_edit_post(gold, name="Renamed") | {f"targets-{k}": v for k, v in change.items()}
    response = browser_for(people["admin"]).post(f"/sla/policies/{gold.pk}/edit/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert reason in html[html.index(f'data-testid="{testid}"') :]
    assert 'value="Renamed"' in html  # the rest as typed
    assert "Nothing was saved: the fields marked in red below say why." in html
    assert sla_terms() == before


def test_minutes_past_59_are_refused_in_favour_of_hours(people, gold):
    data = policy_edit_post(gold) | {"targets-0-response_mins": "90"}
    response = browser_for(people["admin"]).post(f"/sla/policies/{gold.pk}/edit/", data)
    assert response.status_code == 400
    assert "Minutes: Ensure this value is less than or equal to 59." in response.content.decode()


def test_a_policy_needs_a_name_not_taken_and_a_calendar(people, gold, office):
    admin = browser_for(people["admin"])
    before = sla_terms()
    response = admin.post("/sla/policies/new/", policy_post(office, name="Gold"))
    assert response.status_code == 400
    assert "already exists" in errors_of(response.content.decode(), "error-name")
    response = admin.post("/sla/policies/new/", policy_post(office) | {"calendar": ""})
    assert response.status_code == 400
    assert "This field is required." in errors_of(response.content.decode(), "error-calendar")
    assert sla_terms() == before


def test_a_stale_policy_edit_is_412_with_the_form_as_typed(people, gold):
    admin = browser_for(people["admin"])
    opened = policy_edit_post(gold, {**GOLD, 1: (20, 60)}, name="Gold (typed)")
    sla_actions.sla_policy_save(actor=people["admin"], policy=gold, name="Gold meanwhile")
    before = sla_terms()

    response = admin.post(f"/sla/policies/{gold.pk}/edit/", opened)

    assert response.status_code == 412
    html = response.content.decode()
    assert "Someone else saved this policy after you opened it (it is now version 2)" in html
    assert 'value="Gold (typed)"' in html and 'name="targets-0-response_mins" value="20"' in html
    assert 'name="version" value="2"' in html  # a second save overwrites knowingly
    assert sla_terms() == before

    again = admin.post(f"/sla/policies/{gold.pk}/edit/", opened | {"version": "2"})
    assert again.status_code == 302
    gold.refresh_from_db()
    assert gold.name == "Gold (typed)" and gold.version == 3


@pytest.mark.parametrize("version", [None, "", "0", "x", "²"])
def test_a_policy_edit_without_its_version_is_400_and_writes_nothing(people, gold, version):
    data = policy_edit_post(gold, name="Blind")
    if version is None:
        del data["version"]
    else:
        data["version"] = version
    before = sla_terms()
    response = browser_for(people["admin"]).post(f"/sla/policies/{gold.pk}/edit/", data)
    assert response.status_code == 400
    assert "Reload the page" in errors_of(response.content.decode(), "error-version")
    assert sla_terms() == before


def test_a_policy_in_use_is_not_deleted_and_the_refusal_names_the_services(people, gold, mail):
    ServiceFactory(name="Chat", sla_policy=gold)
    before = sla_terms()
    response = browser_for(people["admin"]).post(
        f"/sla/policies/{gold.pk}/delete/", {"version": gold.version}
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "The policy “Gold” cannot be deleted: it is used by services “Chat”, “Mail”." in html
    assert sla_terms() == before


def test_a_policy_that_incidents_were_given_is_not_deleted_either(people, gold):
    service = ServiceFactory(name="Chat", sla_policy=gold)
    actions.incident_open(actor=people["agent"], title="Down", service=service)
    service.sla_policy = None
    service.save()
    response = browser_for(people["admin"]).post(
        f"/sla/policies/{gold.pk}/delete/", {"version": gold.version}
    )
    assert response.status_code == 409
    assert "it is used by incident “INC" in response.content.decode()
    assert SLAPolicy.objects.filter(pk=gold.pk).exists()


def test_an_unused_policy_is_deleted_with_an_audit_row(people, office):
    spare = sla_policy("Spare", office)
    admin = browser_for(people["admin"])
    missing = admin.post(f"/sla/policies/{spare.pk}/delete/", {})
    assert missing.status_code == 400 and SLAPolicy.objects.filter(pk=spare.pk).exists()
    stale = admin.post(f"/sla/policies/{spare.pk}/delete/", {"version": "7"})
    assert stale.status_code == 412 and "it was not deleted" in stale.content.decode()

    response = admin.post(f"/sla/policies/{spare.pk}/delete/", {"version": spare.version})

    assert response.status_code == 302 and response["Location"] == "/sla/#policies"
    assert not SLAPolicy.objects.filter(pk=spare.pk).exists()
    audit = AuditEvent.objects.get(action="sla_policy.deleted", object_id=str(spare.pk))
    assert audit.actor == people["admin"] and audit.changes["name"] == ["Spare", None]
    assert "SLA policy “Spare” deleted." in admin.get("/sla/").content.decode()


def test_delete_and_the_forms_answer_only_their_methods(people, gold):
    admin = browser_for(people["admin"])
    assert admin.get(f"/sla/policies/{gold.pk}/delete/").status_code == 405
    assert admin.put(f"/sla/policies/{gold.pk}/edit/").status_code == 405


# --- calendars -----------------------------------------------------------------------------


def test_a_new_calendar_starts_with_office_hours(people):
    html = browser_for(people["admin"]).get("/sla/calendars/new/").content.decode()
    assert html.count('data-testid="hours-row"') == 6  # Mon–Fri and an empty one
    assert 'name="hours-0-start" value="09:00"' in html


def test_a_new_calendar_saved_as_offered_keeps_the_offered_office_hours(people):
    """Rows left as the form offered them are rows, not empty extras."""
    response = browser_for(people["admin"]).post("/sla/calendars/new/", calendar_post())
    assert response.status_code == 302
    added = BusinessCalendar.objects.get(name="Support desk")
    assert list(added.intervals.values_list("weekday", "start_minute", "end_minute")) == [
        (d, 540, 1020) for d in range(5)
    ]


def test_an_admin_adds_a_calendar_with_a_lunch_break_and_holidays(people):
    admin = browser_for(people["admin"])
    split = hours(
        *((d, "09:00", "12:30") for d in range(5)),
        *((d, "13:30", "17:30") for d in range(5)),
        (5, "9:00", "13:00"),  # an hour without its leading zero
    )
    split.append({"weekday": "", "start": "", "end": ""})  # the empty row is ignored
    holidays = [
        {"date": "2026-12-25", "name": "Christmas Day"},
        {"date": "2026-12-31", "name": "Dropped", "DELETE": "on"},
        {"date": "", "name": ""},
    ]
    response = admin.post("/sla/calendars/new/", calendar_post(split, holidays))

    added = BusinessCalendar.objects.get(name="Support desk")
    assert response.status_code == 302 and response["Location"] == f"/sla/calendars/{added.pk}/"
    assert added.time_zone == "Europe/Berlin"
    assert list(added.intervals.values_list("weekday", "start_minute", "end_minute"))[:3] == [
        (0, 540, 750),
        (0, 810, 1050),
        (1, 540, 750),
    ]
    assert added.intervals.filter(weekday=5).get().start_minute == 540
    assert list(added.holidays.values_list("date", "name")) == [
        (date(2026, 12, 25), "Christmas Day")
    ]
    audit = AuditEvent.objects.get(action="calendar.created", object_id=str(added.pk))
    assert audit.actor == people["admin"] and len(audit.changes["intervals"][1]) == 11
    page = admin.get(response["Location"]).content.decode()
    assert "Calendar “Support desk” added." in page and "13:30–17:30" in page
    assert "Mon–Fri 09:00–12:30, 13:30–17:30" in admin.get("/sla/").content.decode()


def test_add_a_row_redraws_the_form_with_one_more_row_and_saves_nothing(people, office):
    admin = browser_for(people["admin"])
    before = sla_terms()
    data = calendar_edit_post(office, name="") | {"_more_hours": "1"}
    response = admin.post(f"/sla/calendars/{office.pk}/edit/", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('data-testid="hours-row"') == 6 and 'name="hours-5-start"' in html
    assert "This field is required." not in html  # no errors until a save
    response = admin.post(
        f"/sla/calendars/{office.pk}/edit/", calendar_edit_post(office) | {"_more_holidays": "1"}
    )
    assert response.content.decode().count('data-testid="holiday-row"') == 1
    assert sla_terms() == before


@pytest.mark.parametrize(
    ("intervals", "holidays", "testid", "reason"),
    [
        ([], None, "error-intervals", "Give at least one working interval"),
        (
            [{"weekday": "", "start": "", "end": ""}],
            None,
            "error-intervals",
            "Give at least one working interval",
        ),
        (hours((0, "17:00", "09:00")), None, "error-hours-1-end", "must be after the start"),
        (hours((0, "09:00", "09:00")), None, "error-hours-1-end", "must be after the start"),
        (hours((0, "9am", "17:00")), None, "error-hours-1-start", "HH:MM on a 24-hour clock"),
        (hours((0, "09:00", "24:30")), None, "error-hours-1-end", "HH:MM on a 24-hour clock"),
        (hours((0, "24:00", "24:00")), None, "error-hours-1-start", "cannot start at 24:00"),
        (hours((0, "0９:00", "17:00")), None, "error-hours-1-start", "HH:MM on a 24-hour clock"),
        (hours(("", "09:00", "17:00")), None, "error-hours-1-weekday", "Choose the day."),
        (hours((0, "09:00", "")), None, "error-hours-1-end", "Give the end."),
        (
            WEEKDAYS_9_TO_5,
            [{"date": "2026-12-25", "name": "a"}, {"date": "2026-12-25", "name": "b"}],
            "error-holidays-2-date",
            "2026-12-25 is already row 1",
        ),
        (WEEKDAYS_9_TO_5, [{"date": "", "name": "Boxing Day"}], "error-holidays-1-date", "date"),
        (WEEKDAYS_9_TO_5, [{"date": "25/12/2026", "name": "x"}], "error-holidays-1-date", "valid"),
    ],
)
def test_bad_hours_and_holidays_are_refused_beside_the_row_and_nothing_is_written(
    people, office, intervals, holidays, testid, reason
):
    before = sla_terms()
    data = calendar_edit_post(office, intervals, holidays, name="Renamed")
    response = browser_for(people["admin"]).post(f"/sla/calendars/{office.pk}/edit/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert reason in errors_of(html, testid), html[html.find("errorlist") - 200 :][:800]
    assert 'value="Renamed"' in html and "Nothing was saved" in html
    assert sla_terms() == before


def test_an_unknown_time_zone_is_refused(people):
    before = sla_terms()
    response = browser_for(people["admin"]).post(
        "/sla/calendars/new/", calendar_post(time_zone="Mars/Olympus")
    )
    assert response.status_code == 400
    assert "Select a valid choice" in errors_of(response.content.decode(), "error-time_zone")
    assert sla_terms() == before


def test_an_admin_changes_a_calendars_hours_with_an_audit_row(people, office):
    admin = browser_for(people["admin"])
    data = calendar_edit_post(
        office,
        hours((0, "08:00", "18:00"), (5, "10:00", "24:00")),
        [{"date": "2026-05-01", "name": "May Day"}],
        time_zone="Europe/Dublin",
    )
    response = admin.post(f"/sla/calendars/{office.pk}/edit/", data)
    assert response.status_code == 302 and response["Location"] == f"/sla/calendars/{office.pk}/"
    office.refresh_from_db()
    assert office.version == 2 and office.time_zone == "Europe/Dublin"
    assert list(office.intervals.values_list("weekday", "start_minute", "end_minute")) == [
        (0, 480, 1080),
        (5, 600, 1440),
    ]
    audit = AuditEvent.objects.get(action="calendar.saved", object_id=str(office.pk))
    assert audit.actor == people["admin"]
    assert audit.changes["time_zone"] == ["Europe/London", "Europe/Dublin"]
    assert audit.changes["intervals"][1] == [[0, 480, 1080], [5, 600, 1440]]
    assert audit.changes["holidays"] == [[], [["2026-05-01", "May Day"]]]
    assert "name" not in audit.changes
    page = admin.get(f"/sla/calendars/{office.pk}/").content.decode()
    assert "10:00–24:00" in page and "May Day" in page


def test_a_stale_calendar_edit_is_412_with_the_rows_as_typed(people, office):
    admin = browser_for(people["admin"])
    opened = calendar_edit_post(office, hours((2, "07:15", "15:45")))
    sla_actions.calendar_save(actor=people["admin"], calendar=office, name="Office meanwhile")
    before = sla_terms()

    response = admin.post(f"/sla/calendars/{office.pk}/edit/", opened)

    assert response.status_code == 412
    html = response.content.decode()
    assert "Someone else saved this calendar after you opened it (it is now version 2)" in html
    assert 'value="07:15"' in html and 'value="15:45"' in html
    assert 'name="version" value="2"' in html
    assert sla_terms() == before


@pytest.mark.parametrize("version", [None, "", "0", "abc"])
def test_a_calendar_edit_without_its_version_is_400_and_writes_nothing(people, office, version):
    data = calendar_edit_post(office, name="Blind")
    if version is None:
        del data["version"]
    else:
        data["version"] = version
    before = sla_terms()
    response = browser_for(people["admin"]).post(f"/sla/calendars/{office.pk}/edit/", data)
    assert response.status_code == 400
    assert "Reload the page" in errors_of(response.content.decode(), "error-version")
    assert sla_terms() == before


def test_a_calendar_in_use_is_not_deleted_and_the_refusal_names_its_users(people, mail, office):
    before = sla_terms()
    response = browser_for(people["admin"]).post(
        f"/sla/calendars/{office.pk}/delete/", {"version": office.version}
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "The calendar “Office” cannot be deleted: it is used by" in html
    assert "SLA policy “Gold”" in html and "service “Mail”" in html
    assert sla_terms() == before


def test_an_unused_calendar_is_deleted_with_an_audit_row(people):
    spare = office_calendar("Spare")
    response = browser_for(people["admin"]).post(
        f"/sla/calendars/{spare.pk}/delete/", {"version": spare.version}
    )
    assert response.status_code == 302 and response["Location"] == "/sla/#calendars"
    assert not BusinessCalendar.objects.filter(pk=spare.pk).exists()
    audit = AuditEvent.objects.get(action="calendar.deleted", object_id=str(spare.pk))
    assert audit.actor == people["admin"] and audit.changes["time_zone"] == ["Europe/London", None]


def test_the_builtin_calendar_is_read_only(people):
    locked = builtin()
    admin = browser_for(people["admin"])
    page = admin.get(f"/sla/calendars/{locked.pk}/").content.decode()
    assert "cannot be changed or deleted" in page and "Mon" not in page.split("Working week")[0]
    assert f"/sla/calendars/{locked.pk}/edit/" not in page
    assert 'data-testid="calendar-delete"' not in page
    before = sla_terms()
    assert admin.get(f"/sla/calendars/{locked.pk}/edit/").status_code == 409
    response = admin.post(
        f"/sla/calendars/{locked.pk}/edit/",
        calendar_edit_post(locked, hours((0, "09:00", "17:00"))),
    )
    assert response.status_code == 409
    assert "The built-in 24x7 calendar cannot be changed or deleted." in response.content.decode()
    assert admin.post(f"/sla/calendars/{locked.pk}/delete/", {"version": "1"}).status_code == 409
    assert browser_for(people["agent"]).get(f"/sla/calendars/{locked.pk}/edit/").status_code == 403
    assert sla_terms() == before


# --- a saved change is live ------------------------------------------------------------------


def london(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def open_p3(people, service, opened_at):
    """Impact 2 + urgency 2: priority 3 (Gold: 4 h to resolve)."""
    return actions.incident_open(
        actor=people["agent"],
        requester=people["requester"],
        title="Mail slow",
        service=service,
        impact=2,
        urgency=2,
        opened_at=opened_at,
    )


def test_edited_hours_and_targets_give_the_next_incident_new_due_times(people, mail, office, gold):
    """Opened Friday 10 Jan 2025 16:00: Gold's 4 h (P3) are Friday 16–17 and Monday 09–12.
    With Saturday 09:00–17:00 added, the other 3 h are Saturday 09–12; with P3's target then
    cut to 2 h, Friday 16–17 and Saturday 09–10. Earlier incidents keep theirs."""
    friday = london(2025, 1, 10, 16, 0)
    first = open_p3(people, mail, friday)
    assert first.resolution_due == london(2025, 1, 13, 12, 0)
    admin = browser_for(people["admin"])

    with_saturday = hours(*((d, "09:00", "17:00") for d in range(6)))
    response = admin.post(
        f"/sla/calendars/{office.pk}/edit/", calendar_edit_post(office, with_saturday)
    )
    assert response.status_code == 302
    second = open_p3(people, mail, friday)
    assert second.resolution_due == london(2025, 1, 11, 12, 0)

    response = admin.post(
        f"/sla/policies/{gold.pk}/edit/", policy_edit_post(gold, {**GOLD, 3: (60, 120)})
    )
    assert response.status_code == 302
    third = open_p3(people, mail, friday)
    assert third.resolution_due == london(2025, 1, 11, 10, 0)
    first.refresh_from_db()
    assert first.resolution_due == london(2025, 1, 13, 12, 0)


def test_a_renamed_default_policy_shows_at_once_on_the_pages_that_keep_it(people, office):
    """The service page reads the default policy from the rows a worker keeps
    (servicedesk.catalogue): the save moves their stamp."""
    standard = sla_policy("Standard", office, is_default=True)
    plain = ServiceFactory(name="Wiki")
    agent = browser_for(people["agent"])
    assert "Standard" in agent.get(f"/services/{plain.pk}/").content.decode()
    response = browser_for(people["admin"]).post(
        f"/sla/policies/{standard.pk}/edit/", policy_edit_post(standard, name="Bronze")
    )
    assert response.status_code == 302
    page = agent.get(f"/services/{plain.pk}/").content.decode()
    assert f'href="/sla/policies/{standard.pk}/">Bronze</a>' in page


# --- statements -------------------------------------------------------------------------------


def test_the_pages_statements_do_not_grow_with_policies_calendars_services_and_rows(
    people, office, gold, django_assert_max_num_queries
):
    """2 more policies, calendars (with holidays and hours) and services, then 6 more: the same
    statements for the list, each page and each form (see test_statement_budgets)."""
    admin = browser_for(people["admin"])
    counts = []
    for batch in (2, 6):
        for n in range(batch):
            tag = f"{len(counts)}-{n}"
            cal = office_calendar(f"Cal {tag}", holidays=[date(2030, 1, 1 + n)])
            policy = sla_policy(f"Policy {tag}", cal)
            ServiceFactory(name=f"Svc {tag}", sla_policy=policy, service_hours=office)
            ServiceFactory(name=f"Hours {tag}", sla_policy=gold, service_hours=cal)
            sla_actions.calendar_save(
                actor=people["admin"],
                calendar=office,
                holidays=[(date(2031, 1, 1 + i), f"Day {i}") for i in range(len(counts) + n)],
            )
            sla_actions.sla_policy_save(actor=people["admin"], policy=gold, name=f"Gold {tag}")
        found = []
        budgets = {
            "/sla/": LIST,
            f"/sla/policies/{gold.pk}/": DETAIL,
            f"/sla/calendars/{office.pk}/": DETAIL,
            f"/sla/calendars/{builtin().pk}/": DETAIL,
            f"/sla/policies/{gold.pk}/edit/": DETAIL,
            f"/sla/calendars/{office.pk}/edit/": DETAIL,
            "/sla/policies/new/": DETAIL,
            "/sla/calendars/new/": DETAIL,
        }
        for url, budget in budgets.items():
            count, _ = _counted_get(admin, url, budget, django_assert_max_num_queries)
            found.append(count)
        listing = admin.get("/sla/").content.decode()
        assert listing.count('data-testid="sla-policy-row"') == SLAPolicy.objects.count()
        assert listing.count('data-testid="calendar-row"') == BusinessCalendar.objects.count()
        counts.append(found)
    assert counts[0] == counts[1], counts


def test_unticking_the_default_policy_services_run_on_is_refused_beside_the_box(people, office):
    """Services that name no policy run on the default one: unticking it would leave them
    without an SLA, so the form comes back (400) saying so, and nothing is saved."""
    standard = sla_policy("Standard", office, is_default=True)
    ServiceFactory(name="Payroll", sla_policy=None)
    data = policy_edit_post(standard)
    del data["is_default"]
    response = browser_for(people["admin"]).post(f"/sla/policies/{standard.pk}/edit/", data)
    assert response.status_code == 400
    assert "is the default policy of service “Payroll” (by default)" in response.content.decode()
    standard.refresh_from_db()
    assert standard.is_default and standard.version == 1
