"""One hypercare window everywhere (projects/hypercare.py): `hypercare_days` whole days from
the go-live day, that day included. HR-06 going live on 1 Dec 2026 with 30 days has
hypercare 1–30 Dec 2026; normal support starts on 31 Dec (`hypercare_end`, exclusive). The
handoff tab, the service page, the outcome card, the support team's mail and the API all
say so (the handoff tab said "until 31 Dec", the service page "1 Dec – 30 Dec" with the first
day printed twice)."""

import datetime

import pytest

from projects import handoff_actions
from projects.hypercare import Hypercare
from tests.conftest import assert_status, browser_for
from tests.core.factories import TeamFactory
from tests.projects.factories import ProjectFactory
from tests.servicedesk.factories import ServiceFactory

pytestmark = pytest.mark.django_db
d = datetime.date


def test_thirty_days_from_go_live_end_on_the_twenty_ninth_day_after():
    window = Hypercare.from_go_live(d(2026, 12, 1), 30)
    assert (window.start, window.last_day, window.end, window.days) == (
        d(2026, 12, 1),
        d(2026, 12, 30),
        d(2026, 12, 31),
        30,
    )
    days = [(d(2026, 11, 30), "upcoming", 30), (d(2026, 12, 1), "running", 30)]
    days += [(d(2026, 12, 30), "running", 1), (d(2026, 12, 31), "ended", 0)]
    for today, state, left in days:
        assert (window.state(today), window.days_left(today)) == (state, left), today


@pytest.fixture
def accepted(people, mailoutbox, django_capture_on_commit_callbacks):
    """HR-06's handoff to HR portal, going live on 1 Dec 2026 with 30 days of hypercare,
    submitted and accepted by the service's owner."""
    service = ServiceFactory(name="HR portal", status="planned", owner=people["service_owner"])
    project = ProjectFactory(
        code="HR-06",
        manager=people["project_manager"],
        sponsor=people["manager"],
        service=service,
    )
    pm = people["project_manager"]
    handoff = handoff_actions.handoff_create(
        project=project,
        actor=pm,
        support_team=TeamFactory(name="HR support", email="hr-support@example.com"),
        go_live_on=d(2026, 12, 1),
        hypercare_days=30,
    )
    for item in handoff.checklist.all():
        handoff_actions.checklist_item_update(item=item, actor=pm, done=True)
    handoff_actions.handoff_transition(handoff=handoff, action="submit", actor=pm)
    with django_capture_on_commit_callbacks(execute=True):  # the mail to the support team
        handoff_actions.handoff_transition(
            handoff=handoff, action="accept", actor=people["service_owner"]
        )
    project.refresh_from_db()
    return project


WINDOW = "1 Dec 2026 – 30 Dec 2026 (30 days, both included)"


def test_the_handoff_tab_the_service_page_and_the_api_give_the_same_window(people, accepted):
    manager = browser_for(people["manager"])
    tab = manager.get(f"/projects/{accepted.pk}/handoff/").content.decode()
    assert WINDOW in tab and "31 Dec" not in tab
    service = manager.get(f"/services/{accepted.service_id}/").content.decode()
    panel = service[service.index('data-testid="service-delivery"') :]
    panel = panel[: panel.index("</div>")]
    assert WINDOW in panel and "31 Dec" not in panel
    assert panel.count("1 Dec 2026") == 1  # once, not in the badge as well
    assert "Hypercare to come" in panel
    row = assert_status(people["manager"], "GET", f"/api/v1/projects/{accepted.pk}/", 200).data
    assert (row["hypercare_start"], row["hypercare_last_day"], row["hypercare_end"]) == (
        "2026-12-01",
        "2026-12-30",
        "2026-12-31",
    )
    outcome = assert_status(
        people["manager"], "GET", f"/api/v1/projects/{accepted.pk}/outcome/", 200
    ).data
    assert (outcome["hypercare_start"], outcome["hypercare_last_day"]) == (
        "2026-12-01",
        "2026-12-30",
    )


def test_the_support_team_is_told_the_last_day_of_hypercare(accepted, mailoutbox):
    assert "1 Dec 2026 to 30 Dec 2026 (both included)" in mailoutbox[0].body


def test_a_submitted_handoff_shows_the_window_its_terms_give(people, accepted):
    """Before acceptance the tab shows the window go-live and hypercare days will give."""
    project = ProjectFactory(code="NEXT", manager=people["project_manager"])
    handoff_actions.handoff_create(
        project=project,
        actor=people["project_manager"],
        go_live_on=d(2027, 1, 4),
        hypercare_days=14,
    )
    tab = browser_for(people["manager"]).get(f"/projects/{project.pk}/handoff/").content.decode()
    assert "4 Jan 2027 – 17 Jan 2027 (14 days, both included)" in tab


def test_the_outcome_card_names_the_last_day(people, accepted):
    html = browser_for(people["manager"]).get(f"/projects/{accepted.pk}/").content.decode()
    card = html[html.index('data-testid="outcome-card"') :]
    assert f'Hypercare <span data-testid="hypercare-window">{WINDOW}</span>' in card
