"""Reads of the catalog, service requests and the CSI register: visibility first."""

from collections.abc import Iterable

from django.db.models import Count, Prefetch, Q, QuerySet

from core.models import User
from core.people import people_pickable_by
from core.roles import is_staff_member
from servicedesk.choices import ImprovementStatus, RequestStatus, ServiceStatus
from servicedesk.models import (
    CatalogItem,
    Improvement,
    RequestAttachment,
    RequestComment,
    ServiceRequest,
)
from servicedesk.models.requests import OPEN_REQUEST_STATES
from servicedesk.queries import requester_scope_q
from servicedesk.request_sla import breached_q, breaching_soon_q


def catalog_items_visible_to(user) -> QuerySet[CatalogItem]:
    """Requesters see active items of live services; staff see every item."""
    qs = CatalogItem.objects.select_related("service", "fulfilment_team", "approver")
    if is_staff_member(user):
        return qs
    return qs.filter(active=True, service__status=ServiceStatus.LIVE)


def people_to_order_for(user) -> QuerySet[User]:
    """Whom `user` may name in a catalog form's person field ("For whom"), by name: the one
    rule of person boxes (core.people.people_pickable_by). The portal form's list and the
    check of every submitted answer (page and API) are this query."""
    return people_pickable_by(user).order_by("first_name", "username")


def catalog_approvers(*, kept_id: int | None = None) -> QuerySet[User]:
    """Whom a catalog item may name as its approver ("A named user"): anyone active, of any
    role (a requester's manager may be a requester too), and the item's own approver
    `kept_id`, so that a save of other fields never drops them. The editor's person box and
    the API's `approver` are this query; the box's matches come from /people/, which offers
    the editors (service owners and admins: staff) everyone active, the same people."""
    admitted = Q(is_active=True)
    if kept_id is not None:
        admitted |= Q(pk=kept_id)
    return User.objects.filter(admitted)


def requests_visible_to(user) -> QuerySet[ServiceRequest]:
    """Staff see every request; a requester their own and their shared organisation's;
    anyone the requests they are the designated approver of."""
    qs = ServiceRequest.objects.all()
    if not (user and user.is_authenticated):
        return qs.none()
    if is_staff_member(user):
        return qs
    return qs.filter(requester_scope_q(user) | Q(approver=user))


def request_list_for(user) -> QuerySet[ServiceRequest]:
    """Visible requests with what a row shows joined in."""
    return requests_visible_to(user).select_related(
        "catalog_item", "service", "requester", "approver", "team", "assignee"
    )


# The person field that says whom an order is for: the name the item editor makes of the label
# "For whom" (and the demo's). Left empty, the order is for the one ordering. Other person
# fields (a deputy, say) mean what their labels say, and empty is no answer.
FOR_WHOM = "for_whom"


def request_for_whom(obj: ServiceRequest) -> int | None:
    """The id of the person `obj` is for, when its item's form asks For whom: the one named,
    else the requester; None when the form does not ask (the API's `for_whom`)."""
    asks = any(
        field.get("name") == FOR_WHOM and field.get("type") == "user"
        for field in obj.catalog_item.form_definition
    )
    if not asks:
        return None
    return _person_id(obj.answers.get(FOR_WHOM)) or obj.requester_id


def request_answers_as_ordered(obj: ServiceRequest) -> dict:
    """The request's answers as the pages show them: For whom left empty reads as the
    requester, so an order for oneself names them as one for a colleague names the colleague
    (the request page, the Approvals list). What was submitted is kept as it was, and the
    API's `answers` are that. The catalog item comes joined (request_list_for)."""
    answers = dict(obj.answers)
    for_whom = request_for_whom(obj)
    if for_whom is not None:
        answers[FOR_WHOM] = for_whom
    return answers


def request_answers_labelled(requests: Iterable[ServiceRequest]) -> None:
    """Give each request its `labelled_answers`: one {"label", "type", "value"} per answer
    (request_answers_as_ordered), in the order of its item's form, a person answer as the
    person's name. The request page and the Approvals list show these. The catalog items
    come joined (request_list_for); the people named in all the requests are read in one
    statement, none when nobody is. Answers to fields the form no longer has (it was
    changed after the request) follow, under their names."""
    requests = list(requests)
    for obj in requests:
        obj.answers_as_ordered = request_answers_as_ordered(obj)
    person_ids = {
        _person_id(obj.answers_as_ordered.get(field.get("name")))
        for obj in requests
        for field in obj.catalog_item.form_definition
        if field.get("type") == "user"
    } - {None}
    names = {}
    if person_ids:
        people = User.objects.filter(pk__in=person_ids).only("first_name", "last_name", "username")
        names = {person.pk: person.display_name for person in people}
    for obj in requests:
        definition = obj.catalog_item.form_definition
        asked = {field.get("name") for field in definition}
        rows = []
        answers = obj.answers_as_ordered
        for field in definition:
            name, kind = field.get("name"), field.get("type")
            if name not in answers:
                continue
            value = answers[name]
            if kind == "user" and _person_id(value) in names:
                value = names[value]
            rows.append({"label": field.get("label") or name, "type": kind, "value": value})
        rows += [
            {"label": name, "type": None, "value": value}
            for name, value in obj.answers.items()
            if name not in asked
        ]
        obj.labelled_answers = rows


def _person_id(value) -> int | None:
    """The user id a person answer holds (an int, as answers_clean stores it)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def request_clock_joined(requests: QuerySet[ServiceRequest]) -> QuerySet[ServiceRequest]:
    """`requests` with what their SLA clock's calendar is found from (the service's policy
    and its calendar, its service hours) joined: the badges read no row per request."""
    return requests.select_related("service__sla_policy__calendar", "service__service_hours")


def request_sla_counts(requests: QuerySet[ServiceRequest], *, now) -> dict[str, int]:
    """Open requests breaching soon and breached, in one statement that reads only the
    rows either condition finds (partial indexes; see ServiceRequest.Meta)."""
    soon, missed = breaching_soon_q(now=now), breached_q(now=now)
    return requests.filter(soon | missed, status__in=OPEN_REQUEST_STATES).aggregate(
        breaching=Count("pk", filter=soon), breached=Count("pk", filter=missed)
    )


def approvals_waiting_for(user) -> QuerySet[ServiceRequest]:
    """The Approvals inbox: requests waiting for this user's decision."""
    return request_list_for(user).filter(approver=user, status=RequestStatus.AWAITING_APPROVAL)


def approvals_decided_by(user) -> QuerySet[ServiceRequest]:
    return request_list_for(user).filter(approvals__approver=user).distinct()


def request_comments_visible_to(user, request: ServiceRequest) -> QuerySet[RequestComment]:
    attachments = Prefetch("attachments", queryset=RequestAttachment.objects.order_by("pk"))
    qs = request.comments.select_related("author").prefetch_related(attachments)
    return qs if is_staff_member(user) else qs.filter(internal=False)


def request_attachments_visible_to(user, request: ServiceRequest) -> QuerySet[RequestAttachment]:
    qs = request.attachments.select_related("comment", "uploaded_by")
    if is_staff_member(user):
        return qs
    return qs.filter(Q(comment__isnull=True) | Q(comment__internal=False))


def improvements_visible_to(user) -> QuerySet[Improvement]:
    """The CSI register is for staff; requesters see none of it."""
    qs = Improvement.objects.select_related("service", "owner", "source_incident", "source_request")
    return qs if is_staff_member(user) else qs.none()


def improvements_by_quarter(improvements: QuerySet[Improvement]) -> list[dict]:
    """Per planned quarter, in one grouped query: planned = not rejected (proposed,
    approved, in progress, implemented); implemented = status implemented."""
    return list(
        improvements.order_by()
        .values("planned_quarter")
        .annotate(
            planned=Count("pk", filter=~Q(status=ImprovementStatus.REJECTED)),
            implemented=Count("pk", filter=Q(status=ImprovementStatus.IMPLEMENTED)),
            rejected=Count("pk", filter=Q(status=ImprovementStatus.REJECTED)),
        )
        .order_by("planned_quarter")
    )
