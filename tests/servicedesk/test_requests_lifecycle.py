"""The request and improvement lifecycle tables, and the approval paths through them."""

import pytest

from core.exceptions import GateNotMet, GuardFailed, InvalidTransition, NotAllowed
from core.models import AuditEvent
from servicedesk import request_actions as actions
from servicedesk.choices import ImprovementStatus, RequestStatus
from servicedesk.request_lifecycle import IMPROVEMENT_LIFECYCLE, REQUEST_LIFECYCLE
from tests.servicedesk.factories import ServiceFactory
from tests.servicedesk.request_factories import CatalogItemFactory

pytestmark = pytest.mark.django_db
ANSWERS = {"model": "13-inch", "justification": "New starter"}


# --- the tables -----------------------------------------------------------------------------

REQUEST_TABLE = {
    "submitted": ["request_approval", "start_fulfilment", "cancel"],
    "awaiting_approval": ["approve", "reject", "cancel"],
    "approved": ["start_fulfilment", "cancel"],
    "rejected": [],
    "in_fulfilment": ["fulfil", "cancel"],
    "fulfilled": ["close"],
    "closed": [],
    "cancelled": [],
}
IMPROVEMENT_TABLE = {
    "proposed": ["approve", "reject"],
    "approved": ["start", "reject"],
    "in_progress": ["implement", "return"],  # return: its project was cancelled
    "implemented": [],
    "rejected": [],
}


@pytest.mark.parametrize(("state", "actions_from"), REQUEST_TABLE.items())
def test_request_table_allows_exactly_these_moves(state, actions_from):
    assert REQUEST_LIFECYCLE.actions_from(state) == actions_from


def test_request_table_covers_every_status():
    assert set(REQUEST_TABLE) == set(RequestStatus.values) == set(REQUEST_LIFECYCLE.states)


@pytest.mark.parametrize(("state", "actions_from"), IMPROVEMENT_TABLE.items())
def test_improvement_table_allows_exactly_these_moves(state, actions_from):
    assert IMPROVEMENT_LIFECYCLE.actions_from(state) == actions_from


def test_improvement_table_covers_every_status():
    assert set(IMPROVEMENT_TABLE) == set(ImprovementStatus.values)


# --- approval paths -------------------------------------------------------------------------


@pytest.fixture
def desk(people):
    people["requester"].manager = people["manager"]
    people["requester"].save()
    service = ServiceFactory(name="Laptops", owner=people["service_owner"])
    return {
        "service": service,
        "manager_item": CatalogItemFactory(
            service=service, approval="manager", fulfilment_team=people["team"]
        ),
        "owner_item": CatalogItemFactory(service=service, approval="service_owner"),
        "named_item": CatalogItemFactory(
            service=service, approval="named_user", approver=people["admin"]
        ),
        "free_item": CatalogItemFactory(service=service, form_definition=[]),
    }


def submit(people, item, who="requester"):
    return actions.request_submit(actor=people[who], catalog_item=item, answers=ANSWERS)


def test_an_item_without_approval_goes_straight_to_fulfilment(people, desk):
    request = actions.request_submit(actor=people["requester"], catalog_item=desk["free_item"])
    assert request.status == "in_fulfilment"
    assert request.number.startswith("REQ") and request.approver is None
    assert [t.title for t in request.tasks.all()] == ["Order", "Hand over"]
    assert request.resolution_due is not None
    moves = list(
        AuditEvent.objects.filter(object_id=str(request.pk)).values_list("action", flat=True)
    )
    assert moves == ["request.submitted", "request.start_fulfilment"]


@pytest.mark.parametrize(
    ("item", "approver"),
    [("manager_item", "manager"), ("owner_item", "service_owner"), ("named_item", "admin")],
)
def test_the_designated_approver_is_resolved_at_submission(people, desk, item, approver):
    request = submit(people, desk[item])
    assert request.status == "awaiting_approval"
    assert request.approver == people[approver]
    assert request.resolution_due is None  # the delivery clock starts at approval


def test_approve_then_fulfil_then_close(people, desk):
    request = submit(people, desk["manager_item"])
    approved = actions.request_transition(
        request=request, action="approve", actor=people["manager"], data={"comment": "OK"}
    )
    assert approved.status == "approved" and approved.resolution_due is not None
    decision = approved.approvals.get()
    assert (decision.approver, decision.decision, decision.comment) == (
        people["manager"],
        "approved",
        "OK",
    )
    started = actions.request_transition(
        request=approved, action="start_fulfilment", actor=people["agent"]
    )
    assert started.status == "in_fulfilment" and started.assignee == people["agent"]
    with pytest.raises(GateNotMet) as caught:
        actions.request_transition(request=started, action="fulfil", actor=people["agent"])
    assert caught.value.unmet == ["Task not done: Order", "Task not done: Hand over"]
    for task in started.tasks.all():
        actions.request_task_set(task=task, actor=people["agent"], done=True)
    fulfilled = actions.request_transition(request=started, action="fulfil", actor=people["agent"])
    assert fulfilled.status == "fulfilled" and fulfilled.fulfilled_at
    closed = actions.request_transition(
        request=fulfilled, action="close", actor=people["requester"]
    )
    assert closed.status == "closed"


def test_reject_needs_a_comment_and_ends_the_request(people, desk):
    request = submit(people, desk["owner_item"])
    with pytest.raises(GuardFailed) as caught:
        actions.request_transition(request=request, action="reject", actor=people["service_owner"])
    assert "comment" in caught.value.fields
    rejected = actions.request_transition(
        request=request,
        action="reject",
        actor=people["service_owner"],
        data={"comment": "Use the shared pool."},
    )
    assert rejected.status == "rejected" and rejected.closed_at
    assert rejected.approvals.get().decision == "rejected"
    with pytest.raises(InvalidTransition):
        actions.request_transition(
            request=rejected, action="start_fulfilment", actor=people["agent"]
        )


@pytest.mark.parametrize("who", ["requester", "agent", "admin", "service_owner"])
def test_only_the_designated_approver_decides(people, desk, who):
    request = submit(people, desk["manager_item"])
    with pytest.raises(NotAllowed):
        actions.request_transition(request=request, action="approve", actor=people[who])


def test_the_requester_cancels_while_awaiting_approval(people, desk):
    request = submit(people, desk["manager_item"])
    cancelled = actions.request_transition(
        request=request, action="cancel", actor=people["requester"]
    )
    assert cancelled.status == "cancelled"
    with pytest.raises(InvalidTransition) as caught:
        actions.request_transition(request=cancelled, action="approve", actor=people["manager"])
    assert caught.value.allowed == []


def test_someone_else_cannot_cancel(people, desk):
    request = submit(people, desk["manager_item"])
    with pytest.raises(NotAllowed):
        actions.request_transition(
            request=request, action="cancel", actor=people["requester_other"]
        )


def test_a_requester_cannot_start_fulfilment_after_approval(people, desk):
    request = submit(people, desk["manager_item"])
    approved = actions.request_transition(
        request=request, action="approve", actor=people["manager"]
    )
    with pytest.raises(NotAllowed):
        actions.request_transition(
            request=approved, action="start_fulfilment", actor=people["requester"]
        )


def test_an_approval_item_without_anyone_to_approve_is_refused(people, desk):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        submit(people, desk["manager_item"], who="requester_other")  # has no manager
    assert "catalog_item" in caught.value.message_dict


def test_tasks_are_worked_only_in_fulfilment_and_only_by_agents(people, desk):
    from django.core.exceptions import ValidationError

    request = submit(people, desk["manager_item"])
    task = request.tasks.first()
    with pytest.raises(ValidationError):
        actions.request_task_set(task=task, actor=people["agent"], done=True)
    free = actions.request_submit(actor=people["requester"], catalog_item=desk["free_item"])
    with pytest.raises(NotAllowed):
        actions.request_task_set(task=free.tasks.first(), actor=people["requester"], done=True)
