"""Demo catalog items with forms and checklists, ~30 requests across states, and a CSI
register of ten improvements with baselines and targets (idempotent; seeded random). A rerun
brings the demo's catalog items to what ITEMS defines; requests and improvements are written
once, on a database that has none."""

import random
from datetime import timedelta
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from core.models import AuditEvent
from core.numbering import number_next
from servicedesk.catalog_forms import checklist_clean, definition_clean
from servicedesk.models import (
    CatalogItem,
    Improvement,
    RequestApproval,
    RequestTask,
    ServiceRequest,
)
from servicedesk.request_actions import catalog_item_update
from servicedesk.request_lifecycle import request_clock_start
from servicedesk.request_sla import request_breaches

ITEMS = [
    {
        "service": "Laptops",
        "name": "New laptop",
        "description": "A standard laptop with the corporate image, for a new starter or a "
        "replacement after four years.",
        "approval": "manager",
        "delivery_days": 5,
        "team": "Service Desk",
        "form": [
            {
                "name": "model",
                "label": "Model",
                "type": "choice",
                "required": True,
                "choices": ["14-inch standard", "16-inch performance"],
            },
            {
                "name": "justification",
                "label": "Justification",
                "type": "text",
                "required": True,
                "help_text": "Who will use it and why.",
            },
            {"name": "needed_by", "label": "Needed by", "type": "date"},
        ],
        "checklist": ["Order from stock", "Image and enrol", "Hand over and sign receipt"],
    },
    {
        "service": "VPN",
        "name": "VPN access",
        "description": "Remote access for your account (MFA required).",
        "approval": "none",
        "delivery_days": 1,
        "team": "Network Ops",
        "form": [
            {"name": "reason", "label": "Reason", "type": "text", "required": True},
            {"name": "contractor", "label": "I am a contractor", "type": "boolean"},
        ],
        "checklist": ["Add to VPN group", "Confirm MFA enrolment"],
    },
    {
        "service": "HR portal",
        "name": "Software licence",
        "description": "A named licence for a licensed application.",
        "approval": "service_owner",
        "delivery_days": 3,
        "team": "Applications",
        "form": [
            {
                "name": "product",
                "label": "Product",
                "type": "choice",
                "required": True,
                "choices": ["Visio", "Project", "Adobe Acrobat Pro"],
            },
            {
                "name": "seats",
                "label": "Seats",
                "type": "number",
                "required": True,
                "min": 1,
                "integer": True,
            },
            {
                "name": "for_whom",
                "label": "For whom",
                "type": "user",
                "help_text": "Leave empty for yourself.",
            },
        ],
        "checklist": ["Assign licence", "Notify the user"],
    },
]
ANSWERS = {
    "New laptop": {"model": "14-inch standard", "justification": "Replacement: battery worn out."},
    "VPN access": {"reason": "Working from home two days a week.", "contractor": False},
    "Software licence": {"product": "Visio", "seats": 1},
}
STATES = (
    ["awaiting_approval"] * 6
    + ["approved"] * 3
    + ["rejected"] * 3
    + ["in_fulfilment"] * 7
    + ["fulfilled"] * 4
    + ["closed"] * 6
    + ["cancelled"] * 2
)
IMPROVEMENTS = [
    ("Redundant VPN concentrator", "VPN", "Availability", "%", "99.2", "99.9", "approved", 1),
    (
        "Self-service password reset",
        "Email",
        "Password incidents per month",
        "",
        "40",
        "10",
        "implemented",
        0,
    ),
    (
        "Wi-Fi survey of 3rd floor",
        "Office network",
        "Wi-Fi incidents per month",
        "",
        "12",
        "3",
        "in_progress",
        0,
    ),
    (
        "Payslip PDF generation fix",
        "HR portal",
        "Payslip incidents per month",
        "",
        "15",
        "2",
        "implemented",
        -1,
    ),
    (
        "Laptop battery health check",
        "Laptops",
        "Battery incidents per month",
        "",
        "9",
        "4",
        "proposed",
        1,
    ),
    ("MFA push fallback to SMS", "VPN", "MFA incidents per month", "", "20", "5", "approved", 2),
    ("Shared mailbox runbook", "Email", "Mean time to resolve (h)", "h", "6.5", "2", "rejected", 0),
    (
        "Faster laptop imaging",
        "Laptops",
        "Laptop delivery (business days)",
        "d",
        "5",
        "2",
        "in_progress",
        1,
    ),
    ("Leave approval reminders", "HR portal", "CSAT", "%", "78", "90", "proposed", 2),
    (
        "Core switch replacement",
        "Office network",
        "Availability",
        "%",
        "99.5",
        "99.95",
        "implemented",
        -1,
    ),
]


def _quarter(day) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def seed_requests(context: dict) -> dict:
    users, teams, services = context["users"], context["teams"], context["services"]
    items = {}
    for spec in ITEMS:
        defined = {
            "description": spec["description"],
            "approval": spec["approval"],
            "approver": None,  # no demo item is approved by a named user
            "delivery_days": spec["delivery_days"],
            "fulfilment_team": teams[spec["team"]],
            "form_definition": definition_clean(spec["form"]),
            "fulfilment_checklist": checklist_clean(spec["checklist"]),
        }
        item, created = CatalogItem.objects.get_or_create(
            service=services[spec["service"]], name=spec["name"], defaults=defined
        )
        if not created:
            item = _as_defined(item, defined, actor=users["admin"])
        items[item.name] = item
    if not ServiceRequest.objects.exists():
        _requests(users, items)
    if not Improvement.objects.exists():
        _improvements(users, services)
    return {"catalog_items": items}


def _as_defined(item: CatalogItem, defined: dict, *, actor) -> CatalogItem:
    """A demo item brought to what ITEMS defines now (a release may change its fields, form or
    approval), through the catalog's own update: a new version and an audit row, and nothing
    at all when it already reads so. Whether it is offered (`active`) stays an admin's call;
    items the code does not name (an admin's own) are never looked at."""
    changes = {name: value for name, value in defined.items() if getattr(item, name) != value}
    if not changes:
        return item
    return catalog_item_update(
        item=item, actor=actor, expected_version=item.version, changes=changes
    )


def _requests(users, items) -> None:
    rng = random.Random(5)
    now = timezone.now()
    ctype = ContentType.objects.get_for_model(ServiceRequest)
    agents = [users["agent"], users["agent2"]]
    events = []
    for n, state in enumerate(STATES):
        name = ["New laptop", "VPN access", "Software licence"][n % 3]
        item = items[name]
        if state in {"awaiting_approval", "approved", "rejected"} and not item.needs_approval:
            item = items["New laptop"]
        requester = (
            users["requester"]
            if item.approval == "manager"
            else rng.choice([users["requester"], users["requester2"], users["requester3"]])
        )
        approver = {"manager": requester.manager, "service_owner": item.service.owner}.get(
            item.approval
        )
        opened = now - timedelta(hours=rng.uniform(1, 24 * 40) if n > 3 else rng.uniform(0.2, 6))
        decided = min(opened + timedelta(hours=rng.uniform(0.5, 20)), now) if approver else None
        request = ServiceRequest(
            number=number_next(prefix="REQ"),
            catalog_item=item,
            service=item.service,
            requester=requester,
            organisation=requester.organisation,
            answers=ANSWERS[item.name],
            status=state,
            approver=approver,
            team=item.fulfilment_team,
            assignee=rng.choice(agents)
            if state in {"in_fulfilment", "fulfilled", "closed"}
            else None,
            opened_at=opened,
            decided_at=decided if state not in {"awaiting_approval"} else None,
        )
        _clock(request, rng, now=now, decided=decided)
        request.save()
        events.extend(_breach_events(request, ctype, now=now))
        done = state in {"fulfilled", "closed"}
        RequestTask.objects.bulk_create(
            RequestTask(
                request=request,
                position=i,
                title=title,
                done=done or (state == "in_fulfilment" and i == 0),
                done_at=opened + timedelta(days=1) if done else None,
            )
            for i, title in enumerate(item.fulfilment_checklist)
        )
        if approver and state not in {"awaiting_approval", "cancelled"}:
            RequestApproval.objects.create(
                request=request,
                approver=approver,
                decision="rejected" if state == "rejected" else "approved",
                comment="Please use the shared pool." if state == "rejected" else "Fine by me.",
                decided_at=decided,
            )
        events.append(
            AuditEvent(
                actor=requester,
                action="request.submitted",
                content_type=ctype,
                object_id=str(request.pk),
                object_repr=str(request)[:200],
                changes={"status": [None, "submitted"]},
                created_at=opened,
            )
        )
    AuditEvent.objects.bulk_create(events)


def _clock(request: ServiceRequest, rng, *, now, decided) -> None:
    """Due times from the service's real SLA policy and calendar, a first response within a
    few hours (some late), most deliveries on time and one in three late; then the breach
    flags the minute scan and the moves would have set by now."""
    state = request.status
    waiting = state in {"awaiting_approval", "rejected"}
    request_clock_start(request, delivery_from=None if waiting else decided or request.opened_at)
    responded = request.opened_at + timedelta(hours=rng.uniform(0.2, 7))
    if state != "cancelled" and responded <= now:
        request.first_responded_at = responded
    if state in {"fulfilled", "closed"}:
        start, due = decided or request.opened_at, request.resolution_due
        fulfilled = start + (due - start) * rng.uniform(0.3, 0.9)
        if rng.random() < 0.35 and due + timedelta(hours=30) < now:
            fulfilled = due + timedelta(hours=rng.uniform(2, 30))  # delivered late
        request.fulfilled_at = min(fulfilled, now)
        responded = request.first_responded_at or request.fulfilled_at
        request.first_responded_at = min(responded, request.fulfilled_at)
    if state == "closed":
        request.closed_at = min(request.fulfilled_at + timedelta(days=1), now)
    elif state == "cancelled":
        request.closed_at = min(request.opened_at + timedelta(days=3), now)
    elif state == "rejected":
        request.closed_at = decided
    request.response_breached, request.resolution_breached = request_breaches(request, now=now)


def _breach_events(request: ServiceRequest, ctype, *, now) -> list[AuditEvent]:
    """The audit row of each flag, written when the scan would have set it."""
    return [
        AuditEvent(
            action="request.sla_breached",
            content_type=ctype,
            object_id=str(request.pk),
            object_repr=str(request)[:200],
            changes={flag: [False, True]},
            created_at=min(due + timedelta(minutes=1), now),
        )
        for flag, due in (
            ("response_breached", request.response_due),
            ("resolution_breached", request.resolution_due),
        )
        if getattr(request, flag)
    ]


def _improvements(users, services) -> None:
    today = timezone.now().date()
    owners = [users["owner"], users["agent"], users["agent2"]]
    for n, (title, service, metric, unit, base, target, status, shift) in enumerate(IMPROVEMENTS):
        day = today + timedelta(days=91 * shift)
        measured = None
        if status == "implemented":
            measured = Decimal(target) + (Decimal("0.05") if unit == "%" else Decimal(1))
        Improvement.objects.create(
            title=title,
            service=services[service],
            problem_statement=f"{metric} is at {base}{unit}; we want {target}{unit}.",
            expected_benefit="Fewer interruptions for staff and less work for the desk.",
            metric=metric,
            unit=unit,
            baseline_value=Decimal(base),
            target_value=Decimal(target),
            measured_value=measured,
            owner=owners[n % 3],
            priority=1 + n % 3,
            planned_quarter=_quarter(day),
            status=status,
            rejection_reason="Covered by the mailbox migration project."
            if status == "rejected"
            else "",
            implemented_at=timezone.now() - timedelta(days=10) if measured is not None else None,
            created_by=users["owner"],
        )
