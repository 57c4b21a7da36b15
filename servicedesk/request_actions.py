"""Every write of the service catalog and its requests.

A second actions module, named in domain words, beside servicedesk/actions.py (which
holds the service and incident writes) so the two could grow apart without
stepping on each other. Same rules: one transaction per action, an audit row, side
effects deferred with `transaction.on_commit`, status moved only by the lifecycle.
"""

from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.audit import audit_record, versioned_update
from core.exceptions import NotAllowed
from core.lifecycle import transition_apply
from core.numbering import number_next
from core.roles import Role, has_role, is_admin, works_tickets
from core.webhooks import publish
from servicedesk import request_notifications as notify
from servicedesk.attachments import attachment_fill
from servicedesk.catalog_forms import answers_clean
from servicedesk.choices import ApproverKind, RequestStatus, ServiceStatus
from servicedesk.models import (
    CatalogItem,
    RequestAttachment,
    RequestComment,
    RequestTask,
    Service,
    ServiceRequest,
)
from servicedesk.request_lifecycle import REQUEST_LIFECYCLE, request_clock_start

CATALOG_ITEM_FIELDS = (
    "service",
    "name",
    "description",
    "form_definition",
    "fulfilment_team",
    "fulfilment_checklist",
    "approval",
    "approver",
    "delivery_days",
    "active",
)
REQUEST_AGENT_FIELDS = ("team", "assignee")


# --- Catalog items -------------------------------------------------------------------------


def catalog_item_may_edit(actor, service: Service) -> bool:
    """Admins, and the owner of the item's service."""
    return is_admin(actor) or (has_role(actor, Role.SERVICE_OWNER) and service.owner_id == actor.pk)


@transaction.atomic
def catalog_item_create(*, actor, service: Service, **fields) -> CatalogItem:
    """Add an item to a service's catalog; its form definition is validated (400 naming it)."""
    if not catalog_item_may_edit(actor, service):
        raise NotAllowed("Only the service owner or an admin may change its catalog.")
    item = CatalogItem(
        service=service, **{k: v for k, v in fields.items() if k in CATALOG_ITEM_FIELDS}
    )
    item.full_clean()
    item.save()
    audit_record(actor=actor, action="catalog_item.created", obj=item)
    return item


@transaction.atomic
def catalog_item_update(
    *, item: CatalogItem, actor, expected_version: int, changes: dict
) -> CatalogItem:
    """Change an item (optimistic locking); requests already made keep their answers."""
    if not catalog_item_may_edit(actor, item.service) or (
        "service" in changes and not catalog_item_may_edit(actor, changes["service"])
    ):
        raise NotAllowed("Only the service owner or an admin may change its catalog.")
    return versioned_update(
        model=CatalogItem,
        pk=item.pk,
        actor=actor,
        action="catalog_item.updated",
        changes=changes,
        allowed=CATALOG_ITEM_FIELDS,
        expected_version=expected_version,
    )


# --- Requests --------------------------------------------------------------------------------


def approver_for(item: CatalogItem, requester):
    """Who must approve `item` for `requester`: the named user, the requester's manager or
    the service owner; None when no approval is needed. 400 if nobody fills the role."""
    kind = item.approval
    if kind == ApproverKind.NONE:
        return None
    approver = {
        ApproverKind.NAMED_USER: item.approver,
        ApproverKind.MANAGER: requester.manager,
        ApproverKind.SERVICE_OWNER: item.service.owner,
    }.get(kind)
    if approver is None or not approver.is_active:
        who = ApproverKind(kind).label.lower()
        raise ValidationError(
            {"catalog_item": [f"This item needs approval by {who}; none is set."]}
        )
    return approver


@transaction.atomic
def request_submit(
    *, actor, catalog_item: CatalogItem, answers: dict | None = None, requester=None
) -> ServiceRequest:
    """Submit a request (REQ0000001…) for `requester` (default: the actor; agents may order
    for someone else). Answers are validated against the item's form; the request then
    goes, through the lifecycle, to `awaiting_approval` or straight to `in_fulfilment`."""
    requester = requester or actor
    if requester != actor and not works_tickets(actor):
        raise NotAllowed("Only agents may request for someone else.")
    if not catalog_item.active or catalog_item.service.status != ServiceStatus.LIVE:
        raise ValidationError({"catalog_item": ["Choose an item of a live service."]})
    cleaned = answers_clean(catalog_item.form_definition, answers)
    request = ServiceRequest(
        catalog_item=catalog_item,
        service=catalog_item.service,
        requester=requester,
        organisation=requester.organisation,
        answers=cleaned,
        approver=approver_for(catalog_item, requester),
        team=catalog_item.fulfilment_team,
        opened_at=timezone.now(),
    )
    request_clock_start(request, delivery_from=None if request.approver_id else request.opened_at)
    request.number = number_next(prefix="REQ")
    request.save()
    RequestTask.objects.bulk_create(
        RequestTask(request=request, position=n, title=title)
        for n, title in enumerate(catalog_item.fulfilment_checklist)
    )
    audit_record(
        actor=actor,
        action="request.submitted",
        obj=request,
        changes={"status": [None, request.status], "catalog_item": [None, catalog_item.pk]},
    )
    publish(event="request.created", data=_event_data(request))
    route = "request_approval" if request.approver_id else "start_fulfilment"
    return request_transition(request=request, action=route, actor=actor)


def _event_data(request: ServiceRequest) -> dict:
    return {
        "object": {"type": "request", "id": request.pk, "number": request.number},
        "catalog_item": request.catalog_item_id,
        "service": request.service_id,
        "status": request.status,
    }


# Who hears about which move (servicedesk/request_notifications.py).
_MOVE_NOTICES = {
    "request_approval": "awaiting_approval",
    "approve": "approved",
    "reject": "rejected",
    "start_fulfilment": "in_fulfilment",
    "fulfil": "fulfilled",
}


def request_transition(
    *, request: ServiceRequest, action: str, actor, data: dict | None = None
) -> ServiceRequest:
    """Apply a lifecycle action (approve, reject, start_fulfilment, fulfil, close, cancel)."""
    with transaction.atomic():
        moved = transition_apply(
            lifecycle=REQUEST_LIFECYCLE, instance=request, action=action, actor=actor, data=data
        )
        kind = _MOVE_NOTICES.get(action)
        if kind:
            transaction.on_commit(partial(notify.request_moved, moved.pk, kind))
    return moved


@transaction.atomic
def request_update(
    *, request: ServiceRequest, actor, expected_version: int, changes: dict
) -> ServiceRequest:
    """Agents route a request (team, assignee); a stale `expected_version` is 412."""
    if not works_tickets(actor):
        raise NotAllowed("Only agents may route requests.")
    refused = sorted(set(changes) - set(REQUEST_AGENT_FIELDS))
    if refused:
        raise ValidationError({name: ["You may not change this field."] for name in refused})
    if changes.get("assignee") is not None and not works_tickets(changes["assignee"]):
        raise ValidationError({"assignee": ["Assign to an agent."]})
    return versioned_update(
        model=ServiceRequest,
        pk=request.pk,
        actor=actor,
        action="request.updated",
        changes=changes,
        allowed=REQUEST_AGENT_FIELDS,
        expected_version=expected_version,
    )


@transaction.atomic
def request_task_set(*, task: RequestTask, actor, done: bool) -> RequestTask:
    """Tick (or untick) one fulfilment task; agents only, while the request is in fulfilment."""
    if not works_tickets(actor):
        raise NotAllowed("Only agents work the fulfilment checklist.")
    request = ServiceRequest.objects.select_for_update().get(pk=task.request_id)
    if request.status != RequestStatus.IN_FULFILMENT:
        raise ValidationError({"task": ["Tasks are worked while the request is in fulfilment."]})
    locked = RequestTask.objects.select_for_update().get(pk=task.pk)
    if locked.done == done:
        return locked
    locked.done = done
    locked.done_by = actor if done else None
    locked.done_at = timezone.now() if done else None
    locked.save()
    audit_record(
        actor=actor,
        action="request.task_done" if done else "request.task_reopened",
        obj=request,
        changes={"task": [locked.title, "done" if done else "open"]},
    )
    return locked


@transaction.atomic
def request_comment_add(
    *, request: ServiceRequest, actor, body: str, internal: bool = False, files=()
) -> RequestComment:
    """A public reply or an internal note (agents only), with optional attachments; an
    agent's first public reply is the request's first response."""
    if internal and not works_tickets(actor):
        raise NotAllowed("Only agents may write internal notes.")
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": ["Write something."]})
    comment = RequestComment(request=request, author=actor, body=body, internal=internal)
    comment.full_clean()
    comment.save()
    for upload in files:
        request_attachment_add(request=request, actor=actor, upload=upload, comment=comment)
    if not internal and works_tickets(actor):
        ServiceRequest.objects.filter(pk=request.pk, first_responded_at__isnull=True).update(
            first_responded_at=comment.created_at
        )
    audit_record(
        actor=actor,
        action="request.internal_note" if internal else "request.commented",
        obj=request,
        changes={"comment": [None, comment.pk]},
        internal=internal,
    )
    transaction.on_commit(partial(notify.request_commented, comment.pk))
    publish(
        event="request.commented",
        data={**_event_data(request), "comment": {"id": comment.pk, "internal": internal}},
        internal=internal,
    )
    return comment


@transaction.atomic
def request_attachment_add(
    *, request: ServiceRequest, actor, upload, comment=None
) -> RequestAttachment:
    """Store an uploaded file on a request after checking its size and content."""
    attachment = RequestAttachment(request=request, comment=comment)
    attachment_fill(attachment, upload=upload, actor=actor)
    attachment.save()
    audit_record(
        actor=actor,
        action="request.attachment_added",
        obj=request,
        changes={"attachment": [None, attachment.filename]},
        internal=bool(comment and comment.internal),
    )
    return attachment
