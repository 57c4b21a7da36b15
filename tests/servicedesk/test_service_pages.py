"""A service owner (or an admin) adds a service, changes it and moves it through its lifecycle
in the browser, not only over the API: the same people may (servicedesk.lifecycle
service_may_create / service_may_run), the same actions write (validated, audited), bad input
is a 400 with the reasons beside the fields and nothing written, a change based on an old
version is a 412 with the form as typed, a move the status does not allow is a 409 with the
service page, the reason and the moves allowed now, and the pages' statements do not grow
with the rows they show.
"""

import re

import pytest
from django.test import Client

from core.models import AuditEvent
from core.roles import Role
from servicedesk import actions
from servicedesk.models import Service
from tests.conftest import browser_for, client_for
from tests.core.factories import TeamFactory, UserFactory
from tests.servicedesk.factories import ServiceFactory, office_calendar, sla_policy
from tests.servicedesk.request_factories import CatalogItemFactory
from tests.test_statement_budgets import DETAIL, KEPT, LIST, _counted_get

pytestmark = pytest.mark.django_db
WRITERS = ("service_owner", "admin")
OTHERS = ("agent", "manager", "project_manager", "requester")


@pytest.fixture
def payroll(people):
    """A planned service owned by the `service_owner`."""
    return ServiceFactory(name="Payroll", owner=people["service_owner"], status="planned")


@pytest.fixture
def vpn(people):
    """A live service owned by the `service_owner`."""
    return ServiceFactory(name="VPN", owner=people["service_owner"], status="live")


@pytest.fixture
def other_owner(db):
    """The owner of another service: may add services and run that one, not these."""
    owner = UserFactory(username="owner2", role=Role.SERVICE_OWNER)
    ServiceFactory(name="Printing", owner=owner)
    return owner


def new_post(owner, **fields) -> dict:
    data = {
        "name": "Expenses",
        "description": "Claim travel and expenses.",
        "owner": owner.pk,
        "support_team": "",
        "criticality": "2",
        "sla_policy": "",
        "service_hours": "",
    }
    return data | fields


def edit_post(service: Service, **fields) -> dict:
    """The edit form as the page shows it (nothing changed), with `fields` changed."""
    data = {
        "version": service.version,
        "name": service.name,
        "description": service.description,
        "owner": service.owner_id or "",
        "support_team": service.support_team_id or "",
        "criticality": service.criticality,
        "sla_policy": service.sla_policy_id or "",
        "service_hours": service.service_hours_id or "",
    }
    return data | fields


def move(client, service, action: str):
    return client.post(f"/services/{service.pk}/transition/", {"action": action})


def errors_of(html: str, testid: str) -> str:
    found = re.search(rf'data-testid="{testid}">(.*?)</ul>', html, re.S)
    return found.group(1) if found else ""


def messages_of(html: str) -> str:
    found = re.search(r'<ul class="messages">(.*?)</ul>', html, re.S)
    return found.group(1) if found else ""


def written() -> tuple[int, int, list]:
    """Services, their audit rows, and every service's (name, status, version)."""
    return (
        Service.objects.count(),
        AuditEvent.objects.filter(action__startswith="service.").count(),
        list(Service.objects.order_by("pk").values_list("name", "status", "version")),
    )


# --- adding a service -------------------------------------------------------------------------


@pytest.mark.parametrize("role", WRITERS)
def test_owner_or_admin_adds_a_service_that_starts_planned(people, role):
    writer = browser_for(people[role])
    form = writer.get("/services/new/")
    assert form.status_code == 200
    assert f'<option value="{people[role].pk}" selected>' in form.content.decode()  # themselves
    team = TeamFactory(name="Finance apps")
    hours = office_calendar("Office hours")
    policy = sla_policy("Finance SLA", hours)

    response = writer.post(
        "/services/new/",
        new_post(
            people["service_owner"],
            support_team=team.pk,
            criticality="1",
            sla_policy=policy.pk,
            service_hours=hours.pk,
        ),
    )

    added = Service.objects.get(name="Expenses")
    assert response.status_code == 302 and response["Location"] == f"/services/{added.pk}/"
    assert added.status == "planned" and added.version == 1
    assert (added.owner, added.support_team, added.criticality) == (
        people["service_owner"],
        team,
        1,
    )
    assert (added.sla_policy, added.service_hours) == (policy, hours)
    assert added.description == "Claim travel and expenses."
    audit = AuditEvent.objects.get(action="service.created", object_id=str(added.pk))
    assert audit.actor == people[role]
    page = writer.get(response["Location"]).content.decode()
    assert "“Expenses” added as planned." in messages_of(page)
    assert 'data-testid="service-action-go_live"' in page


def test_an_owner_who_names_someone_else_is_told_they_no_longer_run_it(people, other_owner):
    owner = browser_for(people["service_owner"])
    response = owner.post("/services/new/", new_post(other_owner))
    assert response.status_code == 302
    page = owner.get(response["Location"]).content.decode()
    assert "only they and admins may change it from now on" in messages_of(page)
    assert 'data-testid="service-controls"' not in page


# --- changing a service -----------------------------------------------------------------------


@pytest.mark.parametrize("role", WRITERS)
def test_owner_or_admin_changes_a_service_and_the_audit_row_says_what(people, vpn, role):
    writer = browser_for(people[role])
    page = writer.get(f"/services/{vpn.pk}/edit/").content.decode()
    assert 'name="version" value="1"' in page
    hours = office_calendar("Office hours")
    policy = sla_policy("Gold", hours)

    response = writer.post(
        f"/services/{vpn.pk}/edit/",
        edit_post(
            vpn,
            description="Remote access for staff.",
            criticality="1",
            sla_policy=policy.pk,
            service_hours=hours.pk,
        ),
    )

    assert response.status_code == 302 and response["Location"] == f"/services/{vpn.pk}/"
    vpn.refresh_from_db()
    assert vpn.version == 2 and vpn.status == "live"
    assert (vpn.description, vpn.criticality) == ("Remote access for staff.", 1)
    assert (vpn.sla_policy, vpn.service_hours) == (policy, hours)
    audit = AuditEvent.objects.get(action="service.updated", object_id=str(vpn.pk))
    assert audit.actor == people[role]
    assert set(audit.changes) == {"description", "criticality", "sla_policy", "service_hours"}
    assert audit.changes["criticality"] == [2, 1]
    shown = writer.get(response["Location"]).content.decode()
    assert "“VPN” saved." in messages_of(shown)
    assert "Gold" in re.search(r'data-testid="sla-policy">(.*?)</dd>', shown).group(1)
    history = writer.get(f"/services/{vpn.pk}/edit/").content.decode()
    assert "changed criticality, description, service_hours, sla_policy" in history


def test_the_owner_list_holds_service_owners_and_admins_only(people, vpn):
    """And the current owner, whoever they are, so a save of other fields keeps them."""
    page = browser_for(people["admin"]).get(f"/services/{vpn.pk}/edit/").content.decode()
    owners = re.search(r'<select name="owner".*?</select>', page, re.S).group(0)
    assert f'value="{people["service_owner"].pk}" selected' in owners
    assert f'value="{people["admin"].pk}"' in owners
    for role in ("agent", "requester", "manager", "project_manager"):
        assert f'value="{people[role].pk}"' not in owners, role

    former = UserFactory(username="former", role=Role.AGENT)
    legacy = ServiceFactory(name="Fax", owner=former)
    admin = browser_for(people["admin"])
    assert (
        f'value="{former.pk}" selected'
        in admin.get(f"/services/{legacy.pk}/edit/").content.decode()
    )
    response = admin.post(f"/services/{legacy.pk}/edit/", edit_post(legacy, description="Old"))
    assert response.status_code == 302
    legacy.refresh_from_db()
    assert (legacy.owner, legacy.description) == (former, "Old")


def test_the_service_hours_list_the_built_in_row_once_as_the_empty_choice(people, vpn):
    office_calendar("Office hours")
    sla_policy("Standard", office_calendar("Policy hours"), is_default=True)
    page = browser_for(people["admin"]).get(f"/services/{vpn.pk}/edit/").content.decode()
    hours = re.search(r'<select name="service_hours".*?</select>', page, re.S).group(0)
    assert ">Around the clock (the built-in 24x7)<" in hours and ">24x7<" not in hours
    assert ">Office hours<" in hours
    assert ">The default policy (Standard)<" in page


def test_a_save_that_changes_nothing_writes_nothing(people, vpn):
    response = browser_for(people["service_owner"]).post(
        f"/services/{vpn.pk}/edit/", edit_post(vpn)
    )
    assert response.status_code == 302
    vpn.refresh_from_db()
    assert vpn.version == 1
    assert not AuditEvent.objects.filter(action="service.updated").exists()


# --- refused input ----------------------------------------------------------------------------


def test_bad_input_is_a_400_with_the_errors_beside_the_fields_and_nothing_written(
    people, vpn, payroll
):
    owner = browser_for(people["service_owner"])
    before = written()

    response = owner.post("/services/new/", new_post(people["service_owner"], name=""))
    assert response.status_code == 400
    html = response.content.decode()
    assert "This field is required." in errors_of(html, "error-name")
    assert "Claim travel and expenses." in html  # the rest as typed
    assert "Nothing was saved: the fields marked in red below say why." in messages_of(html)

    # A name another service has: the action's full_clean, beside the name.
    response = owner.post("/services/new/", new_post(people["service_owner"], name="Payroll"))
    assert response.status_code == 400
    assert "already exists" in errors_of(response.content.decode(), "error-name")
    response = owner.post(f"/services/{vpn.pk}/edit/", edit_post(vpn, name="Payroll"))
    assert response.status_code == 400
    assert "already exists" in errors_of(response.content.decode(), "error-name")
    assert 'value="Payroll"' in response.content.decode()

    # An owner who cannot run a service (an agent), a criticality out of range.
    response = owner.post(
        f"/services/{vpn.pk}/edit/",
        edit_post(vpn, owner=people["agent"].pk, criticality="9", description="Changed"),
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Select a valid choice" in errors_of(html, "error-owner")
    assert "Select a valid choice" in errors_of(html, "error-criticality")
    assert "Changed" in html

    assert owner.post("/services/new/", {}).status_code == 400
    assert owner.post(f"/services/{vpn.pk}/edit/", {}).status_code == 400
    assert written() == before


def test_a_change_based_on_an_old_version_is_a_412_with_the_form_as_typed(people, vpn):
    """Someone saves the service in between: nothing of the stale form is written, the form
    comes back as typed, based on the current version, so a second save goes through."""
    owner = browser_for(people["service_owner"])
    stale = edit_post(vpn, description="Remote access (typed)")
    actions.service_update(
        service=vpn, actor=people["admin"], expected_version=1, changes={"criticality": 1}
    )

    response = owner.post(f"/services/{vpn.pk}/edit/", stale)

    assert response.status_code == 412
    html = response.content.decode()
    assert "Someone else saved this service after you opened it (it is now version 2)" in (
        messages_of(html)
    )
    assert "Remote access (typed)" in html and 'name="version" value="2"' in html
    vpn.refresh_from_db()
    assert (vpn.description, vpn.criticality, vpn.version) == ("", 1, 2)
    assert AuditEvent.objects.filter(action="service.updated").count() == 1

    again = owner.post(f"/services/{vpn.pk}/edit/", dict(stale, version="2"))
    assert again.status_code == 302
    vpn.refresh_from_db()
    assert (vpn.description, vpn.version) == ("Remote access (typed)", 3)


@pytest.mark.parametrize("version", [None, "", "abc", "0", "-1"])
def test_a_change_without_its_version_is_a_400_never_saved_over_the_current(people, vpn, version):
    data = edit_post(vpn, description="Blind overwrite")
    if version is None:
        del data["version"]
    else:
        data["version"] = version
    response = browser_for(people["service_owner"]).post(f"/services/{vpn.pk}/edit/", data)
    assert response.status_code == 400
    assert "did not say which version" in errors_of(response.content.decode(), "error-version")
    vpn.refresh_from_db()
    assert (vpn.description, vpn.version) == ("", 1)
    assert not AuditEvent.objects.filter(action="service.updated").exists()


# --- the lifecycle ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", WRITERS)
def test_owner_or_admin_takes_a_service_live_and_retires_it(people, payroll, role):
    writer = browser_for(people[role])

    response = move(writer, payroll, "go_live")
    assert response.status_code == 302 and response["Location"] == f"/services/{payroll.pk}/"
    payroll.refresh_from_db()
    assert payroll.status == "live" and payroll.version == 2
    page = writer.get(response["Location"]).content.decode()
    assert "“Payroll” is now live." in messages_of(page)
    assert 'data-testid="service-action-retire"' in page
    assert 'data-testid="service-action-go_live"' not in page

    assert move(writer, payroll, "retire").status_code == 302
    payroll.refresh_from_db()
    assert payroll.status == "retired"
    moves = AuditEvent.objects.filter(object_id=str(payroll.pk), action__startswith="service.")
    assert [(a.action, a.actor, a.changes) for a in moves.order_by("pk")] == [
        ("service.go_live", people[role], {"status": ["planned", "live"]}),
        ("service.retire", people[role], {"status": ["live", "retired"]}),
    ]
    page = writer.get(f"/services/{payroll.pk}/").content.decode()
    assert 'data-testid="service-edit"' in page  # a retired service can still be described
    assert "service-action-" not in page  # and never moves again


@pytest.mark.parametrize(
    ("status", "action", "refused", "allowed"),
    [
        ("planned", "retire", "“Retire” is not possible while the service is planned", "Go live"),
        # A page opened before someone else took it live.
        ("live", "go_live", "“Go live” is not possible while the service is live", "Retire"),
        ("retired", "go_live", "“Go live” is not possible while the service is retired", "none"),
        ("live", "", "That move is not possible while the service is live", "Retire"),
        ("live", "reopen", "That move is not possible while the service is live", "Retire"),
    ],
)
def test_a_move_the_status_does_not_allow_is_a_409_naming_the_moves_allowed_now(
    people, vpn, status, action, refused, allowed
):
    Service.objects.filter(pk=vpn.pk).update(status=status)
    before = written()
    response = move(browser_for(people["service_owner"]), vpn, action)
    assert response.status_code == 409
    html = response.content.decode()
    shown = messages_of(html)
    assert refused in shown and f"Allowed now: {allowed}" in shown
    assert ("Someone moved it after the page was opened." in shown) == (
        action == "go_live"  # the page showed Go live; the service has gone on since
    )
    assert 'data-testid="availability"' in html  # the service page again
    if allowed != "none":
        testid = {"Go live": "go_live", "Retire": "retire"}[allowed]
        assert f'data-testid="service-action-{testid}"' in html
    assert written() == before


def test_the_retire_button_says_what_retiring_does_before_it_is_sent(people, vpn):
    page = browser_for(people["service_owner"]).get(f"/services/{vpn.pk}/").content.decode()
    button = re.search(r'<button[^>]*data-testid="service-action-retire"[^>]*>', page).group(0)
    confirm = re.search(r'data-confirm="([^"]*)"', button).group(1)
    assert confirm.startswith("Retire VPN?")
    for consequence in (
        "Requesters will no longer see it or report incidents on it",
        "its catalog items leave the catalog (no new requests)",
        "A retired service cannot go live again.",
    ):
        assert consequence in confirm


def test_retiring_does_what_the_button_says(people, vpn):
    """Requesters lose the service page, the report form's choice and the catalog's items;
    an open incident stays open."""
    item = CatalogItemFactory(service=vpn, name="VPN token")
    requester = browser_for(people["requester"])
    assert requester.get(f"/services/{vpn.pk}/").status_code == 200
    assert "VPN token" in requester.get("/catalog/").content.decode()

    assert move(browser_for(people["service_owner"]), vpn, "retire").status_code == 302

    assert requester.get(f"/services/{vpn.pk}/").status_code == 404
    assert "VPN token" not in requester.get("/catalog/").content.decode()
    assert requester.get(f"/catalog/items/{item.pk}/").status_code == 404
    report = requester.post(
        "/portal/report/",
        {"title": "No tunnel", "description": "Down", "service": vpn.pk, "impact": 2, "urgency": 2},
    )
    assert report.status_code == 400


# --- who may ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", OTHERS)
def test_others_are_refused_the_pages_and_the_writes(people, vpn, role):
    """A live service (requesters see it): 403 for every page and write, the refused move
    with the service page and the reason."""
    user = browser_for(people[role])
    before = written()
    assert user.get("/services/new/").status_code == 403
    assert user.post("/services/new/", new_post(people["service_owner"])).status_code == 403
    assert user.get(f"/services/{vpn.pk}/edit/").status_code == 403
    assert user.post(f"/services/{vpn.pk}/edit/", edit_post(vpn, name="Mine")).status_code == 403
    refused = move(user, vpn, "retire")
    assert refused.status_code == 403
    assert "Only the service&#x27;s owner or an admin may change it" in messages_of(
        refused.content.decode()
    )
    assert written() == before


def test_a_requester_gets_404_for_a_service_they_cannot_see(people, payroll):
    requester = browser_for(people["requester"])
    before = written()
    assert requester.get(f"/services/{payroll.pk}/").status_code == 404
    assert requester.get(f"/services/{payroll.pk}/edit/").status_code == 404
    assert requester.post(f"/services/{payroll.pk}/edit/", edit_post(payroll)).status_code == 404
    assert move(requester, payroll, "go_live").status_code == 404
    assert written() == before


def test_another_services_owner_may_add_services_but_not_run_this_one(people, vpn, other_owner):
    client = browser_for(other_owner)
    before = written()
    assert client.get(f"/services/{vpn.pk}/edit/").status_code == 403
    assert client.post(f"/services/{vpn.pk}/edit/", edit_post(vpn, name="Mine")).status_code == 403
    assert move(client, vpn, "retire").status_code == 403
    assert written() == before
    assert client.get("/services/new/").status_code == 200


def test_the_api_asks_the_same_rule(people, vpn, other_owner):
    """The services API refuses the same people (the rule is one function)."""
    url = f"/api/v1/services/{vpn.pk}/"
    patch = {"version": 1, "description": "x"}
    assert client_for(other_owner).patch(url, patch, format="json").status_code == 403
    assert client_for(people["agent"]).patch(url, patch, format="json").status_code == 403
    moved = client_for(other_owner).post(f"{url}transitions/", {"action": "retire"}, format="json")
    assert moved.status_code == 403
    # A move the status does not allow (it is live already) is 403 too for them, as on the
    # page, not 409 with the moves they could not make anyway.
    again = client_for(other_owner).post(f"{url}transitions/", {"action": "go_live"}, format="json")
    assert again.status_code == 403 and "allowed" not in again.json()
    assert client_for(people["service_owner"]).patch(url, patch, format="json").status_code == 200


def test_edit_and_move_buttons_and_new_service_are_shown_only_to_those_who_may(
    people, payroll, other_owner
):
    def shown(user) -> tuple[bool, bool, bool]:
        client = browser_for(user)
        listing = client.get("/services/").content.decode()
        page = client.get(f"/services/{payroll.pk}/").content.decode()
        return (
            'data-testid="service-new"' in listing,
            'data-testid="service-edit"' in page,
            'data-testid="service-action-go_live"' in page,
        )

    assert shown(people["service_owner"]) == (True, True, True)
    assert shown(people["admin"]) == (True, True, True)
    assert shown(other_owner) == (True, False, False)
    for role in ("agent", "manager", "project_manager"):
        assert shown(people[role]) == (False, False, False), role
    listing = browser_for(people["requester"]).get("/services/").content.decode()
    assert 'data-testid="service-new"' not in listing


def test_anonymous_users_are_sent_to_log_in(vpn):
    client = Client()
    for url in ("/services/new/", f"/services/{vpn.pk}/edit/"):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]
    response = move(client, vpn, "retire")
    assert response.status_code == 302 and "/login/" in response["Location"]
    vpn.refresh_from_db()
    assert vpn.status == "live"


# --- statements -------------------------------------------------------------------------------


def test_the_pages_statements_do_not_grow_with_choices_and_history(
    people, vpn, django_assert_max_num_queries
):
    """3 rows of each select and of the history, then 9: the same statements for the new
    page, the edit page and the owner's service page with its buttons (budgets of
    tests/test_statement_budgets.py: the service page as pinned there)."""
    owner = browser_for(people["service_owner"])
    counts = []
    for batch in (3, 6):
        for _ in range(batch):
            n = Service.objects.count() + AuditEvent.objects.count()
            UserFactory(username=f"owner-{n}", role=Role.SERVICE_OWNER)
            TeamFactory(name=f"Team {n}")
            sla_policy(f"Policy {n}", office_calendar(f"Hours {n}"))
            vpn = actions.service_update(
                service=vpn,
                actor=people["admin"],
                expected_version=vpn.version,
                changes={"description": f"Version {n}"},
            )
        found = []
        budgets = {
            "/services/new/": DETAIL,
            f"/services/{vpn.pk}/edit/": DETAIL,
            f"/services/{vpn.pk}/": DETAIL + (not KEPT),
            "/services/": LIST,
        }
        for url, budget in budgets.items():
            count, response = _counted_get(owner, url, budget, django_assert_max_num_queries)
            found.append(count)
            if url.endswith("/edit/"):
                html = response.content.decode()
                assert html.count('<li><span class="muted">') == min(
                    10, AuditEvent.objects.filter(object_id=str(vpn.pk)).count()
                )
        counts.append(found)
    assert counts[0] == counts[1], counts
