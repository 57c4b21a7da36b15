"""Demo service levels: calendars, SLA policies, SLA clocks on the generated incidents,
outages, answered and unanswered surveys, and monthly service costs.

Idempotent: reference data is get-or-created by name; clocks are set only on incidents
that have none; outages, surveys and costs are added only where there are none yet.
Everything is computed in bulk (no per-incident actions) so seed_demo stays fast.
"""

import random
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from servicedesk import business_time
from servicedesk.choices import OPEN_INCIDENT_STATES, IncidentStatus, OutageKind
from servicedesk.models import (
    BusinessCalendar,
    Holiday,
    Incident,
    IncidentPause,
    Outage,
    ServiceCost,
    SLAPolicy,
    SLATarget,
    Survey,
    WorkingInterval,
)
from servicedesk.sla import builtin_24x7, calendar_for

UK_BANK_HOLIDAYS_2026 = [
    (date(2026, 1, 1), "New Year's Day"),
    (date(2026, 4, 3), "Good Friday"),
    (date(2026, 4, 6), "Easter Monday"),
    (date(2026, 5, 4), "Early May bank holiday"),
    (date(2026, 5, 25), "Spring bank holiday"),
    (date(2026, 8, 31), "Summer bank holiday"),
    (date(2026, 12, 25), "Christmas Day"),
    (date(2026, 12, 28), "Boxing Day (substitute day)"),
]
# priority: (response, resolution) in business minutes
STANDARD = {1: (30, 240), 2: (60, 480), 3: (120, 960), 4: (240, 1920), 5: (480, 3840)}
CRITICAL = {1: (15, 120), 2: (30, 240), 3: (60, 480), 4: (120, 1440), 5: (240, 2880)}
CRITICAL_SERVICES = {"Email", "VPN"}
OFFICE_HOURS_SERVICES = {"Office network", "HR portal", "Laptops"}
COMMENTS = {
    5: ["Fixed quickly, thank you!", "Great support.", ""],
    4: ["Good, took a little while.", ""],
    3: ["OK in the end.", ""],
    2: ["Took far too long.", "Had to chase twice."],
    1: ["Still not really working.", "Nobody kept me informed."],
}
MONTHLY_COSTS = {  # service: {category: monthly amount in EUR}
    "Email": {"licence": 4200, "run": 900, "labour": 2600},
    "VPN": {"licence": 1500, "run": 700, "labour": 1800},
    "Office network": {"run": 2100, "labour": 3400, "other": 350},
    "HR portal": {"licence": 2800, "run": 600, "labour": 1200},
    "Laptops": {"run": 1700, "labour": 5200, "project_capex": 3000},
}


def seed(*, services: dict, users: dict) -> None:
    office = _calendar()
    standard = _policy("Standard", office, STANDARD, is_default=True)
    critical = _policy("Critical services", builtin_24x7(), CRITICAL)
    for name, service in services.items():
        changed = False
        if name in CRITICAL_SERVICES and service.sla_policy_id is None:
            service.sla_policy, changed = critical, True
        if name in OFFICE_HOURS_SERVICES and service.service_hours_id is None:
            service.service_hours, changed = office, True
        if changed:
            service.save(update_fields=["sla_policy", "service_hours"])
    now = timezone.now()
    _clocks(standard=standard, critical=critical, now=now)
    live = {n: s for n, s in services.items() if s.status == "live"}
    _outages(live, users, now)
    _surveys(now)
    _costs(live, users, now)


def _calendar() -> BusinessCalendar:
    office, created = BusinessCalendar.objects.get_or_create(
        name="Office hours London", defaults={"time_zone": "Europe/London"}
    )
    if created:
        WorkingInterval.objects.bulk_create(
            WorkingInterval(calendar=office, weekday=d, start_minute=540, end_minute=1050)
            for d in range(5)
        )
        Holiday.objects.bulk_create(
            Holiday(calendar=office, date=d, name=n) for d, n in UK_BANK_HOLIDAYS_2026
        )
        office.save()
    return office


def _policy(name, calendar, targets, *, is_default=False) -> SLAPolicy:
    policy, created = SLAPolicy.objects.get_or_create(
        name=name,
        defaults={
            "calendar": calendar,
            "is_default": is_default and not SLAPolicy.objects.filter(is_default=True).exists(),
        },
    )
    if created:
        SLATarget.objects.bulk_create(
            SLATarget(policy=policy, priority=p, response_minutes=r, resolution_minutes=m)
            for p, (r, m) in targets.items()
        )
    return policy


def _clocks(*, standard, critical, now) -> None:
    """Due times, pauses and breach flags for generated incidents that have no clock yet.

    Escalation levels are set to what the scan would have reached, so starting the demo
    does not send a burst of escalation mails."""
    incidents = list(
        Incident.objects.filter(sla_policy__isnull=True)
        .exclude(status=IncidentStatus.CANCELLED)
        .select_related("service")
    )
    if not incidents:
        return
    rng = random.Random(4)
    plans = {}
    for policy in (standard, critical):
        targets = {t.priority: t for t in policy.targets.all()}
        plans[policy.pk] = (policy, calendar_for(policy.calendar), targets)
    pauses = []
    for incident in incidents:
        critical_service = incident.service and incident.service.name in CRITICAL_SERVICES
        policy, cal, targets = plans[(critical if critical_service else standard).pk]
        target = targets[incident.priority]
        incident.sla_policy = policy
        incident.response_due = business_time.add_business_time(
            cal, start=incident.opened_at, minutes=target.response_minutes
        )
        incident.resolution_due = business_time.add_business_time(
            cal, start=incident.opened_at, minutes=target.resolution_minutes
        )
        incident.resolution_warn_at = business_time.add_business_time(
            cal, start=incident.opened_at, minutes=target.resolution_minutes * 3 // 4
        )
        stopped = None
        if incident.status == IncidentStatus.ON_HOLD:
            # Put on hold when its history says (servicedesk/demo.py); the clock froze there.
            responded = incident.first_responded_at or incident.opened_at
            stopped = incident.sla_paused_since or min(
                now, responded + timedelta(minutes=rng.randint(10, 120))
            )
            pauses.append(IncidentPause(incident=incident, started_at=stopped, reason="on_hold"))
        elif incident.resolved_at is not None:
            stopped = incident.resolved_at
            pauses.append(IncidentPause(incident=incident, started_at=stopped, reason="resolved"))
        incident.sla_paused_since = stopped
        if incident.first_responded_at:
            incident.response_business_minutes = (
                business_time.business_seconds_between(
                    cal, start=incident.opened_at, end=incident.first_responded_at
                )
                // 60
            )
        if incident.resolved_at:
            incident.resolution_business_minutes = (
                business_time.business_seconds_between(
                    cal, start=incident.opened_at, end=incident.resolved_at
                )
                // 60
            )
        clock = stopped or now
        incident.response_breached = (incident.first_responded_at or now) > incident.response_due
        incident.resolution_breached = clock > incident.resolution_due
        if incident.status in OPEN_INCIDENT_STATES and stopped is None:
            if incident.resolution_breached:
                incident.sla_escalation_level = 2
            elif now >= incident.resolution_warn_at:
                incident.sla_escalation_level = 1
    Incident.objects.bulk_update(
        incidents,
        [
            "sla_policy",
            "response_due",
            "resolution_due",
            "resolution_warn_at",
            "sla_paused_since",
            "response_breached",
            "resolution_breached",
            "sla_escalation_level",
            "response_business_minutes",
            "resolution_business_minutes",
        ],
        batch_size=500,
    )
    IncidentPause.objects.bulk_create(pauses, batch_size=500)


def _outages(services: dict, users: dict, now) -> None:
    """A few outages per critical service in the last 90 days, some planned, one pair
    overlapping, one partly outside office hours, and maintenance windows planned ahead on
    Email and VPN (the service page lists them as upcoming)."""
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    plan = {
        "Email": [
            (-62, 10, 30, 95, OutageKind.UNPLANNED, "Mail flow delayed: connector failure"),
            (-20, 2, 0, 240, OutageKind.PLANNED, "Exchange cumulative update"),
            (3, 22, 0, 180, OutageKind.PLANNED, "Exchange security update (maintenance window)"),
            (
                -9,
                14,
                5,
                40,
                OutageKind.UNPLANNED,
                "Authentication errors after certificate renewal",
            ),
        ],
        "VPN": [
            (-45, 11, 0, 180, OutageKind.UNPLANNED, "VPN concentrator A crashed"),
            (-45, 12, 30, 120, OutageKind.UNPLANNED, "Failover to concentrator B also failed"),
            (-30, 1, 0, 300, OutageKind.PLANNED, "Firmware upgrade (weekend window)"),
            (-3, 8, 15, 25, OutageKind.UNPLANNED, "MFA provider degraded"),
            (6, 20, 0, 120, OutageKind.PLANNED, "Concentrator firmware 9.2 (evening window)"),
        ],
        "Office network": [
            (-70, 16, 0, 18 * 60, OutageKind.UNPLANNED, "Core switch failure, 3rd floor"),
            (-14, 7, 0, 150, OutageKind.PLANNED, "Wi-Fi controller replacement"),
        ],
        "HR portal": [
            (-5, 9, 30, 75, OutageKind.UNPLANNED, "Database connection pool exhausted"),
        ],
    }
    for name, rows in plan.items():
        service = services.get(name)
        if service is None or service.outages.exists():
            continue
        Outage.objects.bulk_create(
            Outage(
                service=service,
                started_at=day + timedelta(days=d, hours=h, minutes=m),
                ended_at=day + timedelta(days=d, hours=h, minutes=m + minutes),
                kind=kind,
                description=text,
                created_by=users["owner"],
            )
            for d, h, m, minutes, kind, text in rows
        )


def _surveys(now) -> None:
    """Surveys on resolved and closed incidents: about 60% answered, mostly happy."""
    rng = random.Random(5)
    done = Incident.objects.filter(
        Q(status=IncidentStatus.RESOLVED) | Q(status=IncidentStatus.CLOSED),
        resolved_at__isnull=False,
        survey__isnull=True,
    ).order_by("pk")
    surveys = []
    for incident in done:
        survey = Survey(
            incident=incident, requester_id=incident.requester_id, created_at=incident.resolved_at
        )
        answered_at = incident.resolved_at + timedelta(hours=rng.uniform(0.5, 48))
        if rng.random() < 0.6 and answered_at < now:
            rating = rng.choices([5, 4, 3, 2, 1], weights=[45, 30, 12, 8, 5])[0]
            survey.rating = rating
            survey.comment = rng.choice(COMMENTS[rating])
            survey.answered_at = answered_at
        surveys.append(survey)
    Survey.objects.bulk_create(surveys, batch_size=500)


def _costs(services: dict, users: dict, now) -> None:
    """Six months of costs per live service, with a little month-to-month variation."""
    rng = random.Random(6)
    month = now.date().replace(day=1)
    months = []
    for _ in range(6):
        months.append(month)
        month = (month - timedelta(days=1)).replace(day=1)
    rows = []
    for name, service in services.items():
        if service.costs.exists():
            continue
        for category, base in MONTHLY_COSTS.get(name, {"run": 500}).items():
            for period in months:
                amount = Decimal(base) * Decimal(rng.randint(90, 112)) / 100
                rows.append(
                    ServiceCost(
                        service=service,
                        period_month=period,
                        category=category,
                        amount=amount.quantize(Decimal("0.01")),
                        currency="EUR",
                        created_by=users["owner"],
                    )
                )
    ServiceCost.objects.bulk_create(rows)
