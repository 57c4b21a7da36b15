"""The agent console: logging an incident for a caller, and the ticket page's side panel
(inline edits) keeping the page around it current, also when two agents edit one ticket."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from core.models import AuditEvent
from core.roles import Role
from servicedesk import actions
from servicedesk.models import Incident
from servicedesk.sla import builtin_24x7
from tests.browser.conftest import login, screenshot
from tests.core.factories import AgentFactory, OrganisationFactory, TeamFactory, UserFactory
from tests.servicedesk.factories import ServiceFactory, sla_policy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def desk():
    return TeamFactory(name="Service Desk")


@pytest.fixture
def agents(desk):
    return (
        AgentFactory(username="agent", first_name="Alex", last_name="Agent", teams=[desk]),
        AgentFactory(username="agent2", first_name="Bo", last_name="Agent", teams=[desk]),
    )


@pytest.fixture
def caller():
    acme = OrganisationFactory(name="Acme")
    return UserFactory(
        username="rita",
        first_name="Rita",
        last_name="Caller",
        role=Role.REQUESTER,
        organisation=acme,
    )


@pytest.fixture
def service(desk):
    """Round the clock: P3 resolves within 240 minutes, P2 within 120."""
    return ServiceFactory(
        name="Payroll", support_team=desk, sla_policy=sla_policy("24x7", builtin_24x7())
    )


@pytest.fixture
def incident(agents, caller, service, desk):
    return actions.incident_open(
        actor=agents[0],
        requester=caller,
        title="Payslips missing",
        service=service,
        impact=2,
        urgency=2,
        team=desk,
    )


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


HTMX_BUSY = ".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added"


def _panel_save(page, act):
    """Change a side panel field; the panel's answer (htmx) is awaited and returned, swapped
    in and settled (htmx has nothing in flight, swapping or settling) before the test reads
    the page. A change made while htmx is busy is queued and sent (static/js/app.js):
    test_changes_made_back_to_back_in_the_panel_are_all_saved."""
    with page.expect_response(lambda r: "/fields/" in r.url and r.request.method == "POST") as a:
        act()
    page.wait_for_load_state("networkidle")
    expect(page.locator(HTMX_BUSY)).to_have_count(0)
    return a.value


def _panel_answers(page) -> list[int]:
    """The statuses of the side panel's answers on `page` from now on, in order."""
    statuses = []

    def note(response):
        if "/fields/" in response.url and response.request.method == "POST":
            statuses.append(response.status)

    page.on("response", note)
    return statuses


def _tab(browser, live_server):
    """A browser of its own (another agent's), noting its script errors as `page` does."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 900})
    tab = context.new_page()
    tab.js_errors = []
    tab.on("pageerror", lambda exc: tab.js_errors.append(str(exc)))
    return tab


def _ticket(page, username, incident):
    login(page, username)
    page.goto(f"/desk/incidents/{incident.number}/")
    page.wait_for_load_state("networkidle")
    page.evaluate("window.notReloaded = true")  # gone if the page were loaded again


def test_agent_logs_an_incident_for_a_caller_and_lands_on_its_ticket(page, agents, caller, service):
    login(page, "agent")
    page.goto("/desk/")
    page.get_by_test_id("new-incident").click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/desk/incidents/new/")
    # Typing a name offers the matches (htmx fills the box's list); the username is taken.
    page.get_by_label("Requester").press_sequentially("rita ca", delay=30)
    offered = page.locator("#id_requester-people option")
    offered.first.wait_for(state="attached")
    assert offered.count() == 1
    assert offered.get_attribute("value") == "rita"
    assert offered.inner_text() == "Rita Caller (rita, Acme)"
    page.get_by_label("Requester").fill("rita")
    page.get_by_label("Service").select_option(label="Payroll")
    page.get_by_label("Title").fill("Payslip shows last month")
    page.get_by_label("Description").fill("Called at 9:10.")
    page.get_by_label("Urgency").select_option("1")
    page.get_by_label("Assignee").select_option(label="Bo Agent")
    screenshot(page, "agent-new-incident")

    page.get_by_test_id("open-incident").click()
    page.wait_for_load_state("networkidle")

    incident = Incident.objects.get()
    assert page.url.endswith(f"/desk/incidents/{incident.number}/")
    expect(page.locator(".messages")).to_contain_text(
        f"{incident.number} was opened for Rita Caller."
    )
    expect(page.locator("#fields-panel")).to_contain_text("Rita Caller")
    expect(page.get_by_test_id("status")).to_have_text("Assigned")
    assert (incident.requester, incident.assignee) == (caller, agents[1])
    assert not page.js_errors


def test_an_inline_priority_change_shows_the_new_due_time_and_history_without_a_reload(
    page, agents, incident
):
    _ticket(page, "agent", incident)
    sla_panel, history = page.locator("#sla-panel"), page.locator("#history-panel")
    before, after = (_local(incident.opened_at + timedelta(minutes=m)) for m in (240, 120))
    expect(sla_panel).to_contain_text(before)

    answer = _panel_save(page, lambda: page.select_option("#id_urgency", "1"))

    assert answer.status == 200
    expect(page.get_by_test_id("priority")).to_have_text("2 - High")
    expect(sla_panel).to_contain_text(after)
    expect(sla_panel).not_to_contain_text(before)
    expect(history).to_contain_text("urgency 2 - Medium → 1 - High")
    expect(history).to_contain_text("priority 3 - Moderate → 2 - High")
    assert page.evaluate("window.notReloaded") is True
    screenshot(page, "agent-ticket-inline-edit")
    assert not page.js_errors


def test_two_agents_on_one_ticket_each_see_the_others_change_and_their_next_one_saves(
    browser, live_server, agents, incident
):
    """Alex saves first; Bo's change, based on the page Bo opened, is a 412 that shows Alex's
    value and the current version, so Bo's next change saves; then the same the other way."""
    alex, bo = (_tab(browser, live_server) for _ in agents)
    _ticket(alex, "agent", incident)
    _ticket(bo, "agent2", incident)

    assert _panel_save(alex, lambda: alex.select_option("#id_urgency", "1")).status == 200

    refused = _panel_save(bo, lambda: bo.select_option("#id_impact", "3"))
    assert refused.status == 412
    expect(bo.locator("#fields-panel")).to_contain_text("changed by someone else")
    expect(bo.locator("#id_urgency")).to_have_value("1")  # Alex's change, now shown
    expect(bo.locator("#id_impact")).to_have_value("2")  # Bo's was not saved
    expect(bo.locator("#history-panel")).to_contain_text("urgency 2 - Medium → 1 - High")
    assert _panel_save(bo, lambda: bo.select_option("#id_impact", "3")).status == 200
    expect(bo.locator("#fields-panel")).to_contain_text("Saved.")

    refused = _panel_save(alex, lambda: alex.select_option("#id_category", "network"))
    assert refused.status == 412
    expect(alex.locator("#id_impact")).to_have_value("3")  # Bo's change, now shown
    assert _panel_save(alex, lambda: alex.select_option("#id_category", "network")).status == 200

    incident.refresh_from_db()
    assert (incident.urgency, incident.impact, incident.category) == (1, 3, "network")
    assert incident.version == 4
    for tab in (alex, bo):
        assert tab.evaluate("window.notReloaded") is True and not tab.js_errors
        tab.context.close()


def test_changes_made_back_to_back_in_the_panel_are_all_saved(page, agents, incident):
    """A quick agent changes urgency and, without waiting, impact; then category just as the
    first answer comes in: none is lost while the panel is saving or being redrawn (each is
    sent once the panel is back, based on the version the last save left), none is a 412."""
    answers = _panel_answers(page)
    _ticket(page, "agent", incident)
    history = page.locator("#history-panel")

    with page.expect_response(lambda r: "/fields/" in r.url and r.request.method == "POST"):
        page.select_option("#id_urgency", "1")
        page.select_option("#id_impact", "3")
    page.select_option("#id_category", "network")

    expect(history).to_contain_text("urgency 2 - Medium → 1 - High")
    expect(history).to_contain_text("impact 2 - Medium → 3 - Low")
    expect(history).to_contain_text("category Other → Network")
    page.wait_for_load_state("networkidle")
    expect(page.locator(HTMX_BUSY)).to_have_count(0)
    incident.refresh_from_db()
    assert (incident.urgency, incident.impact, incident.category) == (1, 3, "network")
    changed = {}
    for event in AuditEvent.objects.filter(action="incident.updated").order_by("id"):
        changed.update({name: new for name, (old, new) in event.changes.items()})
    assert {k: changed.get(k) for k in ("urgency", "impact", "category")} == {
        "urgency": 1,
        "impact": 3,
        "category": "network",
    }
    assert answers and set(answers) == {200}
    expect(page.locator("#fields-panel")).to_contain_text("Saved.")
    for name, value in (("urgency", "1"), ("impact", "3"), ("category", "network")):
        expect(page.locator(f"#id_{name}")).to_have_value(value)
    assert page.evaluate("window.notReloaded") is True
    assert not page.js_errors


def test_after_a_412_the_page_offers_the_moves_of_the_state_a_colleague_left_it_in(
    browser, live_server, agents, incident
):
    """Bo's page shows a new incident (Assign, Start work); Alex starts work on it. Bo types a
    reply, then changes impact and at once urgency: the first is a 412, and the urgency,
    queued behind it on the same stale page, is not sent either (the message says to make the
    change again). Bo's page now shows the incident as Alex left it: In progress, Put on hold
    and Resolve, the reply still as typed. A change saved next keeps what Bo typed in the
    resolve form; putting it on hold works."""
    alex, bo = (_tab(browser, live_server) for _ in agents)
    _ticket(alex, "agent", incident)
    _ticket(bo, "agent2", incident)
    bo_buttons = bo.get_by_test_id("actions").locator("button")
    expect(bo_buttons).to_have_text(["Assign", "Start work", "Cancel"])
    alex.get_by_test_id("action-start").click()
    alex.wait_for_load_state("networkidle")
    expect(alex.get_by_test_id("status")).to_have_text("In progress")
    answers = _panel_answers(bo)
    bo.fill("#id_body", "Checking the payroll export now.")

    with bo.expect_response(lambda r: "/fields/" in r.url and r.request.method == "POST"):
        bo.select_option("#id_impact", "3")
        bo.select_option("#id_urgency", "1")
    bo.wait_for_load_state("networkidle")
    expect(bo.locator(HTMX_BUSY)).to_have_count(0)

    assert answers == [412]
    expect(bo.locator("#fields-panel")).to_contain_text("changed by someone else")
    expect(bo.get_by_test_id("status")).to_have_text("In progress")
    expect(bo_buttons).to_have_text(["Put on hold", "Cancel"])
    expect(bo.get_by_test_id("resolve-panel")).to_be_visible()
    expect(bo.get_by_test_id("incident-title")).to_contain_text("Payslips missing")
    expect(bo.locator("#id_body")).to_have_value("Checking the payroll export now.")
    expect(bo.locator("#id_impact")).to_have_value("2")
    expect(bo.locator("#id_urgency")).to_have_value("2")
    assert bo.evaluate("window.notReloaded") is True
    screenshot(bo, "agent-ticket-after-412")
    # A save redraws the page around the panel too; what Bo types in the resolve form stays.
    bo.get_by_test_id("resolve-panel").locator("summary").click()
    bo.fill("#id_resolution_note", "Export job restarted.")
    assert _panel_save(bo, lambda: bo.select_option("#id_impact", "3")).status == 200
    expect(bo.locator("#id_resolution_note")).to_be_visible()
    expect(bo.locator("#id_resolution_note")).to_have_value("Export job restarted.")
    expect(bo.locator("#id_body")).to_have_value("Checking the payroll export now.")

    bo.get_by_test_id("action-hold").click()
    bo.wait_for_load_state("networkidle")

    expect(bo.get_by_test_id("status")).to_have_text("On hold")
    incident.refresh_from_db()
    assert (incident.status, incident.impact, incident.urgency) == ("on_hold", 3, 2)
    for tab in (alex, bo):
        assert not tab.js_errors
        tab.context.close()


FIELDS_POST = "**/desk/incidents/*/fields/"


def _hold_first_save(page) -> list:
    """Hold the panel's next save in the browser (the test answers it: fulfil or continue);
    the saves after it go to the server as usual."""
    held = []

    def route(request_route):
        if request_route.request.method == "POST" and not held:
            held.append(request_route)
        else:
            request_route.continue_()

    page.route(FIELDS_POST, route)
    return held


def _change_while_held(page, held, first, second):
    """Make `first` change, and `second` while its save is held (so it is queued)."""
    page.select_option(*first)
    for _ in range(200):
        if held:
            break
        page.wait_for_timeout(25)
    assert held, "the panel's save was not sent"
    page.select_option(*second)


def test_a_save_the_server_fails_is_said_and_undone_and_the_change_queued_behind_it_is_sent(
    page, agents, incident
):
    """The urgency's save fails (500) while impact, changed meanwhile, waits: the agent reads
    beside the panel that urgency was not saved and why, the urgency shows the value stored
    again (a next change does not send the failed one unseen), and the impact, made on the
    version the page still holds, is sent at once and saved."""
    answers = _panel_answers(page)
    _ticket(page, "agent", incident)
    held = _hold_first_save(page)
    _change_while_held(page, held, ("#id_urgency", "1"), ("#id_impact", "3"))

    with page.expect_response(lambda r: "/fields/" in r.url and r.status == 200):
        held[0].fulfill(status=500, content_type="text/html", body="<h1>Server Error</h1>")
    page.wait_for_load_state("networkidle")
    expect(page.locator(HTMX_BUSY)).to_have_count(0)

    unsaved = page.get_by_test_id("panel-unsaved")
    expect(unsaved).to_have_text(
        "Urgency not saved: the server failed (500 Internal Server Error). "
        "Reload to see the incident as stored."
    )
    expect(unsaved).to_have_attribute("role", "alert")
    expect(page.locator("#id_urgency")).to_have_value("2")
    expect(page.locator("#id_impact")).to_have_value("3")
    expect(page.locator("#fields-panel")).to_contain_text("Saved.")
    incident.refresh_from_db()
    assert (incident.urgency, incident.impact, incident.version) == (2, 3, 2)
    assert answers == [500, 200]
    screenshot(page, "agent-ticket-save-failed")

    # The agent's next change is saved alone, and the message, said, goes.
    assert _panel_save(page, lambda: page.select_option("#id_category", "network")).status == 200
    expect(unsaved).to_have_count(0)
    incident.refresh_from_db()
    assert (incident.urgency, incident.impact, incident.category) == (2, 3, "network")
    assert page.evaluate("window.notReloaded") is True
    assert not page.js_errors


def test_a_save_refused_as_forbidden_drops_the_change_queued_behind_it_and_says_both(
    page, agents, incident
):
    """Alex is moved off the desk while saving: the server refuses the urgency (403) with
    impact queued behind it. Neither is sent again, now or with Alex's next change; both are
    named as not saved (in the panel's order) and show the values stored."""
    answers = _panel_answers(page)
    _ticket(page, "agent", incident)
    held = _hold_first_save(page)
    _change_while_held(page, held, ("#id_urgency", "1"), ("#id_impact", "3"))
    alex = agents[0]
    alex.role = Role.REQUESTER
    alex.save(update_fields=["role"])

    held[0].continue_()
    unsaved = page.get_by_test_id("panel-unsaved")
    expect(unsaved).to_have_text(
        "Impact and Urgency not saved: you may not change this incident (403 Forbidden). "
        "Reload to see the incident as stored."
    )
    page.wait_for_load_state("networkidle")
    expect(page.locator("#id_urgency")).to_have_value("2")
    expect(page.locator("#id_impact")).to_have_value("2")
    assert answers == [403]

    alex.role = Role.AGENT
    alex.save(update_fields=["role"])
    assert _panel_save(page, lambda: page.select_option("#id_category", "network")).status == 200
    incident.refresh_from_db()
    assert (incident.urgency, incident.impact, incident.category) == (2, 2, "network")
    assert answers == [403, 200]
    assert not page.js_errors


def test_a_save_that_gets_no_answer_is_said_and_undone(page, agents, incident):
    """The network drops the save: the panel says so and shows urgency as stored."""
    _ticket(page, "agent", incident)
    page.route(FIELDS_POST, lambda route: route.abort("internetdisconnected"))
    page.select_option("#id_urgency", "1")
    expect(page.get_by_test_id("panel-unsaved")).to_have_text(
        "Urgency not saved: no answer from the server (is the network down?). "
        "Reload to see the incident as stored."
    )
    expect(page.locator("#id_urgency")).to_have_value("2")
    incident.refresh_from_db()
    assert (incident.urgency, incident.version) == (2, 1)
    assert not page.js_errors
