"""A service owner records, ends and corrects outages on the service page (not only over the
API): the same people may, the same actions write (audited), bad input is a 400 with the form
showing why, and the page's statements do not grow with the outages and their controls.

Times are typed as the browser's datetime-local sends them (no zone) and read in the site's
time zone. Most examples run at Friday 10 Jan 2025 12:00 UTC on a service without service
hours of its own (the built-in 24x7): seven days are 10,080 agreed minutes.
"""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from core.models import AuditEvent
from servicedesk import outage_actions
from servicedesk.models import Outage
from servicedesk.outage_forms import OutageForm
from tests.servicedesk.factories import IncidentFactory, ServiceFactory
from tests.test_statement_budgets import DETAIL, KEPT, _counted_get

pytestmark = pytest.mark.django_db
NOW = datetime(2025, 1, 10, 12, 0, tzinfo=UTC)
WRITERS = ("service_owner", "agent", "admin")


@pytest.fixture
def service(people, clock):
    clock.set(NOW)
    return ServiceFactory(name="Payroll", owner=people["service_owner"])


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page_of(client, service) -> str:
    response = client.get(f"/services/{service.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def record(client, service, **fields):
    data = {"kind": "unplanned", "started_at": "", "ended_at": "", "description": ""}
    return client.post(f"/services/{service.pk}/outages/", data | fields)


def recorded(service, actor, started="2025-01-10T11:00:00Z", **fields) -> Outage:
    """An outage recorded through the action (ongoing unless `ended_at` is given)."""
    return outage_actions.outage_record(
        actor=actor, service=service, kind="unplanned", started_at=started, **fields
    )


def errors_of(html: str, field: str) -> str:
    found = re.search(rf'data-testid="error-{field}">(.*?)</ul>', html, re.S)
    return found.group(1) if found else ""


def written() -> tuple[int, int]:
    return Outage.objects.count(), AuditEvent.objects.filter(action__startswith="outage.").count()


# --- recording --------------------------------------------------------------------------------


def test_owner_records_an_outage_and_the_availability_shows_it(people, service):
    """09:00–10:00 today, linked to an incident: one outage row, one audit row, and the last
    7 days read (10080 − 60) ÷ 10080 × 100 = 99.405%."""
    owner = browser(people["service_owner"])
    incident = IncidentFactory(service=service)
    assert 'data-testid="outage-record-form"' in page_of(owner, service)

    response = record(
        owner,
        service,
        started_at="2025-01-10T09:00",
        ended_at="2025-01-10T10:00",
        description="Payroll batch stuck",
        incident=incident.number.lower(),  # typed by hand
    )

    assert response.status_code == 302
    assert response["Location"] == f"/services/{service.pk}/#outages"
    outage = Outage.objects.get(service=service)
    assert (outage.started_at, outage.ended_at) == (
        datetime(2025, 1, 10, 9, 0, tzinfo=UTC),
        datetime(2025, 1, 10, 10, 0, tzinfo=UTC),
    )
    assert (outage.kind, outage.incident, outage.created_by) == (
        "unplanned",
        incident,
        people["service_owner"],
    )
    event = AuditEvent.objects.get(action="outage.recorded", object_id=str(outage.pk))
    assert event.actor == people["service_owner"]
    html = page_of(owner, service)
    assert "Outage recorded." in html and "Payroll batch stuck" in html
    tile = re.search(r'data-testid="availability-7".*?</div>\s*</div>', html, re.S).group(0)
    assert "99.405%" in tile and "60 min down of 10080 agreed" in tile


def test_times_are_read_in_the_site_time_zone(people, service, settings):
    """New York is UTC−5 in January: 04:00 there is 09:00 UTC, and the page shows 04:00."""
    settings.TIME_ZONE = "America/New_York"
    owner = browser(people["service_owner"])
    record(owner, service, started_at="2025-01-10T04:00", ended_at="2025-01-10T05:30")
    outage = Outage.objects.get(service=service)
    assert outage.started_at == datetime(2025, 1, 10, 9, 0, tzinfo=UTC)
    assert outage.ended_at == datetime(2025, 1, 10, 10, 30, tzinfo=UTC)
    html = page_of(owner, service)
    assert "2025-01-10 04:00" in html and "Times are in America/New_York." in html


def test_an_outage_without_an_end_is_ongoing_until_ended(people, service):
    owner = browser(people["service_owner"])
    record(owner, service, started_at="2025-01-10T11:30", kind="planned")
    outage = Outage.objects.get(service=service)
    assert outage.ongoing and outage.kind == "planned"
    html = page_of(owner, service)
    assert f'data-testid="outage-end-{outage.pk}"' in html and "ongoing" in html


@pytest.mark.parametrize(
    ("fields", "field", "says"),
    [
        (
            {"started_at": "2025-01-10T10:00", "ended_at": "2025-01-10T09:00"},
            "ended_at",
            "An outage must end after it starts.",
        ),
        (
            {"started_at": "2025-01-10T10:00", "ended_at": "2025-01-10T10:00"},
            "ended_at",
            "An outage must end after it starts.",
        ),
        ({"started_at": ""}, "started_at", "This field is required."),
        ({"started_at": "yesterday"}, "started_at", "Enter a valid date/time."),
        (
            {"started_at": "2025-01-10T10:00", "incident": "INC9999999"},
            "incident",
            "There is no incident INC9999999.",
        ),
        ({"started_at": "2025-01-10T10:00", "kind": "meteor"}, "kind", "Select a valid choice."),
    ],
    ids=["end-before-start", "end-at-start", "no-start", "bad-start", "unknown-incident", "kind"],
)
def test_bad_input_is_a_400_with_the_form_saying_why_and_nothing_written(
    people, service, fields, field, says
):
    owner = browser(people["service_owner"])
    before = written()
    response = record(owner, service, **fields)
    assert response.status_code == 400
    html = response.content.decode()
    assert says in errors_of(html, field)
    assert "The outage was not recorded" in html
    assert 'data-testid="outage-record-form"' in html  # the page again, the input kept
    assert f'value="{fields["started_at"]}"' in html
    assert written() == before


def test_an_incident_of_another_service_is_refused_beside_the_field(people, service):
    """Recording or correcting: 400, the incident field names the other service, nothing
    written."""
    elsewhere = IncidentFactory(service=ServiceFactory(name="Mail"))
    owner = browser(people["service_owner"])
    before = written()
    response = record(owner, service, started_at="2025-01-10T10:00", incident=elsewhere.number)
    assert response.status_code == 400
    assert f"{elsewhere.number} is an incident of Mail, not of Payroll." in errors_of(
        response.content.decode(), "incident"
    )
    assert written() == before

    outage = recorded(service, people["agent"])
    before = written()
    response = owner.post(
        f"/services/{service.pk}/outages/{outage.pk}/edit/",
        {
            "version": outage.version,
            "kind": "unplanned",
            "started_at": "2025-01-10T11:00",
            "incident": elsewhere.number,
            "description": "Linked by mistake",
        },
    )
    assert response.status_code == 400
    assert "is an incident of Mail" in errors_of(response.content.decode(), "incident")
    outage.refresh_from_db()
    assert (outage.incident, outage.description, outage.version) == (None, "", 1)
    assert written() == before


def test_an_incident_outside_the_users_scope_is_an_unknown_number(people, service):
    """The incident is looked up among those the user may see: today every outage writer is
    staff and sees every incident, so the form is checked with a requester's scope."""
    theirs = IncidentFactory(service=service, requester=people["requester_other"])
    own = IncidentFactory(service=service, requester=people["requester"])
    data = {"kind": "unplanned", "started_at": "2025-01-10T10:00"}
    form = OutageForm(data | {"incident": theirs.number}, user=people["requester"])
    assert not form.is_valid()
    assert form.errors["incident"] == [f"There is no incident {theirs.number}."]
    form = OutageForm(data | {"incident": own.number}, user=people["requester"])
    assert form.is_valid() and form.cleaned_data["incident"] == own


# --- ending and editing -------------------------------------------------------------------


def test_owner_ends_an_ongoing_outage_now(people, service, clock):
    outage = recorded(service, people["agent"])
    clock.set(datetime(2025, 1, 10, 12, 20, tzinfo=UTC))
    owner = browser(people["service_owner"])
    response = owner.post(
        f"/services/{service.pk}/outages/{outage.pk}/end/", {"version": outage.version}
    )
    assert response.status_code == 302
    outage.refresh_from_db()
    assert outage.ended_at == datetime(2025, 1, 10, 12, 20, tzinfo=UTC)
    assert outage.version == 2
    event = AuditEvent.objects.get(action="outage.updated", object_id=str(outage.pk))
    assert event.actor == people["service_owner"]
    assert event.changes == {"ended_at": [None, "2025-01-10T12:20:00+00:00"]}
    html = page_of(owner, service)
    assert "Outage ended." in html and f'data-testid="outage-end-{outage.pk}"' not in html
    tile = re.search(r'data-testid="availability-7".*?</div>\s*</div>', html, re.S).group(0)
    assert "80 min down" in tile  # 11:00 to 12:20


def test_ending_an_outage_someone_changed_is_a_412_and_changes_nothing(people, service):
    outage = recorded(service, people["agent"])
    outage_actions.outage_update(
        outage=outage, actor=people["agent"], changes={"description": "Disk full"}
    )
    before = written()
    response = browser(people["service_owner"]).post(
        f"/services/{service.pk}/outages/{outage.pk}/end/", {"version": 1}
    )
    assert response.status_code == 412
    assert "Someone else changed this outage" in response.content.decode()
    outage.refresh_from_db()
    assert outage.ongoing and outage.version == 2
    assert written() == before


def test_ending_an_outage_that_has_ended_is_a_409(people, service):
    outage = recorded(service, people["agent"], ended_at="2025-01-10T11:30:00Z")
    before = written()
    response = browser(people["service_owner"]).post(
        f"/services/{service.pk}/outages/{outage.pk}/end/", {"version": outage.version}
    )
    assert response.status_code == 409
    assert "This outage already ended (2025-01-10 11:30 UTC)." in response.content.decode()
    assert written() == before


@pytest.mark.parametrize("version", [None, "abc", "²", "1" * 10])
def test_ending_without_the_version_seen_is_a_400(people, service, version):
    """The digit "²" passes isdigit() but not int() (a 500 before)."""
    outage = recorded(service, people["agent"])
    response = browser(people["service_owner"]).post(
        f"/services/{service.pk}/outages/{outage.pk}/end/",
        {} if version is None else {"version": version},
    )
    assert response.status_code == 400
    outage.refresh_from_db()
    assert outage.ongoing and outage.version == 1


def test_owner_corrects_an_outages_times_and_description(people, service):
    outage = recorded(service, people["agent"], started="2025-01-10T11:00:37Z")
    owner = browser(people["service_owner"])
    url = f"/services/{service.pk}/outages/{outage.pk}/edit/"
    form = owner.get(url).content.decode()
    assert 'value="2025-01-10T11:00"' in form and f'name="version" value="{outage.version}"' in form

    response = owner.post(
        url,
        {
            "version": outage.version,
            "kind": "unplanned",
            "started_at": "2025-01-10T11:00",  # as shown: the seconds are kept
            "ended_at": "2025-01-10T11:45",
            "description": "Disk full on db-2",
        },
    )
    assert response.status_code == 302
    outage.refresh_from_db()
    assert outage.started_at == datetime(2025, 1, 10, 11, 0, 37, tzinfo=UTC)
    assert outage.ended_at == datetime(2025, 1, 10, 11, 45, tzinfo=UTC)
    assert outage.description == "Disk full on db-2" and outage.version == 2
    event = AuditEvent.objects.get(action="outage.updated", object_id=str(outage.pk))
    assert set(event.changes) == {"ended_at", "description"}


def test_a_stale_edit_is_a_412_that_names_the_current_state(people, service):
    outage = recorded(service, people["agent"])
    outage_actions.outage_end(
        outage=outage, actor=people["agent"], ended_at=datetime(2025, 1, 10, 11, 10, tzinfo=UTC)
    )
    owner = browser(people["service_owner"])
    url = f"/services/{service.pk}/outages/{outage.pk}/edit/"
    mine = {
        "version": 1,
        "kind": "unplanned",
        "started_at": "2025-01-10T11:00",
        "ended_at": "2025-01-10T11:50",
        "description": "Mine",
    }
    before = written()
    response = owner.post(url, mine)
    assert response.status_code == 412
    html = response.content.decode()
    assert "Someone else changed this outage" in html and "ended 2025-01-10 11:10" in html
    assert 'name="version" value="2"' in html and 'value="2025-01-10T11:50"' in html
    outage.refresh_from_db()
    assert outage.ended_at == datetime(2025, 1, 10, 11, 10, tzinfo=UTC)
    assert written() == before

    assert owner.post(url, mine | {"version": 2}).status_code == 302  # knowingly overwritten
    outage.refresh_from_db()
    assert outage.ended_at == datetime(2025, 1, 10, 11, 50, tzinfo=UTC)


def test_a_bad_edit_is_a_400_and_changes_nothing(people, service):
    outage = recorded(service, people["agent"])
    before = written()
    response = browser(people["service_owner"]).post(
        f"/services/{service.pk}/outages/{outage.pk}/edit/",
        {"version": 1, "kind": "unplanned", "started_at": "2025-01-10T11:00", "ended_at": "2025"},
    )
    assert response.status_code == 400
    assert "Enter a valid date/time." in errors_of(response.content.decode(), "ended_at")
    assert written() == before


# --- upcoming planned outages ---------------------------------------------------------------


def upcoming(service, actor, started="2025-01-12T22:00:00Z", ended="2025-01-13T02:00:00Z"):
    """A planned outage (maintenance window) that starts after NOW."""
    return outage_actions.outage_record(
        actor=actor,
        service=service,
        kind="planned",
        started_at=started,
        ended_at=ended,
        description="Database upgrade to 16",
    )


def section(html: str, testid: str) -> str:
    found = re.search(rf'data-testid="{testid}".*?</table>', html, re.S)
    return found.group(0) if found else ""


def test_a_planned_outage_recorded_ahead_is_listed_as_upcoming_from_the_start(people, service):
    """Recorded on Friday for Sunday night: the page lists it under upcoming outages at once
    (start, end, notes, Edit and Cancel), not in the timeline of what happened, and it takes
    nothing from the availability so far."""
    owner = browser(people["service_owner"])
    response = record(
        owner,
        service,
        kind="planned",
        started_at="2025-01-12T22:00",
        ended_at="2025-01-13T02:00",
        description="Database upgrade to 16",
    )
    assert response.status_code == 302
    assert response["Location"] == f"/services/{service.pk}/#upcoming-outages"
    outage = Outage.objects.get(service=service)
    html = page_of(owner, service)
    assert "listed under Upcoming outages until it starts" in html
    ahead = section(html, "upcoming-outages")
    assert "2025-01-12 22:00" in ahead and "2025-01-13 02:00" in ahead
    assert "Database upgrade to 16" in ahead and "Planned" in ahead
    assert f'href="/services/{service.pk}/outages/{outage.pk}/edit/"' in ahead
    assert f'data-testid="outage-cancel-{outage.pk}"' in ahead
    assert "Database upgrade to 16" not in section(html, "outage-timeline")
    tile = re.search(r'data-testid="availability-7".*?</div>\s*</div>', html, re.S).group(0)
    assert "0 min down of 10080 agreed" in tile


def test_upcoming_outages_are_listed_soonest_first_and_only_until_they_start(
    people, service, clock
):
    later = upcoming(service, people["agent"], "2025-01-20T22:00:00Z", "2025-01-20T23:00:00Z")
    sooner = upcoming(service, people["agent"], "2025-01-11T06:00:00Z", "2025-01-11T07:00:00Z")
    ahead = section(page_of(browser(people["agent"]), service), "upcoming-outages")
    assert ahead.index(f"outage-cancel-{sooner.pk}") < ahead.index(f"outage-cancel-{later.pk}")

    clock.set(datetime(2025, 1, 11, 6, 30, tzinfo=UTC))  # the sooner one is under way
    html = page_of(browser(people["agent"]), service)
    assert f"outage-cancel-{sooner.pk}" not in html
    assert f"outage-cancel-{later.pk}" in section(html, "upcoming-outages")
    assert "2025-01-11 06:00" in section(html, "outage-timeline")


def test_staff_who_may_not_write_see_upcoming_outages_without_controls(people, service):
    outage = upcoming(service, people["agent"])
    ahead = section(page_of(browser(people["manager"]), service), "upcoming-outages")
    assert "Database upgrade to 16" in ahead
    assert f"outage-cancel-{outage.pk}" not in ahead and "/edit/" not in ahead
    assert "upcoming-outages" not in page_of(browser(people["requester"]), service)


def test_owner_cancels_an_upcoming_outage_and_the_audit_trail_keeps_it(people, service):
    outage = upcoming(service, people["agent"])
    owner = browser(people["service_owner"])
    response = owner.post(
        f"/services/{service.pk}/outages/{outage.pk}/cancel/", {"version": outage.version}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/services/{service.pk}/#upcoming-outages"
    assert not Outage.objects.filter(pk=outage.pk).exists()
    event = AuditEvent.objects.get(action="outage.cancelled", object_id=str(outage.pk))
    assert event.actor == people["service_owner"]
    assert event.changes["started_at"] == ["2025-01-12T22:00:00+00:00", None]
    assert event.changes["description"] == ["Database upgrade to 16", None]
    html = page_of(owner, service)
    assert "Planned outage cancelled." in html and "Database upgrade to 16" not in html


@pytest.mark.parametrize(
    ("ended_at", "allowed"),
    [(None, "Allowed now: end, edit."), ("2025-01-10T11:30:00Z", "Allowed now: edit.")],
    ids=["ongoing", "ended"],
)
def test_an_outage_that_has_started_cannot_be_cancelled(people, service, ended_at, allowed):
    outage = recorded(service, people["agent"], ended_at=ended_at)
    before = written()
    response = browser(people["service_owner"]).post(
        f"/services/{service.pk}/outages/{outage.pk}/cancel/", {"version": outage.version}
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "This outage started at 2025-01-10 11:00 UTC" in html and allowed in html
    assert Outage.objects.filter(pk=outage.pk).exists() and written() == before


def test_cancelling_an_outage_someone_changed_is_a_412_and_keeps_it(people, service):
    outage = upcoming(service, people["agent"])
    outage_actions.outage_update(
        outage=outage, actor=people["agent"], changes={"description": "Moved to Monday"}
    )
    before = written()
    response = browser(people["service_owner"]).post(
        f"/services/{service.pk}/outages/{outage.pk}/cancel/", {"version": 1}
    )
    assert response.status_code == 412
    html = response.content.decode()
    assert "Someone else changed this outage" in html and "Moved to Monday" in html
    assert Outage.objects.filter(pk=outage.pk).exists() and written() == before


@pytest.mark.parametrize("version", [None, "abc", "²"])
def test_cancelling_without_the_version_seen_is_a_400(people, service, version):
    outage = upcoming(service, people["agent"])
    before = written()
    response = browser(people["service_owner"]).post(
        f"/services/{service.pk}/outages/{outage.pk}/cancel/",
        {} if version is None else {"version": version},
    )
    assert response.status_code == 400
    assert Outage.objects.filter(pk=outage.pk).exists() and written() == before


# --- who may ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", WRITERS)
def test_the_owner_agents_and_admins_see_the_controls(people, service, who):
    outage = recorded(service, people["agent"])
    ahead = upcoming(service, people["agent"])
    html = page_of(browser(people[who]), service)
    assert 'data-testid="outage-record-form"' in html
    assert f'data-testid="outage-end-{outage.pk}"' in html
    assert f'data-testid="outage-edit-{outage.pk}"' in html
    assert f'data-testid="outage-cancel-{ahead.pk}"' in html


@pytest.mark.parametrize(
    ("who", "denied"),
    [
        ("manager", 403),
        ("project_manager", 403),
        ("requester", 403),
        ("another_owner", 403),  # a service owner, not of this service
        ("requester_of_planned", 404),  # requesters do not see services that are not live
    ],
)
def test_others_see_no_controls_and_their_posts_change_nothing(people, service, who, denied):
    from core.roles import Role
    from tests.core.factories import UserFactory

    if who == "another_owner":
        user = UserFactory(username="owner2", role=Role.SERVICE_OWNER)
    elif who == "requester_of_planned":
        user = people["requester"]
        service.status = "planned"
        service.save()
    else:
        user = people[who]
    outage = recorded(service, people["agent"])
    ahead = upcoming(service, people["agent"])
    client = browser(user)
    if denied == 403:
        html = page_of(client, service)
        assert 'data-testid="outage-record-form"' not in html
        assert "outage-end-" not in html and "outage-edit-" not in html
        assert "outage-cancel-" not in html
    before = written()
    base = f"/services/{service.pk}/outages/"
    assert record(client, service, started_at="2025-01-10T10:00").status_code == denied
    assert client.post(f"{base}{outage.pk}/end/", {"version": 1}).status_code == denied
    assert client.post(f"{base}{ahead.pk}/cancel/", {"version": 1}).status_code == denied
    assert client.get(f"{base}{outage.pk}/edit/").status_code == denied
    edit = {"version": 1, "kind": "planned", "started_at": "2025-01-10T10:00"}
    assert client.post(f"{base}{outage.pk}/edit/", edit).status_code == denied
    assert written() == before


def test_an_outage_of_another_service_is_not_found_under_this_one(people, service):
    other = ServiceFactory(name="Other", owner=people["service_owner"])
    outage = recorded(other, people["agent"])
    owner = browser(people["service_owner"])
    assert (
        owner.post(f"/services/{service.pk}/outages/{outage.pk}/end/", {"version": 1}).status_code
        == 404
    )
    assert owner.get(f"/services/{service.pk}/outages/{outage.pk}/edit/").status_code == 404
    ahead = upcoming(other, people["agent"])
    url = f"/services/{service.pk}/outages/{ahead.pk}/cancel/"
    assert owner.post(url, {"version": 1}).status_code == 404
    assert Outage.objects.filter(pk=ahead.pk).exists()


def test_anonymous_users_are_sent_to_log_in(service):
    response = Client().post(f"/services/{service.pk}/outages/", {"started_at": "2025-01-10"})
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert written() == (0, 0)


# --- what the page costs ------------------------------------------------------------------


def test_the_owners_page_statements_do_not_grow_with_outages_and_their_controls(
    people, service, django_assert_max_num_queries
):
    """3 outages, then 9 (a third ongoing with "End now", a third with an incident, each with
    "Edit"), and 1 then 3 upcoming ones (each with "Edit" and "Cancel"): the same statements,
    within the page's budget (see test_statement_budgets)."""
    client = browser(people["service_owner"])
    url = f"/services/{service.pk}/"
    budget = DETAIL + (not KEPT)
    counts = []
    for batch in (3, 6):
        for n in range(batch):
            recorded(
                service,
                people["agent"],
                started=f"2025-01-0{1 + n}T10:00:00Z",
                ended_at=None if n % 3 == 0 else f"2025-01-0{1 + n}T11:00:00Z",
                incident=IncidentFactory(service=service) if n % 3 == 1 else None,
            )
        for n in range(batch // 3):
            upcoming(service, people["agent"], f"2025-01-2{n}T22:00:00Z", f"2025-01-2{n}T23:00:00Z")
        count, response = _counted_get(client, url, budget, django_assert_max_num_queries)
        counts.append(count)
        html = response.content.decode()
        assert html.count('data-testid="outage-edit-') == len(
            Outage.objects.filter(service=service)
        )
        assert html.count('data-testid="outage-cancel-') == len(
            Outage.objects.filter(service=service, started_at__gt=NOW)
        )
    assert counts[0] == counts[1], counts


def test_an_unplanned_outage_tomorrow_is_refused_beside_its_start(people, service):
    """Downtime that has not happened is no unplanned outage: the form comes back (400)
    saying to plan it instead; nothing is recorded."""
    tomorrow = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = record(browser(people["service_owner"]), service, started_at=tomorrow)
    assert response.status_code == 400
    assert "cannot start in the future" in response.content.decode()
    assert not Outage.objects.exists()
