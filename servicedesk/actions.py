"""Every write of the service desk goes through a function here.

Each action is one transaction: the change, its audit row, and side effects deferred
with `transaction.on_commit`.
"""

from datetime import date, datetime
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone

from core.api.concurrency import check_version
from core.audit import audit_record, diff, snapshot, versioned_update
from core.exceptions import NotAllowed
from core.lifecycle import transition_apply
from core.numbering import number_next
from core.roles import is_staff_member, works_tickets
from core.webhooks import publish
from servicedesk import business_time, notifications, sla
from servicedesk.attachments import validate_upload
from servicedesk.choices import (
    SLA_LEVEL_BREACHED,
    SLA_LEVEL_NONE,
    SLA_LEVEL_WARNED,
    priority_for,
)
from servicedesk.errors import BuiltinCalendarLocked, InUse, SurveyAlreadyAnswered
from servicedesk.lifecycle import INCIDENT_LIFECYCLE, SERVICE_LIFECYCLE
from servicedesk.models import (
    Attachment,
    BusinessCalendar,
    Holiday,
    Incident,
    IncidentComment,
    Outage,
    Service,
    ServiceCost,
    SLAPolicy,
    SLATarget,
    Survey,
    WorkingInterval,
)

SERVICE_FIELDS = (
    "name",
    "description",
    "owner",
    "support_team",
    "criticality",
    "sla_policy",
    "service_hours",
)
# Who may change which incident fields (status is never among them).
AGENT_INCIDENT_FIELDS = frozenset(
    {"title", "description", "service", "team", "assignee", "impact", "urgency", "category"}
)
REQUESTER_INCIDENT_FIELDS = frozenset({"title", "description"})


# --- Services --------------------------------------------------------------------------


@transaction.atomic
def service_create(*, actor, **fields) -> Service:
    """Create a service in `planned` state and record who created it."""
    fields.pop("status", None)
    service = Service(**fields)
    service.full_clean()
    service.save()
    audit_record(actor=actor, action="service.created", obj=service)
    return service


@transaction.atomic
def service_update(*, service: Service, actor, expected_version: int, changes: dict) -> Service:
    """Change a service's descriptive fields (optimistic locking on `version`)."""
    return versioned_update(
        model=Service,
        pk=service.pk,
        actor=actor,
        action="service.updated",
        changes=changes,
        allowed=SERVICE_FIELDS,
        expected_version=expected_version,
    )


def service_transition(*, service: Service, action: str, actor, data: dict | None = None):
    """Move a service through `planned → live → retired`."""
    return transition_apply(
        lifecycle=SERVICE_LIFECYCLE, instance=service, action=action, actor=actor, data=data
    )


# --- Incidents -------------------------------------------------------------------------


RELATED_FIELDS = ["service", "requester", "organisation", "team", "assignee", "sla_policy"]


@transaction.atomic
def incident_open(
    *,
    actor,
    title: str,
    description: str = "",
    service: Service | None = None,
    impact: int = 3,
    urgency: int = 3,
    category: str = "other",
    requester=None,
    opened_at=None,
    team=None,
) -> Incident:
    """Open an incident for `requester` (default: the actor), numbered INC0000001…

    Agents may open on behalf of a requester and backdate `opened_at` (imports).
    """
    requester = requester or actor
    if requester != actor and not works_tickets(actor):
        raise NotAllowed("Only agents may open incidents for someone else.")
    if opened_at is not None and not works_tickets(actor):
        raise NotAllowed("Only agents may set the opening time.")
    if opened_at is not None and opened_at > timezone.now():
        raise ValidationError({"opened_at": ["The opening time cannot be in the future."]})
    if service is not None and service.status != "live" and not is_staff_member(actor):
        raise ValidationError({"service": ["Choose a live service."]})
    incident = Incident(
        title=title,
        description=description,
        service=service,
        requester=requester,
        organisation=requester.organisation,
        impact=impact,
        urgency=urgency,
        category=category,
        team=team or (service.support_team if service else None),
        opened_at=opened_at or timezone.now(),
        sla_policy=sla.policy_for(service),
    )
    # The related rows are instances already read and checked by the caller, and the field
    # choices cover the range constraints: no look-ups or probes needed before the INSERT.
    incident.full_clean(exclude=["number", *RELATED_FIELDS], validate_constraints=False)
    incident.priority = priority_for(incident.impact, incident.urgency)
    sla.incident_clock_apply(incident)
    incident.number = number_next(prefix="INC")
    incident.save()
    audit_record(
        actor=actor,
        action="incident.opened",
        obj=incident,
        changes={"status": [None, incident.status], "priority": [None, incident.priority]},
    )
    transaction.on_commit(partial(notifications.incident_opened, incident.pk))
    publish(event="incident.created", data=_incident_event_data(incident))
    return incident


def _incident_event_data(incident: Incident) -> dict:
    return {
        "object": {"type": "incident", "id": incident.pk, "number": incident.number},
        "title": incident.title,
        "status": incident.status,
        "priority": incident.priority,
        "service": incident.service_id,
    }


def _check_writable(actor, incident: Incident, changes: dict) -> None:
    if works_tickets(actor):
        allowed = AGENT_INCIDENT_FIELDS
    elif incident.requester_id == actor.pk:
        allowed = REQUESTER_INCIDENT_FIELDS
    else:
        raise NotAllowed("You may not change this incident.")
    refused = sorted(set(changes) - allowed)
    if refused:
        raise ValidationError({name: ["You may not change this field."] for name in refused})


@transaction.atomic
def incident_update(*, incident: Incident, actor, expected_version: int, changes: dict) -> Incident:
    """Change incident fields; refuses a stale `expected_version` (412) and changes nothing."""
    locked = Incident.objects.select_for_update().get(pk=incident.pk)
    check_version(locked, expected_version)
    _check_writable(actor, locked, changes)
    if not locked.is_open and set(changes) - {"title", "description", "category"}:
        raise ValidationError({"status": ["A resolved or closed incident cannot be re-routed."]})
    fields = list(changes)
    before = snapshot(locked, [*fields, "priority"])
    for name, value in changes.items():
        setattr(locked, name, value)
    locked.full_clean(exclude=["number"])
    new_priority = priority_for(locked.impact, locked.urgency)
    if new_priority != locked.priority:
        locked.priority = new_priority
        _sla_retarget(locked)
    locked.version += 1
    locked.save()
    changed = diff(before, snapshot(locked, [*fields, "priority"]))
    if changed:
        audit_record(actor=actor, action="incident.updated", obj=locked, changes=changed)
    if "assignee" in changed or "team" in changed:
        transaction.on_commit(partial(notifications.incident_assigned, locked.pk))
    return locked


def _sla_retarget(incident: Incident) -> None:
    """After a priority change: due times for the new priority from the original opening,
    and the breach flags and escalation level as they stand under the new targets."""
    if incident.sla_policy_id is None:
        return
    sla.incident_clock_apply(incident)
    now = timezone.now()
    clock = incident.sla_paused_since or now
    incident.response_breached = incident.response_due is not None and (
        (incident.first_responded_at or now) > incident.response_due
    )
    incident.resolution_breached = (
        incident.resolution_due is not None and clock > incident.resolution_due
    )
    level = incident.sla_escalation_level
    if level >= SLA_LEVEL_BREACHED and not incident.resolution_breached:
        level = SLA_LEVEL_WARNED
    if level >= SLA_LEVEL_WARNED and (
        incident.resolution_warn_at is None or clock < incident.resolution_warn_at
    ):
        level = SLA_LEVEL_NONE
    incident.sla_escalation_level = level


def incident_transition(
    *, incident: Incident, action: str, actor, data: dict | None = None
) -> Incident:
    """Apply a lifecycle action (assign, start, hold, resume, resolve, close, reopen, cancel)."""
    with transaction.atomic():
        moved = transition_apply(
            lifecycle=INCIDENT_LIFECYCLE, instance=incident, action=action, actor=actor, data=data
        )
        hook = {
            "assign": notifications.incident_assigned,
            "resolve": notifications.incident_resolved,
            "reopen": notifications.incident_reopened,
        }.get(action)
        if hook:
            transaction.on_commit(partial(hook, moved.pk))
    return moved


@transaction.atomic
def incident_comment_add(
    *, incident: Incident, actor, body: str, internal: bool = False, files=()
) -> IncidentComment:
    """Add a public reply or an internal note (agents only), with optional attachments."""
    if internal and not works_tickets(actor):
        raise NotAllowed("Only agents may write internal notes.")
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": ["Write something."]})
    comment = IncidentComment(incident=incident, author=actor, body=body, internal=internal)
    comment.full_clean()
    comment.save()
    for upload in files:
        attachment_add(incident=incident, actor=actor, upload=upload, comment=comment)
    if not internal and works_tickets(actor) and incident.first_responded_at is None:
        first = Incident.objects.select_related("sla_policy__calendar").get(pk=incident.pk)
        first.first_responded_at = comment.created_at
        sla.business_minutes_stamp(first)
        Incident.objects.filter(pk=incident.pk, first_responded_at__isnull=True).update(
            first_responded_at=first.first_responded_at,
            response_business_minutes=first.response_business_minutes,
        )
    audit_record(
        actor=actor,
        action="incident.internal_note" if internal else "incident.commented",
        obj=incident,
        changes={"comment": [None, comment.pk]},
        internal=internal,
    )
    transaction.on_commit(partial(notifications.incident_commented, comment.pk))
    publish(
        event="incident.commented",
        data={
            **_incident_event_data(incident),
            "comment": {"id": comment.pk, "author": actor.username, "internal": internal},
        },
        internal=internal,  # only endpoints marked internal hear about internal notes
    )
    return comment


@transaction.atomic
def attachment_add(*, incident: Incident, actor, upload, comment=None) -> Attachment:
    """Store an uploaded file after checking its size and its content."""
    content_type = validate_upload(upload)
    name = (getattr(upload, "name", "") or "file").replace("\x00", "")[-200:]
    attachment = Attachment(
        incident=incident,
        comment=comment,
        filename=name.rsplit("/", 1)[-1] or "file",
        content_type=content_type,
        size=upload.size,
        uploaded_by=actor,
    )
    attachment.file.save(attachment.filename, upload, save=False)
    attachment.save()
    audit_record(
        actor=actor,
        action="incident.attachment_added",
        obj=incident,
        changes={"attachment": [None, attachment.filename]},
        internal=bool(comment and comment.internal),
    )
    return attachment


@transaction.atomic
def incidents_bulk_assign(*, incident_ids: list[int], actor, team=None, assignee=None) -> int:
    """Assign many incidents at once, each through the lifecycle (new) or an update."""
    if not works_tickets(actor):
        raise NotAllowed("Only agents may assign incidents.")
    if team is None and assignee is None:
        raise ValidationError({"assignee": ["Choose a team or an assignee."]})
    done = 0
    data = {k: v for k, v in {"team": team, "assignee": assignee}.items() if v is not None}
    for incident in Incident.objects.filter(pk__in=incident_ids[:200]).order_by("pk"):
        if incident.status == "new":
            incident_transition(incident=incident, action="assign", actor=actor, data=data)
        elif incident.is_open:
            incident_update(
                incident=incident, actor=actor, expected_version=incident.version, changes=data
            )
        else:
            continue
        done += 1
    return done


# --- SLA escalation --------------------------------------------------------------------


def sla_escalate(*, now: datetime | None = None) -> dict[str, int]:
    """Mark SLA breaches and escalate running incidents; safe to run any number of times.

    - response: unresponded incidents past `response_due` get `response_breached`;
    - level 1 (75% of the resolution target used): the assignee (or team) is mailed;
    - level 2 (resolution_due passed): `resolution_breached` is set and the team lead is
      mailed. A ticket that jumps straight past its due time gets only the level-2 mail.

    Each step is a conditional UPDATE, so two workers scanning at once still escalate a
    ticket once per level (the loser updates no row and sends nothing).
    """
    now = now or timezone.now()
    done = {"response_breached": 0, "warned": 0, "breached": 0}
    running = sla.running_clocks()
    light = ("pk", "number", "title")

    for incident in running.filter(
        first_responded_at__isnull=True, response_breached=False, response_due__lt=now
    ).only(*light):
        with transaction.atomic():
            if running.filter(
                pk=incident.pk,
                first_responded_at__isnull=True,
                response_breached=False,
                response_due__lt=now,
            ).update(response_breached=True):
                audit_record(
                    actor=None,
                    action="incident.sla_breached",
                    obj=incident,
                    changes={"response_breached": [False, True]},
                )
                done["response_breached"] += 1

    for incident in running.filter(
        sla_escalation_level__lt=SLA_LEVEL_BREACHED, resolution_due__lt=now
    ).only(*light, "sla_escalation_level", "resolution_breached"):
        with transaction.atomic():
            if running.filter(
                pk=incident.pk,
                sla_escalation_level__lt=SLA_LEVEL_BREACHED,
                resolution_due__lt=now,
            ).update(sla_escalation_level=SLA_LEVEL_BREACHED, resolution_breached=True):
                changes = {"sla_escalation_level": [incident.sla_escalation_level, 2]}
                if not incident.resolution_breached:
                    changes["resolution_breached"] = [False, True]
                audit_record(
                    actor=None, action="incident.sla_breached", obj=incident, changes=changes
                )
                transaction.on_commit(
                    partial(notifications.incident_sla_escalated, incident.pk, SLA_LEVEL_BREACHED)
                )
                done["breached"] += 1

    for incident in running.filter(
        sla_escalation_level__lt=SLA_LEVEL_WARNED, resolution_warn_at__lte=now
    ).only(*light):
        with transaction.atomic():
            if running.filter(
                pk=incident.pk,
                sla_escalation_level__lt=SLA_LEVEL_WARNED,
                resolution_warn_at__lte=now,
            ).update(sla_escalation_level=SLA_LEVEL_WARNED):
                audit_record(
                    actor=None,
                    action="incident.sla_warned",
                    obj=incident,
                    changes={"sla_escalation_level": [0, 1]},
                )
                transaction.on_commit(
                    partial(notifications.incident_sla_escalated, incident.pk, SLA_LEVEL_WARNED)
                )
                done["warned"] += 1
    return done


# --- CSAT surveys ------------------------------------------------------------------------


@transaction.atomic
def survey_answer(*, survey: Survey, actor, rating, comment: str = "") -> Survey:
    """Record the requester's one answer (rating 1–5, optional comment).

    A conditional UPDATE makes the first answer win: a second (or a concurrent) answer
    changes nothing and raises SurveyAlreadyAnswered (409).
    """
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ValidationError({"rating": ["Choose a rating from 1 (poor) to 5 (excellent)."]})
    comment = (comment or "").strip()[:5000]
    answered = Survey.objects.filter(pk=survey.pk, answered_at__isnull=True).update(
        rating=rating, comment=comment, answered_at=timezone.now()
    )
    if not answered:
        raise SurveyAlreadyAnswered()
    survey.refresh_from_db()
    audit_record(
        actor=actor if actor is not None and actor.is_authenticated else survey.requester,
        action="incident.survey_answered",
        obj=survey.incident,
        changes={"rating": [None, rating]},
    )
    return survey


def _created(instance, fields) -> dict:
    return {k: [None, v] for k, v in snapshot(instance, fields).items()}


# --- Outages -----------------------------------------------------------------------------

OUTAGE_FIELDS = ("started_at", "ended_at", "kind", "description", "incident")


@transaction.atomic
def outage_record(
    *,
    actor,
    service: Service,
    started_at: datetime,
    kind: str,
    ended_at: datetime | None = None,
    description: str = "",
    incident: Incident | None = None,
) -> Outage:
    """Record an outage of `service` (ended_at empty while it is ongoing)."""
    outage = Outage(
        service=service,
        started_at=started_at,
        ended_at=ended_at,
        kind=kind,
        description=description,
        incident=incident,
        created_by=actor,
    )
    outage.full_clean()
    outage.save()
    audit_record(
        actor=actor,
        action="outage.recorded",
        obj=outage,
        changes=_created(outage, ["service", *OUTAGE_FIELDS]),
    )
    return outage


@transaction.atomic
def outage_update(*, outage: Outage, actor, changes: dict) -> Outage:
    """Change an outage, typically to end it (`ended_at`)."""
    return versioned_update(
        model=Outage,
        pk=outage.pk,
        actor=actor,
        action="outage.updated",
        changes=changes,
        allowed=OUTAGE_FIELDS,
    )


# --- Business calendars and SLA policies -------------------------------------------------


def _check_business_calendar(time_zone: str, intervals) -> None:
    try:
        business_time.Calendar(tz=time_zone, intervals=tuple(intervals or ()))
    except ValueError as exc:
        raise ValidationError({"intervals": [str(exc)]}) from exc


@transaction.atomic
def calendar_save(
    *,
    actor,
    calendar: BusinessCalendar | None = None,
    name: str | None = None,
    time_zone: str | None = None,
    intervals: list[tuple[int, int, int]] | None = None,
    holidays: list[tuple[date, str]] | None = None,
) -> BusinessCalendar:
    """Create or change a calendar; `intervals`/`holidays`, when given, replace the old ones.

    The row is saved last so its `updated_at` moves and cached clocks are rebuilt.
    """
    if calendar is not None:
        calendar = BusinessCalendar.objects.select_for_update().get(pk=calendar.pk)
        if calendar.is_builtin:
            raise BuiltinCalendarLocked()
    row = calendar or BusinessCalendar()
    if name is not None:
        row.name = name
    if time_zone is not None:
        row.time_zone = time_zone
    row.full_clean()
    if intervals is not None:
        _check_business_calendar(row.time_zone, intervals)
    row.save()
    if intervals is not None:
        row.intervals.all().delete()
        WorkingInterval.objects.bulk_create(
            WorkingInterval(calendar=row, weekday=wd, start_minute=s, end_minute=e)
            for wd, s, e in intervals
        )
    if holidays is not None:
        row.holidays.all().delete()
        Holiday.objects.bulk_create(Holiday(calendar=row, date=d, name=n) for d, n in holidays)
    row.save()
    audit_record(
        actor=actor,
        action="calendar.saved" if calendar else "calendar.created",
        obj=row,
        changes={"time_zone": [None, row.time_zone]},
    )
    return row


@transaction.atomic
def calendar_delete(*, calendar: BusinessCalendar, actor) -> None:
    """Delete a calendar no policy or service uses (never the built-in 24x7)."""
    if calendar.is_builtin:
        raise BuiltinCalendarLocked()
    audit_record(actor=actor, action="calendar.deleted", obj=calendar)
    try:
        with transaction.atomic():
            calendar.delete()
    except ProtectedError as exc:
        raise InUse("The calendar is used by an SLA policy or a service.") from exc


@transaction.atomic
def sla_policy_save(
    *,
    actor,
    policy: SLAPolicy | None = None,
    name: str | None = None,
    calendar: BusinessCalendar | None = None,
    is_default: bool | None = None,
    targets: list[tuple[int, int, int]] | None = None,
) -> SLAPolicy:
    """Create or change a policy; `targets` = [(priority, response_min, resolution_min)]
    for each of priorities 1–5, replacing the old ones. Making it the default takes the
    flag from the previous default. Open incidents keep the due times they were given."""
    if policy is not None:
        policy = SLAPolicy.objects.select_for_update().get(pk=policy.pk)
    row = policy or SLAPolicy()
    if name is not None:
        row.name = name
    if calendar is not None:
        row.calendar = calendar
    if is_default is not None:
        row.is_default = is_default
    if targets is not None and sorted(p for p, _, _ in targets) != [1, 2, 3, 4, 5]:
        raise ValidationError({"targets": ["Give one target for each priority 1 to 5."]})
    if policy is None and targets is None:
        raise ValidationError({"targets": ["Give one target for each priority 1 to 5."]})
    if row.is_default:
        SLAPolicy.objects.select_for_update().filter(is_default=True).exclude(pk=row.pk).update(
            is_default=False
        )
    row.full_clean()
    row.save()
    if targets is not None:
        row.targets.all().delete()
        SLATarget.objects.bulk_create(
            SLATarget(policy=row, priority=p, response_minutes=r, resolution_minutes=m)
            for p, r, m in targets
        )
    audit_record(
        actor=actor,
        action="sla_policy.saved" if policy else "sla_policy.created",
        obj=row,
        changes={"targets": [None, [list(t) for t in targets]] if targets else [None, None]},
    )
    return row


@transaction.atomic
def sla_policy_delete(*, policy: SLAPolicy, actor) -> None:
    """Delete a policy that no service and no incident refers to."""
    audit_record(actor=actor, action="sla_policy.deleted", obj=policy)
    try:
        with transaction.atomic():
            policy.delete()
    except ProtectedError as exc:
        raise InUse("The policy is used by a service or an incident.") from exc


# --- Service costs -----------------------------------------------------------------------

COST_FIELDS = ("period_month", "category", "amount", "currency", "note")


@transaction.atomic
def service_cost_record(*, actor, service: Service, **fields) -> ServiceCost:
    """Record one month's cost of a service in one category."""
    cost = ServiceCost(
        service=service, created_by=actor, **{k: fields[k] for k in fields if k in COST_FIELDS}
    )
    cost.full_clean()
    cost.save()
    audit_record(
        actor=actor, action="service_cost.recorded", obj=cost, changes=_created(cost, COST_FIELDS)
    )
    return cost


@transaction.atomic
def service_cost_update(*, cost: ServiceCost, actor, changes: dict) -> ServiceCost:
    locked = ServiceCost.objects.select_for_update().get(pk=cost.pk)
    fields = [f for f in changes if f in COST_FIELDS]
    before = snapshot(locked, fields)
    for name in fields:
        setattr(locked, name, changes[name])
    locked.full_clean()
    locked.save()
    audit_record(
        actor=actor,
        action="service_cost.updated",
        obj=locked,
        changes=diff(before, snapshot(locked, fields)),
    )
    return locked


@transaction.atomic
def service_cost_delete(*, cost: ServiceCost, actor) -> None:
    audit_record(
        actor=actor,
        action="service_cost.deleted",
        obj=cost,
        changes={k: [v, None] for k, v in snapshot(cost, COST_FIELDS).items()},
    )
    cost.delete()
