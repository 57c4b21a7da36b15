"""Who is told what about a service request. Called after commit; Celery sends the mail."""

from django.conf import settings
from django.urls import reverse

from core.notifications import queue, wanted
from core.roles import works_tickets
from servicedesk.mail import _agent_addresses, _send, _team_addresses
from servicedesk.models import RequestComment, ServiceRequest

# kind → (who, the notification setting that mutes it; None: always sent)
KINDS = {
    "awaiting_approval": ("approver", None),
    "approved": ("requester", "resolved"),
    "rejected": ("requester", "resolved"),
    "in_fulfilment": ("agents", "assigned"),
    "fulfilled": ("requester", "resolved"),
    # A missed delivery, as a breached incident: the team lead, else the team.
    "sla_breached": ("lead", "sla"),
}


def request_moved(request_id: int, kind: str) -> None:
    from servicedesk.request_tasks import notify_request

    queue(notify_request, request_id, kind)


def requests_sla_breached(request_ids: list[int]) -> None:
    from servicedesk.request_tasks import notify_request

    for request_id in request_ids:
        queue(notify_request, request_id, "sla_breached")


def request_commented(comment_id: int) -> None:
    from servicedesk.request_tasks import notify_request_comment

    queue(notify_request_comment, comment_id)


def _link(name: str, number: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(name, args=[number])


def _addresses(user) -> list[str]:
    return [user.email] if user is not None and user.email else []


def send_request_mail(request: ServiceRequest, kind: str) -> int:
    """One mail for one move. The approver's mail links to the request in their Approvals
    inbox; the requester's to the portal page; the team's to the same page (it is one)."""
    who, setting = KINDS.get(kind, (None, None))
    if who == "approver":
        to = _addresses(request.approver)
        link = _link("servicedesk:approval_item", request.number)
    elif who == "requester":
        to = _addresses(request.requester)
        link = _link("servicedesk:request_detail", request.number)
    elif who == "agents":
        to = _agent_addresses(request)
        link = _link("servicedesk:request_detail", request.number)
    elif who == "lead":
        lead = request.team.lead if request.team_id else None
        to = _addresses(lead) or _team_addresses(request)
        link = _link("servicedesk:request_detail", request.number)
    else:
        return 0
    to = sorted(set(to)) if setting is None else wanted(sorted(set(to)), setting)
    if not to:
        return 0
    context = {"request": request, "kind": kind, "link": link, "comment": None}
    return _send(request, "request_subject.txt", "request.txt", context, to)


def send_request_comment_mail(comment: RequestComment) -> int:
    """Internal notes go to the agents only; an agent's reply to the requester; the
    requester's reply to the agents."""
    request = comment.request
    if comment.internal or not works_tickets(comment.author):
        to = [a for a in _agent_addresses(request) if a != comment.author.email]
    else:
        to = _addresses(request.requester)
    to = wanted(sorted(set(to)), "commented")
    if not to:
        return 0
    context = {
        "request": request,
        "kind": "commented",
        "comment": comment,
        "link": _link("servicedesk:request_detail", request.number),
    }
    return _send(request, "request_subject.txt", "request.txt", context, to)
