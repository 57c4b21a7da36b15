"""Service-level writes (see request_actions.py for why a second actions module): the
SLA escalation scan, business calendars and SLA policies."""

from datetime import date, datetime
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone

from core.audit import audit_record
from servicedesk import business_time, notifications, sla
from servicedesk.choices import SLA_LEVEL_BREACHED, SLA_LEVEL_WARNED
from servicedesk.errors import BuiltinCalendarLocked, InUse
from servicedesk.models import BusinessCalendar, Holiday, SLAPolicy, SLATarget, WorkingInterval

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


# --- Business calendars and SLA policies -------------------------------------------------


def _check_business_calendar(time_zone: str, intervals) -> None:
    if not intervals:
        # An incident under such a calendar could never be given a due time (a 500).
        raise ValidationError(
            {"intervals": ["Give at least one working interval: without one, no clock runs."]}
        )
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
