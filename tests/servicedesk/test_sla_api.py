"""Calendars, SLA policies and service costs through the API: roles and validation."""

import pytest

from core.models import AuditEvent
from servicedesk.models import BusinessCalendar, ServiceCost, SLAPolicy
from tests.conftest import assert_status, client_for
from tests.servicedesk.factories import ServiceFactory, office_calendar, sla_policy

pytestmark = pytest.mark.django_db
CALENDARS = "/api/v1/calendars/"
POLICIES = "/api/v1/sla-policies/"
OFFICE = {
    "name": "Office hours London",
    "time_zone": "Europe/London",
    "intervals": [{"weekday": d, "start": "09:00", "end": "12:30"} for d in range(5)]
    + [{"weekday": d, "start": "13:30", "end": "17:30"} for d in range(5)],
    "holidays": [{"date": "2026-12-25", "name": "Christmas Day"}],
}
TARGETS = [
    {"priority": p, "response_minutes": 15 * p, "resolution_minutes": 120 * p} for p in range(1, 6)
]


def test_the_builtin_24x7_calendar_exists_and_is_locked(people):
    builtin = BusinessCalendar.objects.get(is_builtin=True)
    body = assert_status(people["agent"], "get", f"{CALENDARS}{builtin.pk}/", 200).json()
    assert body["name"] == "24x7" and body["time_zone"] == "UTC" and len(body["intervals"]) == 7
    assert body["intervals"][0] == {"weekday": 0, "start": "00:00", "end": "24:00"}
    assert_status(people["admin"], "patch", f"{CALENDARS}{builtin.pk}/", 409, {"name": "x"})
    assert_status(people["admin"], "delete", f"{CALENDARS}{builtin.pk}/", 409)


@pytest.mark.parametrize(
    ("who", "read", "write"),
    [("admin", 200, 201), ("agent", 200, 403), ("manager", 200, 403), ("requester", 403, 403)],
)
def test_calendar_and_policy_roles(people, who, read, write):
    assert_status(people[who], "get", CALENDARS, read)
    assert_status(people[who], "get", POLICIES, read)
    created = assert_status(people[who], "post", CALENDARS, write, OFFICE)
    if write == 201:
        policy = {"name": "Std", "calendar": created.json()["id"], "targets": TARGETS}
        assert_status(people[who], "post", POLICIES, 201, policy)


def test_admin_creates_a_calendar_with_split_days_and_holidays(people):
    body = assert_status(people["admin"], "post", CALENDARS, 201, OFFICE).json()
    assert len(body["intervals"]) == 10 and body["holidays"][0]["date"] == "2026-12-25"
    assert {"weekday": 0, "start": "13:30", "end": "17:30"} in body["intervals"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"intervals": []}, "intervals"),
        ({"intervals": [{"weekday": 7, "start": "09:00", "end": "17:00"}]}, "intervals"),
        ({"intervals": [{"weekday": 1, "start": "17:00", "end": "09:00"}]}, "intervals"),
        ({"intervals": [{"weekday": 1, "start": "9am", "end": "17:00"}]}, "intervals"),
        ({"intervals": [{"weekday": 1, "start": "09:00", "end": "24:30"}]}, "intervals"),
        (
            {
                "intervals": [
                    {"weekday": 0, "start": "09:00", "end": "17:00"},
                    {"weekday": 0, "start": "12:00", "end": "18:00"},
                ]
            },
            "intervals",
        ),
        (
            {"holidays": [{"date": "2026-12-25"}, {"date": "2026-12-25", "name": "again"}]},
            "holidays",
        ),
    ],
)
def test_bad_calendars_are_400_naming_the_field(people, change, field):
    response = assert_status(people["admin"], "post", CALENDARS, 400, {**OFFICE, **change})
    assert field in response.json()["fields"]
    assert not BusinessCalendar.objects.filter(name=OFFICE["name"]).exists()


def test_changing_a_calendar_changes_the_clock_at_once(people):
    """The per-process calendar cache keys on updated_at: a PATCH is seen immediately."""
    from servicedesk.sla import calendar_for

    cal = office_calendar()
    before = calendar_for(cal)
    assert_status(
        people["admin"],
        "patch",
        f"{CALENDARS}{cal.pk}/",
        200,
        {"intervals": [{"weekday": 0, "start": "08:00", "end": "18:00"}], "version": cal.version},
    )
    cal.refresh_from_db()
    after = calendar_for(cal)
    assert before.intervals != after.intervals and after.intervals == ((0, 480, 1080),)


def test_a_calendar_in_use_cannot_be_deleted(people):
    cal = office_calendar()
    sla_policy("Std", cal)
    assert_status(people["admin"], "delete", f"{CALENDARS}{cal.pk}/", 409, {"version": 1})
    spare = office_calendar("Spare")
    assert_status(people["admin"], "delete", f"{CALENDARS}{spare.pk}/", 204, {"version": 1})


@pytest.mark.parametrize(
    "targets",
    [
        TARGETS[:4],
        [*TARGETS[:4], {**TARGETS[0]}],
        [*TARGETS[:4], {"priority": 6, "response_minutes": 1, "resolution_minutes": 1}],
        [*TARGETS[:4], {"priority": 5, "response_minutes": 0, "resolution_minutes": 10}],
        [],
    ],
)
def test_policies_need_exactly_one_positive_target_per_priority(people, targets):
    cal = office_calendar()
    response = assert_status(
        people["admin"],
        "post",
        POLICIES,
        400,
        {"name": "P", "calendar": cal.pk, "targets": targets},
    )
    assert "targets" in response.json()["fields"]


def test_making_a_policy_default_takes_the_flag_from_the_old_one(people):
    cal = office_calendar()
    old = sla_policy("Old", cal, is_default=True)
    body = assert_status(
        people["admin"],
        "post",
        POLICIES,
        201,
        {"name": "New", "calendar": cal.pk, "is_default": True, "targets": TARGETS},
    ).json()
    old.refresh_from_db()
    assert old.is_default is False and SLAPolicy.objects.get(pk=body["id"]).is_default
    # Losing the flag is a change of the old default: its version moves, and it is audited.
    assert old.version == 2
    audit = AuditEvent.objects.get(action="sla_policy.saved", object_id=str(old.pk))
    assert audit.actor == people["admin"] and audit.changes == {"is_default": [True, False]}


def test_a_save_based_on_the_old_default_cannot_take_the_flag_back(people):
    """Admin A opened the default policy (version 1); admin B made another one the default;
    A's save, still ticked "default" and based on version 1, is stale (412), not a silent
    take-back."""
    cal = office_calendar()
    old = sla_policy("Old", cal, is_default=True)
    new = sla_policy("New", cal)
    assert_status(
        people["admin"], "patch", f"{POLICIES}{new.pk}/", 200, {"is_default": True, "version": 1}
    )
    assert_status(
        people["admin"],
        "patch",
        f"{POLICIES}{old.pk}/",
        412,
        {"name": "Old, renamed", "is_default": True, "version": 1},
    )
    assert list(SLAPolicy.objects.filter(is_default=True)) == [new]


def test_the_default_policy_stays_while_services_run_on_it_by_default(people):
    """Services that name no policy run on the default one: deleting it (409) or unticking
    it (400) would leave them without any SLA; both name the services and change nothing."""
    cal = office_calendar()
    default = sla_policy("Standard", cal, is_default=True)
    ServiceFactory(name="Payroll", sla_policy=None)
    url = f"{POLICIES}{default.pk}/"
    refused = assert_status(people["admin"], "delete", url, 409, {"version": 1}).json()
    assert "service “Payroll” (by default)" in refused["detail"]
    untick = assert_status(
        people["admin"], "patch", url, 400, {"is_default": False, "version": 1}
    ).json()
    assert "Payroll" in untick["fields"]["is_default"][0]
    default.refresh_from_db()
    assert default.is_default and default.version == 1
    assert not AuditEvent.objects.filter(object_id=str(default.pk)).exclude(
        action="sla_policy.created"
    )
    # Once another policy is the default, the old one may go.
    sla_policy("Gold", cal, is_default=False)
    gold = SLAPolicy.objects.get(name="Gold")
    assert_status(
        people["admin"], "patch", f"{POLICIES}{gold.pk}/", 200, {"is_default": True, "version": 1}
    )
    assert_status(people["admin"], "delete", url, 204, {"version": 2})


@pytest.mark.parametrize("kind", ["calendar", "policy"])
def test_a_delete_needs_the_version_it_was_based_on(people, kind):
    """As the pages ask: 428 without a version, 412 when someone saved first; neither
    deletes. The current version (or If-Match) goes through."""
    cal = office_calendar()
    obj = cal if kind == "calendar" else sla_policy("Spare", office_calendar("Other"))
    url = f"{CALENDARS if kind == 'calendar' else POLICIES}{obj.pk}/"
    assert_status(people["admin"], "delete", url, 428)
    assert_status(people["admin"], "delete", url, 412, {"version": 99})
    assert_status(people["admin"], "delete", url, 400, {"version": "one"})
    assert type(obj).objects.filter(pk=obj.pk).exists()
    response = client_for(people["admin"]).delete(url, HTTP_IF_MATCH=f'"{obj.version}"')
    assert response.status_code == 204 and not type(obj).objects.filter(pk=obj.pk).exists()


def test_patch_policy_targets_replaces_them(people):
    policy = sla_policy("Std", office_calendar())
    body = assert_status(
        people["admin"],
        "patch",
        f"{POLICIES}{policy.pk}/",
        200,
        {"targets": TARGETS, "version": policy.version},
    ).json()
    assert body["targets"][0] == {"priority": 1, "response_minutes": 15, "resolution_minutes": 120}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (
            {"targets": [{k: v for k, v in t.items() if k != "priority"} for t in TARGETS]},
            "priority",
        ),
        ({"targets": [{"priority": p} for p in range(1, 6)]}, "response_minutes"),
    ],
)
def test_a_patch_with_incomplete_targets_is_400_and_keeps_the_old_ones(people, change, field):
    """A PATCH may leave out the policy's fields, not a target's: each target is whole."""
    policy = sla_policy("Std", office_calendar())
    before = list(policy.targets.values_list("priority", "response_minutes"))
    body = assert_status(people["admin"], "patch", f"{POLICIES}{policy.pk}/", 400, change).json()
    assert field in str(body)
    assert list(policy.targets.values_list("priority", "response_minutes")) == before


def test_a_patch_of_a_calendar_needs_whole_intervals_and_fills_a_holidays_name(people):
    """An interval without its end is 400 and changes nothing; a holiday without a name gets
    the empty name a new calendar's would."""
    cal = assert_status(people["admin"], "post", CALENDARS, 201, OFFICE).json()
    url = f"{CALENDARS}{cal['id']}/"
    body = assert_status(
        people["admin"], "patch", url, 400, {"intervals": [{"weekday": 0, "start": "08:00"}]}
    ).json()
    assert "end" in str(body)
    assert_status(people["admin"], "patch", url, 400, {"intervals": [], "version": cal["version"]})
    assert assert_status(people["admin"], "get", url, 200).json()["intervals"] == cal["intervals"]
    body = assert_status(
        people["admin"],
        "patch",
        url,
        200,
        {"holidays": [{"date": "2026-12-26"}], "version": cal["version"]},
    ).json()
    assert body["holidays"] == [{"date": "2026-12-26", "name": ""}]


@pytest.mark.parametrize("kind", ["calendar", "policy"])
def test_a_patch_needs_the_version_it_was_based_on(people, kind):
    """Like every update: 428 without a version, 412 when someone saved first; neither
    writes. The current version (or its ETag-style If-Match) goes through."""
    cal = office_calendar()
    obj = cal if kind == "calendar" else sla_policy("Std", cal)
    url = f"{CALENDARS if kind == 'calendar' else POLICIES}{obj.pk}/"
    assert_status(people["admin"], "patch", url, 428, {"name": "Renamed"})
    assert_status(people["admin"], "patch", url, 412, {"name": "Renamed", "version": 99})
    obj.refresh_from_db()
    assert obj.name != "Renamed"
    body = assert_status(
        people["admin"], "patch", url, 200, {"name": "Renamed", "version": obj.version}
    ).json()
    assert body["name"] == "Renamed" and body["version"] == obj.version + 1


def test_owner_assigns_a_policy_and_service_hours_to_their_service(people):
    service = ServiceFactory(name="Mail", owner=people["service_owner"])
    cal = office_calendar()
    policy = sla_policy("Std", cal)
    body = assert_status(
        people["service_owner"],
        "patch",
        f"/api/v1/services/{service.pk}/",
        200,
        {"version": service.version, "sla_policy": policy.pk, "service_hours": cal.pk},
    ).json()
    assert (body["sla_policy"], body["service_hours"]) == (policy.pk, cal.pk)


@pytest.mark.parametrize(("who", "expected"), [("agent", 400), ("requester", 400), ("admin", 200)])
def test_a_service_is_owned_by_someone_who_may_run_it(people, who, expected):
    """The API offers what the browser's form offers: an active service owner or admin (an
    agent or a requester as owner is a 400 naming `owner`, nothing written); creating one
    likewise. An owner the service already has may stay while other fields change."""
    service = ServiceFactory(name="Mail", owner=people["service_owner"])
    url = f"/api/v1/services/{service.pk}/"
    body = {"version": service.version, "owner": people[who].pk}
    answer = assert_status(people["admin"], "patch", url, expected, body).json()
    service.refresh_from_db()
    if expected == 400:
        assert "owner" in answer["fields"] and service.owner == people["service_owner"]
        created = {"name": "Print", "owner": people[who].pk}
        assert_status(people["admin"], "post", "/api/v1/services/", 400, created)
    else:
        assert service.owner == people["admin"]


def test_an_owner_who_has_left_stays_while_other_fields_change(people):
    service = ServiceFactory(name="Mail", owner=people["service_owner"])
    people["service_owner"].is_active = False
    people["service_owner"].save()
    body = {"version": service.version, "owner": service.owner_id, "description": "Mail."}
    assert_status(people["admin"], "patch", f"/api/v1/services/{service.pk}/", 200, body)
    service.refresh_from_db()
    assert service.description == "Mail." and service.owner == people["service_owner"]


# --- service costs --------------------------------------------------------------------------


@pytest.fixture
def service(people):
    return ServiceFactory(name="Payroll", owner=people["service_owner"])


COST = {"period_month": "2026-01-01", "category": "licence", "amount": "1200.50", "currency": "EUR"}


@pytest.mark.parametrize(
    ("who", "read", "write"),
    [
        ("service_owner", 200, 201),
        ("admin", 200, 201),
        ("agent", 200, 403),
        ("manager", 200, 403),
        ("requester", 403, 403),
    ],
)
def test_cost_roles(people, service, who, read, write):
    url = f"/api/v1/services/{service.pk}/costs/"
    assert_status(people[who], "get", url, read)
    assert_status(people[who], "post", url, write, COST)


def test_another_owner_may_not_write_costs(people):
    theirs = ServiceFactory(name="Theirs")
    assert_status(
        people["service_owner"], "post", f"/api/v1/services/{theirs.pk}/costs/", 403, COST
    )


def test_costs_are_decimal_and_month_aligned(people, service):
    url = f"/api/v1/services/{service.pk}/costs/"
    body = assert_status(people["service_owner"], "post", url, 201, COST).json()
    assert body["amount"] == "1200.50" and body["category"] == "licence"
    assert ServiceCost.objects.get().amount.as_tuple().exponent == -2
    bad = assert_status(people["admin"], "post", url, 400, {**COST, "period_month": "2026-01-15"})
    assert "period_month" in bad.json()["fields"]
    assert_status(people["admin"], "post", url, 400, {**COST, "category": "snacks"})
    assert_status(people["admin"], "post", url, 400, {**COST, "currency": "euro"})
    assert_status(people["admin"], "patch", f"{url}{body['id']}/", 200, {"amount": "99.99"})
    assert_status(people["admin"], "delete", f"{url}{body['id']}/", 204)
    assert not ServiceCost.objects.exists()


def test_overlapping_hours_on_a_day_are_refused_naming_them_touching_ones_are_fine(people):
    """Monday 09:00–17:00 and 12:00–18:00 would show 14 h of a 9 h day; refused (400)
    saying which; 09:00–12:00 and 12:00–17:00 on one day is one stretch, as typed."""
    overlap = {
        **OFFICE,
        "intervals": [
            {"weekday": 0, "start": "09:00", "end": "17:00"},
            {"weekday": 0, "start": "12:00", "end": "18:00"},
        ],
    }
    refused = assert_status(people["admin"], "post", CALENDARS, 400, overlap).json()
    assert refused["fields"]["intervals"] == [
        "Monday 09:00–17:00 and 12:00–18:00 overlap: give each working stretch once."
    ]
    assert not BusinessCalendar.objects.filter(name=OFFICE["name"]).exists()
    touching = {
        **OFFICE,
        "intervals": [
            {"weekday": 0, "start": "09:00", "end": "12:00"},
            {"weekday": 0, "start": "12:00", "end": "17:00"},
        ],
    }
    assert_status(people["admin"], "post", CALENDARS, 201, touching)
