"""Demo services and a few hundred realistic incidents across states and dates.

Incidents are generated with consistent, backdated timestamps and matching audit rows
(a seeded random, so every demo looks the same).
"""

import random
from datetime import datetime, timedelta
from functools import partial

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from core.models import AuditEvent
from core.numbering import number_next
from servicedesk import demo_service_levels as service_levels
from servicedesk.demo_requests import seed_requests
from servicedesk.models import Incident, IncidentComment, Service

SERVICES = [
    ("Email", "Corporate email and calendars (Exchange Online).", 1, "Service Desk", "live"),
    ("VPN", "Remote access for staff and contractors.", 1, "Network Ops", "live"),
    ("Office network", "Wired and wireless LAN in all offices.", 2, "Network Ops", "live"),
    ("HR portal", "Leave, payslips and personal data.", 2, "Applications", "live"),
    ("Laptops", "Provisioning and repair of staff laptops.", 3, "Service Desk", "live"),
    (
        "Payroll v2",
        "The new payroll platform (being delivered by a project).",
        1,
        "Applications",
        "planned",
    ),
]
TITLES = {
    "Email": [
        "Cannot send mail to external addresses",
        "Outlook keeps asking for password",
        "Shared mailbox missing",
        "Calendar invites not arriving",
    ],
    "VPN": [
        "VPN disconnects every 10 minutes",
        "Cannot connect to VPN from home",
        "VPN very slow",
        "MFA prompt never arrives",
    ],
    "Office network": [
        "Wi-Fi down on 3rd floor",
        "Network port dead in meeting room B",
        "Slow network in Berlin office",
        "Printer not reachable",
    ],
    "HR portal": [
        "Payslip PDF does not open",
        "Leave request stuck in approval",
        "Cannot log in to HR portal",
        "Wrong manager shown",
    ],
    "Laptops": [
        "Laptop does not boot",
        "Battery drains in an hour",
        "Screen flickers",
        "Keyboard keys not working",
    ],
}
CODES = ["fixed", "workaround", "config_change", "user_error", "fixed", "fixed"]


def seed(context: dict) -> dict:
    users, teams = context["users"], context["teams"]
    services = {}
    for name, description, criticality, team, status in SERVICES:
        service, _ = Service.objects.get_or_create(
            name=name,
            defaults={
                "description": description,
                "criticality": criticality,
                "support_team": teams[team],
                "owner": users["owner"],
                "status": status,
            },
        )
        services[name] = service
    if not Incident.objects.exists():
        _incidents(users, teams, services)
    service_levels.seed(services=services, users=users)
    seed_requests({**context, "services": services})
    return {"services": services}


def _moved(log: list, rng, now, action, actor, source, target, *, after, minutes) -> datetime:
    """The next move of a generated incident's history, a few `minutes` after `after` (never
    later than now), logged as the lifecycle would have; its moment."""
    at = min(after + timedelta(minutes=rng.randint(*minutes)), now)
    log.append((action, at, actor, {"status": [source, target]}))
    return at


def _incidents(users, teams, services) -> None:
    rng = random.Random(20261123)
    now = timezone.now()
    requesters = [users["requester"], users["requester2"], users["requester3"]]
    agents = [users["agent"], users["agent2"]]
    ctype = ContentType.objects.get_for_model(Incident)
    live = [s for s in services.values() if s.status == "live"]
    events, comments = [], []
    for n in range(320):
        service = rng.choice(live)
        age_hours = rng.expovariate(1 / 24 / 30) if n > 40 else rng.uniform(0.2, 48)
        opened = now - timedelta(hours=min(age_hours, 24 * 180))
        impact, urgency = rng.choice([1, 2, 2, 3, 3, 3]), rng.choice([1, 2, 3, 3])
        requester = rng.choice(requesters)
        incident = Incident(
            number=number_next(prefix="INC"),
            title=rng.choice(TITLES[service.name]),
            description="Reported via the portal.\n\n- Since this morning\n- Affects my daily work",
            service=service,
            requester=requester,
            organisation=requester.organisation,
            impact=impact,
            urgency=urgency,
            category=rng.choice(["software", "network", "hardware", "access", "email"]),
            team=service.support_team,
            opened_at=opened,
        )
        age = now - opened
        state = "new"
        if age > timedelta(minutes=30):
            state = rng.choices(
                ["assigned", "in_progress", "on_hold", "resolved", "closed", "cancelled"],
                weights=[8, 10, 4, 12, 60, 3]
                if age > timedelta(days=3)
                else [30, 30, 10, 20, 5, 5],
            )[0]
        incident.status = state
        log = [("incident.opened", opened, requester, {"status": [None, "new"]})]

        moved = partial(_moved, log, rng, now)
        if state != "new":
            incident.assignee = rng.choice(agents)
            agent = incident.assignee
            incident.first_responded_at = moved(
                "incident.assign", agent, "new", "assigned", after=opened, minutes=(5, 240)
            )
            moment = incident.first_responded_at
            if state in {"in_progress", "on_hold", "resolved", "closed"}:
                moment = moved(
                    "incident.start",
                    agent,
                    "assigned",
                    "in_progress",
                    after=moment,
                    minutes=(5, 60),
                )
            if state == "on_hold":
                # The resolution clock stands from here (demo_service_levels pauses it).
                incident.sla_paused_since = moved(
                    "incident.hold",
                    agent,
                    "in_progress",
                    "on_hold",
                    after=moment,
                    minutes=(10, 120),
                )
            if state in {"resolved", "closed"}:
                # Most incidents are fixed within a working day or two; a tail takes longer;
                # never before the work on them started.
                fixed = opened + min(age * 0.9, timedelta(hours=rng.expovariate(1 / 14)))
                incident.resolved_at = min(max(fixed, moment + timedelta(minutes=10)), now)
                incident.resolution_code = rng.choice(CODES)
                incident.resolution_note = (
                    "Applied the standard fix and confirmed with the requester."
                )
                log.append(
                    (
                        "incident.resolve",
                        incident.resolved_at,
                        incident.assignee,
                        {"status": ["in_progress", "resolved"]},
                    )
                )
                if state == "closed":
                    incident.closed_at = moved(
                        "incident.close",
                        agent,
                        "resolved",
                        "closed",
                        after=incident.resolved_at,
                        minutes=(3 * 1440, 3 * 1440),
                    )
            if state == "cancelled":
                incident.closed_at = moved(
                    "incident.cancel",
                    requester,
                    "assigned",
                    "cancelled",
                    after=moment,
                    minutes=(30, 90),
                )
        incident.save()
        for action, at, actor, changes in log:
            events.append(
                AuditEvent(
                    actor=actor,
                    action=action,
                    content_type=ctype,
                    object_id=str(incident.pk),
                    object_repr=str(incident)[:200],
                    changes=changes,
                    created_at=at,
                )
            )
        if incident.first_responded_at:
            comments.append(
                IncidentComment(
                    incident=incident,
                    author=incident.assignee,
                    body="Thanks for reporting — we are looking into it.",
                    created_at=incident.first_responded_at,
                )
            )
            if rng.random() < 0.3:
                comments.append(
                    IncidentComment(
                        incident=incident,
                        author=incident.assignee,
                        body="Checked the logs; looks related to last night's change.",
                        internal=True,
                        created_at=incident.first_responded_at + timedelta(minutes=10),
                    )
                )
    AuditEvent.objects.bulk_create(events, batch_size=500)
    IncidentComment.objects.bulk_create(comments, batch_size=500)
