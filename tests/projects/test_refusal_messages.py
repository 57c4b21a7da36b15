"""A refusal on a project page reads as plain sentences: what is missing in the guard's own
words (never a Python list), and a lifecycle move and the moves allowed now by their
buttons' labels, the state in words. The API keeps its codes."""

import datetime
import html as htmllib

import pytest
from django.core.exceptions import ValidationError

from core.exceptions import GuardFailed, InvalidTransition
from projects import handoff_actions
from projects.choices import Phase
from projects.models import Handoff, Project
from projects.views import refusal_text
from tests.conftest import assert_status, browser_for
from tests.core.factories import TeamFactory
from tests.projects.factories import ProjectFactory
from tests.servicedesk.factories import ServiceFactory

pytestmark = pytest.mark.django_db


def _messages(response) -> str:
    return htmllib.unescape(response.content.decode())


@pytest.fixture
def project(people):
    return ProjectFactory(
        code="PAY",
        manager=people["project_manager"],
        sponsor=people["manager"],
        phase=Phase.EXECUTION,
    )


def test_rejecting_a_handoff_without_a_note_says_so_in_a_sentence(people, project):
    Project.objects.filter(pk=project.pk).update(
        service=ServiceFactory(name="HR portal", status="planned", owner=people["service_owner"])
    )
    project.refresh_from_db()
    pm = people["project_manager"]
    handoff = handoff_actions.handoff_create(
        project=project, actor=pm, support_team=TeamFactory(), go_live_on=datetime.date(2026, 12, 1)
    )
    for item in handoff.checklist.all():
        handoff_actions.checklist_item_update(item=item, actor=pm, done=True)
    handoff_actions.handoff_transition(handoff=handoff, action="submit", actor=pm)
    response = browser_for(people["service_owner"]).post(
        f"/projects/{project.pk}/handoff/move/", {"action": "reject", "note": ""}
    )
    assert response.status_code == 400
    text = _messages(response)
    assert (
        "“Reject” needs more information. "
        "Say what must change before the service can be accepted." in text
    )
    assert "['" not in text and "note:" not in text
    assert Handoff.objects.get(pk=handoff.pk).status == "submitted"


def test_a_move_the_phase_does_not_allow_names_buttons_and_the_phase(people, project):
    response = browser_for(people["manager"]).post(
        f"/projects/{project.pk}/transition/", {"action": "execute"}
    )
    assert response.status_code == 409
    assert (
        "“Approve plan, start execution” is not possible now: the project is in execution. "
        "Allowed now: “Move to monitoring & control”, “Cancel the project”." in _messages(response)
    )
    # The API keeps the codes.
    api = assert_status(
        people["manager"],
        "POST",
        f"/api/v1/projects/{project.pk}/transitions/",
        409,
        {"action": "execute"},
    )
    assert api.data["detail"] == "'execute' is not allowed from 'execution'."
    assert api.data["allowed"] == ["monitor", "cancel"]


def test_cancelling_without_a_reason_asks_for_it_by_the_buttons_name(people, project):
    response = browser_for(people["manager"]).post(
        f"/projects/{project.pk}/transition/", {"action": "cancel", "reason": ""}
    )
    assert response.status_code == 400
    text = _messages(response)
    assert "“Cancel the project” needs more information. Say why the project is cancelled." in text
    assert Project.objects.get(pk=project.pk).phase == Phase.EXECUTION


def test_a_refusal_never_shows_a_list_or_a_dict():
    guard = GuardFailed("'x' needs more information.", fields={"a": ["One."], "b": "Two."})
    assert refusal_text(guard) == "'x' needs more information. One. Two."
    nested = ValidationError({"due_date": ["Late."], "__all__": ["Odd."]})
    assert refusal_text(nested) == "Late. Odd."
    moved = InvalidTransition(action="x", state="s", allowed=[])
    assert refusal_text(moved) == "'x' is not allowed from 's'. Allowed now: none."
