"""Outages and availability through the API: worked examples checked by hand.

Service hours for most examples: "Office", Mon–Fri 09:00–17:00 Europe/London. The window
is Monday 6 Jan 2025 00:00 to Saturday 11 Jan 00:00 (UTC = London in winter): five
days of 8 hours = 2,400 agreed minutes before any planned outage.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.models import AuditEvent
from servicedesk.models import Outage
from tests.conftest import assert_status
from tests.servicedesk.factories import ServiceFactory, office_calendar

pytestmark = pytest.mark.django_db
WINDOW = "start=2025-01-06T00:00:00Z&end=2025-01-11T00:00:00Z"


@pytest.fixture
def service(people):
    return ServiceFactory(
        name="Payroll", owner=people["service_owner"], service_hours=office_calendar()
    )


def outage(service, start, end, kind="unplanned"):
    return Outage.objects.create(
        service=service,
        started_at=f"2025-01-{start}:00Z",
        ended_at=f"2025-01-{end}:00Z" if end else None,
        kind=kind,
    )


def availability(people, service, query=WINDOW, expected=200):
    return assert_status(
        people["agent"], "get", f"/api/v1/services/{service.pk}/availability/?{query}", expected
    ).json()


def test_no_outages_is_100_percent(people, service):
    assert availability(people, service) == {
        "service": service.pk,
        "start": "2025-01-06T00:00:00Z",
        "end": "2025-01-11T00:00:00Z",
        "agreed_minutes": "2400.000",
        "downtime_minutes": "0.000",
        "availability_pct": "100.000",
    }


def test_overlapping_outages_are_counted_once(people, service):
    """Tuesday 10:00–12:00 and 11:00–13:00 overlap: together 10:00–13:00 = 180 min down.
    (2400 − 180) ÷ 2400 × 100 = 92.5%."""
    outage(service, "07T10:00", "07T12:00")
    outage(service, "07T11:00", "07T13:00")
    body = availability(people, service)
    assert (body["downtime_minutes"], body["availability_pct"]) == ("180.000", "92.500")


def test_an_outage_partly_outside_service_hours_counts_only_inside_them(people, service):
    """Wednesday 16:00 to Thursday 10:00: only Wednesday 16:00–17:00 and Thursday
    09:00–10:00 are service hours → 120 min down; (2400 − 120) ÷ 2400 = 95.000%."""
    outage(service, "08T16:00", "09T10:00")
    body = availability(people, service)
    assert (body["downtime_minutes"], body["availability_pct"]) == ("120.000", "95.000")


def test_a_planned_outage_reduces_agreed_time_not_availability(people, service):
    """Planned Friday 09:00–13:00 (240 min) is taken out of agreed time: 2400 − 240 =
    2160. An unplanned outage Friday 12:00–14:00 is downtime only for 13:00–14:00 (60 min;
    12:00–13:00 was inside the planned outage). (2160 − 60) ÷ 2160 × 100 = 97.2222… →
    97.222%."""
    outage(service, "10T09:00", "10T13:00", kind="planned")
    outage(service, "10T12:00", "10T14:00")
    body = availability(people, service)
    assert body["agreed_minutes"] == "2160.000"
    assert body["downtime_minutes"] == "60.000"
    assert body["availability_pct"] == "97.222"


def test_an_ongoing_outage_counts_up_to_now(people, service, clock):
    """Now is Friday 10 Jan 11:30; an outage started Friday 10:00 and has not ended.
    Window Monday 00:00 to now: agreed = 4 × 480 + 150 = 2070 min; down 90 min →
    (2070 − 90) ÷ 2070 × 100 = 95.652%."""
    from datetime import UTC, datetime

    clock.set(datetime(2025, 1, 10, 11, 30, tzinfo=UTC))
    outage(service, "10T10:00", None)
    body = availability(people, service, "start=2025-01-06T00:00:00Z&end=2025-01-10T11:30:00Z")
    assert (body["agreed_minutes"], body["downtime_minutes"]) == ("2070.000", "90.000")
    assert body["availability_pct"] == "95.652"


def test_a_service_without_service_hours_is_agreed_24x7(people):
    """No calendar: the built-in 24x7. One day = 1440 min; 1 h down → 95.833%."""
    service = ServiceFactory(name="Web")
    outage(service, "06T10:00", "06T11:00")
    body = availability(people, service, "start=2025-01-06&end=2025-01-07")
    assert body["agreed_minutes"] == "1440.000" and body["availability_pct"] == "95.833"


@pytest.mark.parametrize(
    "query",
    [
        "start=yesterday",
        "start=2025-13-01",
        "end=2025-01-01T00:00:00Z&start=2025-01-02T00:00:00Z",
        "start=2025-01-01&end=2025-01-01",
        "start=2020-01-01&end=2025-01-01",
    ],
)
def test_bad_windows_are_400(people, service, query):
    availability(people, service, query, expected=400)


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("end=0001-01-01", "end"),  # the default start, 30 days before, overflowed
        ("start=0001-01-01T00:00:00%2B01:00&end=0001-01-02T00:00:00%2B01:00", "start"),  # year 0
        ("start=9999-12-01&end=9999-12-31", "start"),
        ("start=1899-12-01&end=1899-12-31", "start"),
    ],
)
def test_a_window_at_the_ends_of_the_calendar_is_a_400_naming_the_moment(
    people, service, query, named
):
    """These overflowed Python's dates (a 500 before)."""
    body = availability(people, service, query, expected=400)
    assert "Give a moment from 1900-01-01 to 9998-12-31 (UTC)." in body["fields"][named]


def test_an_offset_postgresql_cannot_hold_is_read_in_utc(people, service):
    """Python takes offsets up to ±23:59, PostgreSQL ±15:59 (a 500 before): Monday 6 Jan
    2025 00:00 UTC is Monday 20:00+20:00, and the window is the same five office days."""
    outage(service, "06T10:00", "06T11:00")
    offset = "start=2025-01-06T20:00:00%2B20:00&end=2025-01-11T00:00:00%2B00:00"
    assert availability(people, service, offset) == availability(people, service)


def test_default_window_is_the_last_30_days(people, service):
    body = availability(people, service, "")
    assert body["availability_pct"] == "100.000"


# --- recording outages ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "read", "write"),
    [
        ("service_owner", 200, 201),
        ("agent", 200, 201),
        ("admin", 200, 201),
        ("manager", 200, 403),
        ("requester", 403, 403),
        ("anonymous", 401, 401),
    ],
)
def test_outage_permissions(people, service, who, read, write):
    url = f"/api/v1/services/{service.pk}/outages/"
    assert_status(people[who], "get", url, read)
    payload = {"started_at": "2025-01-06T10:00:00Z", "kind": "unplanned", "description": "DB"}
    assert_status(people[who], "post", url, write, payload)


def test_another_services_owner_may_not_record_outages(people, service):
    theirs = ServiceFactory(name="Theirs")
    assert_status(
        people["service_owner"],
        "post",
        f"/api/v1/services/{theirs.pk}/outages/",
        403,
        {"started_at": "2025-01-06T10:00:00Z", "kind": "unplanned"},
    )


def test_record_an_ongoing_outage_then_end_it(people, service):
    url = f"/api/v1/services/{service.pk}/outages/"
    created = assert_status(
        people["agent"],
        "post",
        url,
        201,
        {"started_at": "2025-01-06T10:00:00Z", "kind": "unplanned", "description": "Disk full"},
    ).json()
    assert created["ongoing"] is True and created["ended_at"] is None
    ended = assert_status(
        people["service_owner"],
        "patch",
        f"{url}{created['id']}/",
        200,
        {"ended_at": "2025-01-06T10:45:00Z", "version": created["version"]},
    ).json()
    assert ended["ongoing"] is False and ended["version"] == 2
    assert AuditEvent.objects.filter(action__startswith="outage.").count() == 2


def test_a_change_to_an_outage_names_the_version_it_was_based_on(people, service):
    """Like every other update: no version is 428, an old one 412; neither writes."""
    url = f"/api/v1/services/{service.pk}/outages/"
    body = {"started_at": "2025-01-06T10:00:00Z", "description": "Disk full"}
    created = assert_status(people["agent"], "post", url, 201, body).json()
    change = {"ended_at": "2025-01-06T10:45:00Z"}
    assert_status(people["agent"], "patch", f"{url}{created['id']}/", 428, change)
    stale = {**change, "version": created["version"] + 1}
    assert assert_status(people["agent"], "patch", f"{url}{created['id']}/", 412, stale)
    assert Outage.objects.get(pk=created["id"]).ended_at is None
    assert AuditEvent.objects.filter(action="outage.updated").count() == 0


def test_an_outage_links_only_an_incident_of_its_own_service(people, service):
    """Recording or changing an outage with another service's incident is a 400 naming
    `incident`; nothing is written. The service's own incident is linked."""
    from tests.servicedesk.factories import IncidentFactory

    elsewhere = IncidentFactory(service=ServiceFactory(name="Mail"))
    own = IncidentFactory(service=service)
    url = f"/api/v1/services/{service.pk}/outages/"
    body = {"started_at": "2025-01-06T10:00:00Z", "incident": elsewhere.pk}
    refused = assert_status(people["agent"], "post", url, 400, body).json()
    assert list(refused["fields"]) == ["incident"]
    assert f"{elsewhere.number} is an incident of Mail" in refused["fields"]["incident"][0]
    assert not Outage.objects.exists() and not AuditEvent.objects.exists()

    created = assert_status(people["agent"], "post", url, 201, body | {"incident": own.pk}).json()
    assert created["incident"] == own.pk
    change = {"incident": elsewhere.pk, "description": "Moved", "version": created["version"]}
    refused = assert_status(people["agent"], "patch", f"{url}{created['id']}/", 400, change)
    assert list(refused.json()["fields"]) == ["incident"]
    outage = Outage.objects.get(pk=created["id"])
    assert (outage.incident, outage.description, outage.version) == (own, "", 1)
    assert AuditEvent.objects.filter(action="outage.updated").count() == 0


def test_an_outage_recorded_without_a_kind_is_unplanned(people, service):
    """The kind is optional, as the schema says (a 500 before)."""
    url = f"/api/v1/services/{service.pk}/outages/"
    body = {"started_at": "2025-01-06T10:00:00Z"}
    assert assert_status(people["agent"], "post", url, 201, body).json()["kind"] == "unplanned"


def test_an_outage_must_end_after_it_starts(people, service):
    response = assert_status(
        people["agent"],
        "post",
        f"/api/v1/services/{service.pk}/outages/",
        400,
        {
            "started_at": "2025-01-06T10:00:00Z",
            "ended_at": "2025-01-06T09:00:00Z",
            "kind": "unplanned",
        },
    )
    assert "ended_at" in response.json()["fields"]


@pytest.mark.parametrize(
    ("kind", "start", "end", "field"),
    [
        ("unplanned", 1, None, "started_at"),  # downtime tomorrow has not happened
        ("unplanned", -2, 1, "ended_at"),
        ("planned", 366 * 6, None, "started_at"),  # beyond five years ahead
        ("planned", -366 * 60, None, "started_at"),  # before 1970
    ],
)
def test_outage_times_that_cannot_be_are_400_naming_the_field(
    people, service, kind, start, end, field
):
    now = timezone.now()
    body = {"kind": kind, "started_at": (now + timedelta(days=start)).isoformat()}
    if end is not None:
        body["ended_at"] = (now + timedelta(days=end)).isoformat()
    url = f"/api/v1/services/{service.pk}/outages/"
    response = assert_status(people["agent"], "post", url, 400, body)
    assert list(response.json()["fields"]) == [field]
    assert not Outage.objects.exists()


def test_maintenance_ahead_is_a_planned_outage(people, service):
    start = timezone.now() + timedelta(days=30)
    body = {"kind": "planned", "started_at": start.isoformat()}
    url = f"/api/v1/services/{service.pk}/outages/"
    assert assert_status(people["agent"], "post", url, 201, body).json()["state"] == "upcoming"


def test_bad_kind_is_400(people, service):
    assert_status(
        people["agent"],
        "post",
        f"/api/v1/services/{service.pk}/outages/",
        400,
        {"started_at": "2025-01-06T10:00:00Z", "kind": "meteor"},
    )


# --- upcoming, ongoing, ended; cancelling a planned one ahead ---------------------------------


@pytest.fixture
def three(service, clock):
    """Ended Monday, ongoing since Wednesday 10:00, planned for Friday night."""
    from datetime import UTC, datetime

    clock.set(datetime(2025, 1, 8, 12, 0, tzinfo=UTC))
    return {
        "ended": outage(service, "06T10:00", "06T11:00"),
        "ongoing": outage(service, "08T10:00", None),
        "upcoming": outage(service, "10T20:00", "10T23:00", kind="planned"),
    }


@pytest.mark.parametrize("state", ["upcoming", "ongoing", "ended"])
def test_the_outage_list_filters_by_state(people, service, three, state):
    url = f"/api/v1/services/{service.pk}/outages/?state={state}"
    body = assert_status(people["agent"], "get", url, 200).json()
    assert [(row["id"], row["state"]) for row in body["results"]] == [(three[state].pk, state)]


@pytest.fixture
def where(service, clock):
    """At Wednesday noon: maintenance planned for Friday with no end set yet, one planned
    for Friday night, maintenance running until 14:00, downtime running with no end, and
    downtime that ended on Monday."""
    from datetime import UTC, datetime

    clock.set(datetime(2025, 1, 8, 12, 0, tzinfo=UTC))
    return {
        "upcoming_no_end": outage(service, "10T08:00", None, kind="planned"),
        "upcoming": outage(service, "10T20:00", "10T23:00", kind="planned"),
        "running": outage(service, "08T11:00", "08T14:00", kind="planned"),
        "running_no_end": outage(service, "08T10:00", None),
        "ended": outage(service, "06T10:00", "06T11:00"),
    }


ONGOING_NOW = {"running", "running_no_end"}


def test_ongoing_means_happening_now_as_state_says(people, service, where):
    """`ongoing` is "the service is out now": not a planned window that has not started
    (even with no end set), and a window running until later is ongoing though it has an
    end; it is true exactly when `state` is "ongoing"."""
    url = f"/api/v1/services/{service.pk}/outages/"
    rows = {
        row["id"]: row for row in assert_status(people["agent"], "get", url, 200).json()["results"]
    }
    for name, made in where.items():
        row = rows[made.pk]
        assert row["ongoing"] is (name in ONGOING_NOW), name
        assert row["ongoing"] is (row["state"] == "ongoing"), name
        one = assert_status(people["agent"], "get", f"{url}{made.pk}/", 200).json()
        assert (one["ongoing"], one["state"]) == (row["ongoing"], row["state"]), name


@pytest.mark.parametrize(("value", "expected"), [("true", True), ("false", False)])
def test_the_list_filters_by_ongoing_as_state_does(
    people, service, where, value, expected, django_assert_max_num_queries
):
    url = f"/api/v1/services/{service.pk}/outages/?ongoing={value}"
    with django_assert_max_num_queries(8):
        body = assert_status(people["agent"], "get", url, 200).json()
    names = {name for name, made in where.items() if made.pk in {r["id"] for r in body["results"]}}
    assert names == (ONGOING_NOW if expected else set(where) - ONGOING_NOW)
    assert all(row["ongoing"] is (row["state"] == "ongoing") is expected for row in body["results"])


def test_an_ongoing_filter_that_is_no_boolean_is_a_400_naming_it(people, service):
    url = f"/api/v1/services/{service.pk}/outages/?ongoing=soon"
    assert "ongoing" in assert_status(people["agent"], "get", url, 400).json()["fields"]


def test_an_outage_ending_now_has_ended_and_one_starting_now_is_under_way(people, service, three):
    """The edges: [started_at, ended_at) is the time the service is out."""
    at_noon = outage(service, "08T11:00", "08T12:00")
    starts_now = outage(service, "08T12:00", "08T13:00")
    url = f"/api/v1/services/{service.pk}/outages/?state="
    ids = {
        state: {
            row["id"]
            for row in assert_status(people["agent"], "get", url + state, 200).json()["results"]
        }
        for state in ("upcoming", "ongoing", "ended")
    }
    assert at_noon.pk in ids["ended"] and starts_now.pk in ids["ongoing"]


@pytest.mark.parametrize("bad", ["soon", "UPCOMING", "upcoming,ended"])
def test_an_unknown_state_is_a_400_naming_the_filter(people, service, bad):
    url = f"/api/v1/services/{service.pk}/outages/?state={bad}"
    assert "state" in assert_status(people["agent"], "get", url, 400).json()["fields"]


def test_the_schema_documents_the_state_filter_and_cancel(client):
    schema = client.get("/api/schema/?format=json").json()
    path = "/api/v1/services/{service_pk}/outages/"
    state = next(p for p in schema["paths"][path]["get"]["parameters"] if p["name"] == "state")
    assert state["schema"]["enum"] == ["ended", "ongoing", "upcoming"]
    cancel = schema["paths"][path + "{id}/cancel/"]["post"]
    assert {"204", "409", "412", "428"} <= set(cancel["responses"])


def test_an_upcoming_outage_is_cancelled_with_its_version_and_audited(people, service, three):
    ahead = three["upcoming"]
    url = f"/api/v1/services/{service.pk}/outages/{ahead.pk}/"
    assert_status(people["service_owner"], "post", f"{url}cancel/", 428, {})
    assert_status(people["service_owner"], "post", f"{url}cancel/", 412, {"version": 2})
    assert Outage.objects.filter(pk=ahead.pk).exists() and not AuditEvent.objects.exists()

    assert_status(people["service_owner"], "post", f"{url}cancel/", 204, {"version": 1})
    assert_status(people["service_owner"], "get", url, 404)
    event = AuditEvent.objects.get(action="outage.cancelled")
    assert (event.object_id, event.actor) == (str(ahead.pk), people["service_owner"])
    assert event.changes["kind"] == ["planned", None]
    assert event.changes["ended_at"] == ["2025-01-10T23:00:00+00:00", None]


@pytest.mark.parametrize(("which", "allowed"), [("ongoing", ["end", "edit"]), ("ended", ["edit"])])
def test_an_outage_that_has_started_cannot_be_cancelled(people, service, three, which, allowed):
    started = three[which]
    url = f"/api/v1/services/{service.pk}/outages/{started.pk}/cancel/"
    body = assert_status(people["agent"], "post", url, 409, {"version": 1}).json()
    assert body["allowed"] == allowed and body["state"] == which
    assert Outage.objects.filter(pk=started.pk).exists() and not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    ("who", "code"), [("manager", 403), ("requester", 403), ("anonymous", 401)]
)
def test_only_outage_writers_cancel(people, service, three, who, code):
    url = f"/api/v1/services/{service.pk}/outages/{three['upcoming'].pk}/cancel/"
    assert_status(people[who], "post", url, code, {"version": 1})
    assert Outage.objects.filter(pk=three["upcoming"].pk).exists()


def test_a_cancelled_maintenance_window_takes_nothing_from_agreed_time(people, service, clock):
    """On Wednesday two windows are planned, Thursday 09:00–17:00 and Friday 09:00–13:00,
    and Thursday's is cancelled. Once the week is over only Friday's 240 minutes come out of
    agreed time: 2400 − 240 = 2160 (with Thursday's 480 as well it would be 1680)."""
    from datetime import UTC, datetime

    clock.set(datetime(2025, 1, 8, 12, 0, tzinfo=UTC))
    url = f"/api/v1/services/{service.pk}/outages/"
    for day, end in (("09", "17"), ("10", "13")):
        body = {
            "kind": "planned",
            "started_at": f"2025-01-{day}T09:00:00Z",
            "ended_at": f"2025-01-{day}T{end}:00:00Z",
        }
        assert_status(people["agent"], "post", url, 201, body)
    thursday = Outage.objects.get(started_at__day=9)
    assert_status(people["agent"], "post", f"{url}{thursday.pk}/cancel/", 204, {"version": 1})
    clock.set(datetime(2025, 1, 13, 8, 0, tzinfo=UTC))
    body = availability(people, service)
    assert (body["agreed_minutes"], body["availability_pct"]) == ("2160.000", "100.000")


def test_service_page_shows_availability_and_the_outage_timeline(people, service, client):
    Outage.objects.create(
        service=service,
        started_at="2020-01-01T00:00:00Z",
        ended_at="2020-01-01T01:00:00Z",
        kind="unplanned",
        description="Ancient",
    )
    from django.utils import timezone

    recent = timezone.now() - timezone.timedelta(days=2)
    Outage.objects.create(
        service=service,
        started_at=recent,
        ended_at=recent + timezone.timedelta(hours=1),
        kind="planned",
        description="Patch night",
    )
    client.force_login(people["agent"])
    page = client.get(f"/services/{service.pk}/").content.decode()
    assert 'data-testid="availability-7"' in page and 'data-testid="availability-90"' in page
    assert "Patch night" in page and "Ancient" not in page
    assert "Office" in page  # service hours
