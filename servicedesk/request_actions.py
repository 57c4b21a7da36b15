"""Every write of the service catalog and its requests.

A second actions module, named in domain words, beside servicedesk/actions.py (which
holds the service and incident writes) so the two could grow apart without
stepping on each other. Same rules: one transaction per action, an audit row, side
effects deferred with `transaction.on_commit`, status moved only by the lifecycle.
"""

from functools import partial

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from core.audit import audit_record, versioned_update
from core.exceptions import NotAllowed
from core.lifecycle import transition_apply
from core.locks import row_locked
from core.models import AuditEvent
from core.numbering import number_next
from core.roles import works_tickets
from core.webhooks import publish
from servicedesk import request_notifications as notify
from servicedesk.attachments import attachment_fill
from servicedesk.catalog_forms import answers_clean
from servicedesk.choices import ApproverKind, RequestStatus
from servicedesk.lifecycle import service_may_run, service_request_refusal
from servicedesk.models import (
    CatalogItem,
    RequestAttachment,
    RequestComment,
    RequestTask,
    Service,
    ServiceRequest,
)
from servicedesk.models.requests import OPEN_REQUEST_STATES
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
    """Whoever runs the item's service (its owner, admins): lifecycle.service_may_run."""
    return service_may_run(service, actor)


def _approver_only_if_named(approval: str, changes: dict, kept_id: int | None) -> dict:
    """`changes` with no approver for a kind of approval that names no one (a client may send
    the approver it read along with a new kind; the editor's box may still hold one)."""
    if approval == ApproverKind.NAMED_USER or (changes.get("approver") is None and not kept_id):
        return changes
    return {**changes, "approver": None}


@transaction.atomic
def catalog_item_create(*, actor, service: Service, **fields) -> CatalogItem:
    """Add an item to a service's catalog; its form definition is validated (400 naming it).
    An approver is kept only for approval by a named user."""
    if not catalog_item_may_edit(actor, service):
        raise NotAllowed("Only the service owner or an admin may change its catalog.")
    fields = _approver_only_if_named(fields.get("approval", ApproverKind.NONE), fields, None)
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
    """Change an item (optimistic locking); requests already made keep their answers. A kind
    of approval that names no one clears the approver."""
    if not catalog_item_may_edit(actor, item.service) or (
        "service" in changes and not catalog_item_may_edit(actor, changes["service"])
    ):
        raise NotAllowed("Only the service owner or an admin may change its catalog.")
    approval = changes.get("approval", item.approval)
    changes = _approver_only_if_named(approval, changes, item.approver_id)
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
    for someone else). Answers are validated against the item's form, a person answer
    against the people the actor may order for (a requester: their own organisation's,
    request_queries.people_to_order_for); the request then goes, through the lifecycle,
    to `awaiting_approval` or straight to `in_fulfilment`. The item must be active and its
    service live (lifecycle.service_request_refusal: a retired one takes no requests)."""
    requester = requester or actor
    if not requester.is_active:
        raise ValidationError({"requester": ["Choose an active user."]})
    if requester != actor and not works_tickets(actor):
        raise NotAllowed("Only agents may request for someone else.")
    refusal = service_request_refusal(catalog_item.service)
    if refusal:
        raise ValidationError({"catalog_item": [refusal]})
    if not catalog_item.active:
        raise ValidationError({"catalog_item": ["This item is not offered: choose another."]})
    cleaned = answers_clean(catalog_item.form_definition, answers, actor=actor)
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
    request = row_locked(ServiceRequest, task.request_id)
    if request.status != RequestStatus.IN_FULFILMENT:
        raise ValidationError({"task": ["Tasks are worked while the request is in fulfilment."]})
    locked = row_locked(RequestTask, task.pk)
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
    comment = RequestComment(
        request=request, author=actor, body=body, internal=internal, created_at=timezone.now()
    )
    comment.full_clean()
    comment.save()
    for upload in files:
        request_attachment_add(request=request, actor=actor, upload=upload, comment=comment)
    if not internal and works_tickets(actor):
        answered = ServiceRequest.objects.filter(pk=request.pk, first_responded_at__isnull=True)
        if answered.update(first_responded_at=comment.created_at):
            _response_late_flag(request, at=comment.created_at, actor=actor)
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


def _response_late_flag(request: ServiceRequest, *, at, actor) -> None:
    """A first response after `response_due` flags the miss (unless the scan did already)."""
    late = ServiceRequest.objects.filter(
        pk=request.pk, response_breached=False, response_due__lt=at
    )
    if late.update(response_breached=True):
        audit_record(
            actor=actor,
            action="request.sla_breached",
            obj=request,
            changes={"response_breached": [False, True]},
        )


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


# --- SLA breaches ------------------------------------------------------------------------------

# Each flag and the wait it ends, beyond the request being open (servicedesk/request_sla.py).
_BREACH_WAITS = {
    "response_breached": "first_responded_at IS NULL AND response_due < %s",
    "resolution_breached": "resolution_due < %s",
}
_AUDIT_BATCH = 1000


def request_sla_scan(*, now=None) -> dict[str, int]:
    """Flag the open requests whose response or delivery due time has passed while they
    still wait for it; safe to run any number of times, from two workers at once.

    One UPDATE per flag over all open requests (the partial indexes
    req_unanswered_response_due and req_open_resolution_due find them, however many
    requests there are), RETURNING the rows it flagged: their audit rows are inserted in
    bulk and, for a missed delivery, the team lead (else the team) is mailed once, as for a
    breached incident. A row already flagged is not matched again, and of two scans at
    once only one flags a row (PostgreSQL re-checks the condition after the row lock).
    """
    now = now or timezone.now()
    done = {}
    with transaction.atomic():
        for flag, waiting in _BREACH_WAITS.items():
            flagged = _breach_flag(flag, waiting, now)
            _breach_audit(flag, flagged)
            done[flag] = len(flagged)
            if flag == "resolution_breached" and flagged:
                ids = [pk for pk, _, _ in flagged]
                transaction.on_commit(partial(notify.requests_sla_breached, ids))
    return done


def _breach_flag(flag: str, waiting: str, now) -> list[tuple[int, str, int]]:
    """Set `flag` on the open requests still `waiting` past `now`: (id, number, item id)."""
    table = connection.ops.quote_name(ServiceRequest._meta.db_table)
    states = ", ".join(["%s"] * len(OPEN_REQUEST_STATES))
    sql = (
        f"UPDATE {table} SET {flag} = %s "
        f"WHERE {flag} = %s AND status IN ({states}) AND {waiting} "
        "RETURNING id, number, catalog_item_id"
    )
    params = [True, False, *map(str, OPEN_REQUEST_STATES)]
    params.append(connection.ops.adapt_datetimefield_value(now))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _breach_audit(flag: str, flagged: list[tuple[int, str, int]]) -> None:
    """One audit row per request flagged, as audit_record writes it, inserted in batches."""
    if not flagged:
        return
    items = {item for _, _, item in flagged}
    names = dict(CatalogItem.objects.filter(pk__in=items).values_list("pk", "name"))
    ctype = ContentType.objects.get_for_model(ServiceRequest, for_concrete_model=False)
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                actor=None,
                action="request.sla_breached",
                content_type=ctype,
                object_id=str(pk),
                object_repr=f"{number} {names.get(item, '')}".strip()[:200],
                changes={flag: [False, True]},
            )
            for pk, number, item in flagged
        ],
        batch_size=_AUDIT_BATCH,
    )
