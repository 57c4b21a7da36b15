"""Demo projects: one or more in every phase, with WBS plans, baselines, costs, time and slips.

Idempotent: a project whose code exists is left alone. Dates are relative to today so the
earned-value figures always look current.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from projects import actions
from projects.choices import Phase
from projects.models import CostEntry, Milestone, Project, Risk, Task, TimeEntry

D = Decimal

# Each plan: (summary, [(leaf, start offset, days, cost)]) — offsets in days from the start.
STANDARD_PLAN = [
    ("Discovery", [("Requirements workshops", 0, 10, "6000"), ("Solution design", 10, 12, "9000")]),
    (
        "Build",
        [
            ("Environment set-up", 22, 8, "7000"),
            ("Configuration and integration", 30, 25, "24000"),
            ("Data migration scripts", 40, 20, "12000"),
        ],
    ),
    (
        "Roll-out",
        [
            ("User acceptance test", 60, 12, "8000"),
            ("Training", 68, 8, "5000"),
            ("Go-live", 76, 4, "4000"),
        ],
    ),
]
MILESTONES = [("Design approved", 22), ("Build complete", 60), ("Go-live", 80)]
RISKS = [
    ("Key vendor engineer unavailable during build", 3, 4, "mitigate", "Second engineer booked."),
    ("Data quality worse than assumed", 4, 3, "mitigate", "Profiling sprint before migration."),
    ("Users resist the change", 2, 3, "accept", ""),
    ("Licence costs rise at renewal", 2, 5, "transfer", "Fixed price agreed in contract."),
    ("Security review delays go-live", 3, 5, "avoid", "Review booked in design phase."),
]

# code, name, service, target phase, start offset from today, schedule factor, cost factor
PROJECTS = [
    (
        "PAY-01",
        "Payroll v2 delivery",
        "Payroll v2",
        Phase.EXECUTION,
        -50,
        Decimal("0.82"),
        Decimal("1.15"),
    ),
    (
        "MAIL-02",
        "Mailbox archive migration",
        "Email",
        Phase.EXECUTION,
        -30,
        Decimal("1.02"),
        Decimal("0.96"),
    ),
    (
        "VPN-03",
        "Remote access VPN upgrade",
        "VPN",
        Phase.MONITORING_CONTROL,
        -75,
        Decimal("0.95"),
        Decimal("1.04"),
    ),
    ("NET-04", "Office Wi-Fi refresh", "Office network", Phase.PLANNING, 14, None, None),
    ("INT-05", "Intranet redesign", None, Phase.INITIATION, 45, None, None),
    (
        "HR-06",
        "HR self-service onboarding",
        "HR portal",
        Phase.CLOSING,
        -110,
        Decimal("1"),
        Decimal("0.98"),
    ),
    ("BKP-07", "Backup modernisation", None, Phase.CLOSED, -220, Decimal("1"), Decimal("1.03")),
    ("CRM-08", "CRM pilot", None, Phase.CANCELLED, 20, None, None),
]

ROUTE = {
    Phase.INITIATION: [],
    Phase.PLANNING: ["plan"],
    Phase.EXECUTION: ["plan", "execute"],
    Phase.MONITORING_CONTROL: ["plan", "execute", "monitor"],
    Phase.CLOSING: ["plan", "execute", "monitor", "start_closing"],
    Phase.CLOSED: ["plan", "execute", "monitor", "start_closing", "close"],
    Phase.CANCELLED: ["plan"],
}


def seed(context: dict) -> dict:
    users = context.get("users", {})
    pm, sponsor, admin = users.get("pm"), users.get("manager"), users.get("admin")
    if pm is None or sponsor is None or admin is None:
        return {}
    services = context.get("services", {})
    today = timezone.localdate()
    existing = set(
        Project.objects.filter(code__in=[p[0] for p in PROJECTS]).values_list("code", flat=True)
    )
    created = {}
    for code, name, service_name, phase, offset, pace, cost in PROJECTS:
        if code in existing:
            continue
        created[code] = _project(
            users,
            pm,
            sponsor,
            admin,
            today,
            code,
            name,
            services.get(service_name),
            phase,
            offset,
            pace,
            cost,
        )
    _handoffs(context, users, pm, sponsor, admin, today)
    _carried_improvement(users, pm, today)
    return {"projects": {p.code: p for p in Project.objects.all()}}


# ---------------------------------------------------------------- handoffs

HANDED_OVER = ("SSO-09", "Single sign-on roll-out", "Single sign-on")


def _handoffs(context, users, pm, sponsor, admin, today) -> None:
    """HR-06 mid-handoff (submitted, awaiting the owner of HR portal) and SSO-09 handed over:
    a new "Single sign-on" service live since 40 days ago, hypercare 30 days, with incidents
    and outages in and after hypercare, and the project closed. Idempotent."""
    from projects import handoff_actions

    owner = users.get("owner")
    teams = context.get("teams", {})
    support = teams.get("Applications")
    if owner is None or support is None:
        return
    hr = Project.objects.filter(code="HR-06", phase=Phase.CLOSING).first()
    if hr is not None and hr.service_id and not hr.handoffs.exists():
        handoff = handoff_actions.handoff_create(
            project=hr,
            actor=pm,
            support_team=support,
            go_live_on=today + datetime.timedelta(days=7),
            documents=[
                {"title": "Onboarding runbook", "url": "https://wiki.example.com/hr/onboarding"}
            ],
        )
        _tick(handoff, pm)
        handoff_actions.handoff_transition(handoff=handoff, action="submit", actor=pm)

    code, name, service_name = HANDED_OVER
    if Project.objects.filter(code=code).exists():
        return
    project = _project(
        users, pm, sponsor, admin, today, code, name, None, Phase.CLOSING, -160, D("1"), D("1.02")
    )
    Milestone.objects.filter(project=project).update(completed_on=today - datetime.timedelta(45))
    Project.objects.filter(pk=project.pk).update(
        lessons_learned="Pilot with one department first; pre-register MFA before go-live."
    )
    from servicedesk.models import BusinessCalendar, SLAPolicy

    go_live = today - datetime.timedelta(days=40)
    handoff = handoff_actions.handoff_create(
        project=project,
        actor=pm,
        new_service=True,
        service_name=service_name,
        service_description="One login for every internal application (SAML/OIDC).",
        service_owner=owner,
        support_team=support,
        criticality=1,
        sla_policy=SLAPolicy.objects.filter(name__icontains="critical").first(),
        service_hours=BusinessCalendar.objects.filter(is_builtin=False).order_by("pk").first(),
        go_live_on=go_live,
        hypercare_days=30,
        documents=[{"title": "SSO runbook", "url": "https://wiki.example.com/sso/runbook"}],
    )
    _tick(handoff, pm)
    handoff_actions.item_add_done(handoff=handoff, actor=pm, label="Legacy LDAP logins disabled")
    handoff_actions.handoff_transition(handoff=handoff, action="submit", actor=pm)
    handoff_actions.handoff_transition(
        handoff=handoff, action="accept", actor=owner, note="Runbook reviewed; welcome aboard."
    )
    handoff.refresh_from_db()
    _service_history(handoff.service, users, go_live)
    # SSO-09 carries an improvement of its service, implemented when the project closes.
    improvement = _demo_improvement(
        owner,
        sponsor,
        today,
        title="Single sign-on availability 98.5 %",
        service=handoff.service,
        metric="Availability",
        unit="%",
        baseline="97.0",
        target="98.5",
    )
    project.refresh_from_db()
    project = actions.project_update(
        project=project, actor=pm, expected_version=project.version, improvement=improvement
    )
    from projects.outcome import improvement_outcome

    measured = (improvement_outcome(project) or {}).get("measured") or "99.6"
    actions.project_transition(
        project=project, action="close", actor=sponsor, data={"measured_value": measured}
    )


def _demo_improvement(owner, approver, today, *, title, service, metric, unit, baseline, target):
    """An approved improvement of `service` (reused by title: idempotent)."""
    from servicedesk.improvement_actions import improvement_create, improvement_transition
    from servicedesk.models import Improvement

    existing = Improvement.objects.filter(title=title).first()
    if existing is not None:
        return existing
    improvement = improvement_create(
        actor=owner,
        title=title,
        service=service,
        problem_statement=f"{metric} is {baseline}{unit}; we want {target}{unit}.",
        expected_benefit="Fewer interruptions for staff and less work for the desk.",
        metric=metric,
        unit=unit,
        baseline_value=D(baseline),
        target_value=D(target),
        planned_quarter=f"{today.year}-Q{(today.month - 1) // 3 + 1}",
    )
    return improvement_transition(improvement=improvement, action="approve", actor=approver)


def _carried_improvement(users, pm, today) -> None:
    """MAIL-02 (execution) carries an improvement of Email, in progress. Idempotent."""
    from projects.improvement_link import improvement_start_for

    owner = users.get("owner")
    if users.get("manager") is None:
        return
    project = Project.objects.filter(code="MAIL-02", phase=Phase.EXECUTION).first()
    if owner is None or project is None or project.improvement_id or project.service_id is None:
        return
    improvement = _demo_improvement(
        owner,
        users["manager"],
        today,
        title="Archive mail: fewer mailbox-full incidents",
        service=project.service,
        metric="Mail incidents per month",
        unit="",
        baseline="25",
        target="10",
    )
    if improvement.projects.exists():
        return
    project = actions.project_update(
        project=project, actor=pm, expected_version=project.version, improvement=improvement
    )
    improvement_start_for(improvement=improvement, project=project, actor=users["manager"])


def _tick(handoff, actor) -> None:
    from projects import handoff_actions

    for item in handoff.checklist.all():
        handoff_actions.checklist_item_update(item=item, actor=actor, done=True)


def _service_history(service, users, go_live: datetime.date) -> None:
    """Incidents (with SLA targets, some late), surveys and outages on the new service."""
    from core.numbering import number_next
    from servicedesk.models import Incident, Outage, Survey

    requester = users.get("requester")
    if requester is None:
        return
    start = timezone.make_aware(datetime.datetime.combine(go_live, datetime.time(9)))
    hour = datetime.timedelta(hours=1)
    day = datetime.timedelta(days=1)
    # (day offset, impact, urgency, hours to resolve or None, target hours, rating, title)
    rows = [
        (1, 1, 1, 3, 4, 4, "Nobody can log in to the expense tool"),
        (2, 2, 2, 6, 8, 5, "MFA prompt loops on Safari"),
        (3, 2, 2, 30, 8, 2, "Finance app rejects SSO assertion"),
        (6, 2, 3, 20, 24, None, "Group mapping missing for contractors"),
        (11, 3, 3, 50, 72, 5, "Logo wrong on the login page"),
        (19, 2, 2, 7, 8, 4, "Session expires after 5 minutes"),
        (35, 2, 3, 12, 24, 5, "New starter not provisioned"),
        (38, 3, 3, None, 72, None, "Request: add the wiki to SSO"),
    ]
    for offset, impact, urgency, hours, target, rating, title in rows:
        opened = start + offset * day
        resolved = opened + hours * hour if hours is not None else None
        incident = Incident.objects.create(
            number=number_next(prefix="INC"),
            title=title,
            description=f"{title}. Reported after the SSO go-live.",
            service=service,
            requester=requester,
            organisation=requester.organisation,
            team=service.support_team,
            impact=impact,
            urgency=urgency,
            status="resolved" if resolved else "in_progress",
            resolution_code="fixed" if resolved else "",
            resolution_note="Fixed in the identity provider configuration." if resolved else "",
            opened_at=opened,
            first_responded_at=opened + hour / 2,
            resolved_at=resolved,
            resolution_due=opened + target * hour,
        )
        if resolved is not None:
            Survey.objects.create(
                incident=incident,
                requester=requester,
                created_at=resolved,
                rating=rating,
                answered_at=resolved + day if rating else None,
            )
    Outage.objects.bulk_create(
        [
            Outage(
                service=service,
                started_at=start + day + 2 * hour,
                ended_at=start + day + 4 * hour,
                kind="unplanned",
                description="Identity provider certificate not trusted by the expense tool",
            ),
            Outage(
                service=service,
                started_at=start + 12 * day - 8 * hour,
                ended_at=start + 12 * day - 5 * hour,
                kind="planned",
                description="Identity provider upgrade (night window)",
            ),
            Outage(
                service=service,
                started_at=start + 34 * day + 3 * hour,
                ended_at=start + 34 * day + 3 * hour + 40 * datetime.timedelta(minutes=1),
                kind="unplanned",
                description="MFA provider degraded",
            ),
        ]
    )


def _project(
    users, pm, sponsor, admin, today, code, name, service, phase, offset, pace, cost_factor
):
    start = today + datetime.timedelta(days=offset)
    charter = phase != Phase.INITIATION
    project = actions.project_create(
        actor=pm,
        code=code,
        name=name,
        description=f"{name}: delivered by the projects office.",
        objectives="Replace the current solution with a supported one and cut running costs.",
        scope="Design, build, data migration, training and go-live for all staff.",
        success_criteria="Live on the planned date, within budget, no P1 incidents in hypercare."
        if charter
        else "",
        sponsor=sponsor,
        budget=D("80000"),
        planned_start=start,
        planned_finish=start + datetime.timedelta(days=80),
        service=service,
    )
    for who, role in (("agent", "member"), ("agent2", "lead"), ("owner", "stakeholder")):
        if users.get(who):
            actions.member_add(project=project, actor=pm, user=users[who], role=role)
    if phase == Phase.INITIATION:
        _risks(project, users, pm, count=2)
        return project

    leaves = _plan(project, start, users)
    milestones = [
        Milestone.objects.create(
            project=project, name=m, due_date=start + datetime.timedelta(days=d)
        )
        for m, d in MILESTONES
    ]
    if phase != Phase.CANCELLED:
        actions.baseline_capture(project=project, actor=pm, note="Plan approved")
    _risks(
        project, users, pm, count=5 if phase in (Phase.EXECUTION, Phase.MONITORING_CONTROL) else 3
    )
    if pace is not None:
        _progress(project, leaves, milestones, today, pace, cost_factor, phase, users)
    if phase in (Phase.CLOSING, Phase.CLOSED):
        # One milestone left open at closing (the gate shows it); waived when closed.
        for m in milestones[:-1]:
            Milestone.objects.filter(pk=m.pk).update(
                completed_on=m.due_date + datetime.timedelta(days=2)
            )
        last = milestones[-1]
        if phase == Phase.CLOSED:
            Milestone.objects.filter(pk=last.pk).update(completed_on=last.due_date)
            Project.objects.filter(pk=project.pk).update(
                lessons_learned="Book the security review at design time; migrate data in waves."
            )
        else:
            Milestone.objects.filter(pk=last.pk).update(completed_on=None)
    for action in ROUTE[phase]:
        project.refresh_from_db()
        actor = sponsor if action != "close" else admin
        project = actions.project_transition(project=project, action=action, actor=actor)
    if phase == Phase.CANCELLED:
        actions.project_transition(
            project=project,
            action="cancel",
            actor=sponsor,
            data={"reason": "Vendor withdrew the offer."},
        )
    return project


def _plan(project, start, users) -> list[Task]:
    assignees = [users.get("agent"), users.get("agent2"), users.get("owner")]
    leaves = []
    for position, (summary_name, children) in enumerate(STANDARD_PLAN, start=1):
        summary = Task.objects.create(project=project, name=summary_name, position=position)
        for i, (leaf, off, days, cost) in enumerate(children, start=1):
            leaves.append(
                Task.objects.create(
                    project=project,
                    parent=summary,
                    position=i,
                    name=leaf,
                    planned_start=start + datetime.timedelta(days=off),
                    planned_finish=start + datetime.timedelta(days=off + days - 1),
                    planned_cost=D(cost),
                    assignee=assignees[(position + i) % 3],
                )
            )
    from projects.models import Dependency

    chain = [(0, 1), (1, 2), (2, 3), (1, 4), (3, 5), (4, 5), (5, 6), (6, 7)]
    Dependency.objects.bulk_create(
        Dependency(predecessor=leaves[a], successor=leaves[b]) for a, b in chain
    )
    return leaves


def _progress(project, leaves, milestones, today, pace, cost_factor, phase, users):
    """Progress at `pace` × the planned fraction, spend at `cost_factor` × earned, and slips."""
    done_all = phase in (Phase.CLOSING, Phase.CLOSED)
    labour = users.get("agent")
    costs, hours = [], []
    for task in leaves:
        total = (task.planned_finish - task.planned_start).days + 1
        elapsed = min(max((today - task.planned_start).days + 1, 0), total)
        fraction = D(elapsed) / D(total)
        percent = 100 if done_all else int(min(D(100), fraction * pace * 100))
        Task.objects.filter(pk=task.pk).update(
            percent_complete=percent,
            actual_start=task.planned_start if percent else None,
            actual_finish=task.planned_finish if percent == 100 else None,
        )
        spent = (task.planned_cost * percent / 100 * cost_factor).quantize(D("0.01"))
        if spent:
            # Half invoiced on the task's start, the rest as labour spread over time entries.
            costs.append(
                CostEntry(
                    project=project,
                    task=task,
                    amount=(spent / 2).quantize(D("0.01")),
                    currency=project.currency,
                    incurred_on=task.planned_start,
                    category="service",
                    description=f"{task.name}: vendor invoice",
                )
            )
            rate = D("75.00")
            worked = (spent / 2 / rate).quantize(D("0.01"))
            days = max(1, min(elapsed, 10))
            per_day = (worked / days).quantize(D("0.01"))
            for d in range(days):
                if per_day <= 0:
                    break
                day = task.planned_start + datetime.timedelta(days=d)
                if day > today:
                    break
                hours.append(
                    TimeEntry(
                        project=project,
                        task=task,
                        person=labour,
                        date=day,
                        hours=min(per_day, D("24")),
                        hourly_rate=rate,
                        currency=project.currency,
                    )
                )
    CostEntry.objects.bulk_create(costs)
    if labour is not None:
        TimeEntry.objects.bulk_create(hours)
    if not done_all:
        # Behind schedule: the remaining work is re-planned later, the milestones slip.
        slip = int((1 - pace) * 40)
        for task in leaves:
            if task.planned_finish >= today and slip:
                Task.objects.filter(pk=task.pk).update(
                    planned_finish=task.planned_finish + datetime.timedelta(days=slip)
                )
        past = [m for m in milestones if m.due_date < today]
        for m in milestones:
            if m.due_date < today:
                late = m.due_date + datetime.timedelta(days=max(slip, 0) + 1)
                # Well behind: the latest milestone due is still open (missed).
                missed = pace < D("0.9") and m is past[-1]
                Milestone.objects.filter(pk=m.pk).update(
                    completed_on=late if late <= today and not missed else None
                )
            elif slip:
                Milestone.objects.filter(pk=m.pk).update(
                    due_date=m.due_date + datetime.timedelta(days=slip)
                )


def _risks(project, users, pm, count):
    owners = [users.get("agent2"), users.get("owner"), pm]
    Risk.objects.bulk_create(
        Risk(
            project=project,
            description=text,
            probability=p,
            impact=i,
            response=response,
            response_plan=plan,
            owner=owners[n % 3],
            status="monitoring" if n == 2 else "open",
        )
        for n, (text, p, i, response, plan) in enumerate(RISKS[:count])
    )
