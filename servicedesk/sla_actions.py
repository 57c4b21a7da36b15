"""Service-level writes (see request_actions.py for why a second actions module): the
SLA escalation scan, business calendars and SLA policies."""

import itertools
from datetime import date, datetime
from functools import partial

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from core.api.concurrency import check_version
from core.audit import audit_record, diff
from core.locks import row_locked
from core.roles import STAFF_ROLES, Role, has_role
from servicedesk import business_time, notifications, sla
from servicedesk.choices import SLA_LEVEL_BREACHED, SLA_LEVEL_WARNED, Priority
from servicedesk.errors import BuiltinCalendarLocked, InUse
from servicedesk.models import (
    BusinessCalendar,
    Holiday,
    Service,
    SLAPolicy,
    SLATarget,
    WorkingInterval,
)
from servicedesk.sla_forms import WEEKDAYS, target_duration, wall_time

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

# Who reads and who changes calendars and SLA policies: the API's permission
# (servicedesk/api/service_levels.py) and the pages (servicedesk/sla_views.py) both ask these.
SLA_READER_ROLES = tuple(STAFF_ROLES)
SLA_WRITER_ROLES = (Role.ADMIN,)


def sla_may_read(actor) -> bool:
    return has_role(actor, *SLA_READER_ROLES)


def sla_may_write(actor) -> bool:
    return has_role(actor, *SLA_WRITER_ROLES)


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
    _refuse_overlaps(intervals)


def _refuse_overlaps(intervals) -> None:
    """Each working stretch once: two that overlap on one day (Monday 09:00–17:00 and
    12:00–18:00) would be counted twice in the week's hours the pages show, and are most
    likely a typing slip (the clocks merge them). Touching stretches are fine."""
    ordered = sorted(intervals)
    for (day, start, end), (next_day, next_start, next_end) in itertools.pairwise(ordered):
        if day == next_day and next_start < end:
            name = dict(WEEKDAYS)[day]
            raise ValidationError(
                {
                    "intervals": [
                        f"{name} {wall_time(start)}–{wall_time(end)} and "
                        f"{wall_time(next_start)}–{wall_time(next_end)} overlap: give each "
                        "working stretch once."
                    ]
                }
            )


def _calendar_terms(row: BusinessCalendar) -> dict:
    """What an audit row says of a calendar: name, zone, hours and holidays as plain lists."""
    if row.pk is None:
        return {"name": None, "time_zone": None, "intervals": None, "holidays": None}
    return {
        "name": row.name,
        "time_zone": row.time_zone,
        "intervals": [
            list(i) for i in row.intervals.values_list("weekday", "start_minute", "end_minute")
        ],
        "holidays": [[d.isoformat(), n] for d, n in row.holidays.values_list("date", "name")],
    }


def _policy_terms(row: SLAPolicy) -> dict:
    """What an audit row says of a policy: name, calendar, default flag and targets."""
    if row.pk is None:
        return {"name": None, "calendar": None, "is_default": None, "targets": None}
    return {
        "name": row.name,
        "calendar": row.calendar_id,
        "is_default": row.is_default,
        "targets": [
            list(t)
            for t in row.targets.values_list("priority", "response_minutes", "resolution_minutes")
        ],
    }


@transaction.atomic
def calendar_save(
    *,
    actor,
    calendar: BusinessCalendar | None = None,
    name: str | None = None,
    time_zone: str | None = None,
    intervals: list[tuple[int, int, int]] | None = None,
    holidays: list[tuple[date, str]] | None = None,
    expected_version: int | None = None,
) -> BusinessCalendar:
    """Create or change a calendar; `intervals`/`holidays`, when given, replace the old ones.
    A change based on a version other than the calendar's (`expected_version`) is refused
    (412); so is any change to the built-in 24x7 (409).

    The row is saved last so its `updated_at` moves and cached clocks are rebuilt; its
    `version` goes up by one. The audit row holds what changed, before and after.
    """
    if calendar is not None:
        calendar = row_locked(BusinessCalendar, calendar.pk)
        if calendar.is_builtin:
            raise BuiltinCalendarLocked()
        if expected_version is not None:
            check_version(calendar, expected_version)
    row = calendar or BusinessCalendar()
    before = _calendar_terms(row)
    if name is not None:
        row.name = name
    if time_zone is not None:
        row.time_zone = time_zone
    row.full_clean()
    if intervals is not None:
        _check_business_calendar(row.time_zone, intervals)
    if holidays is not None and len({d for d, _ in holidays}) != len(holidays):
        raise ValidationError({"holidays": ["Each holiday date may appear once."]})
    if calendar is not None:
        row.version += 1
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
        changes=diff(before, _calendar_terms(row)),
    )
    return row


IN_USE_NAMED = 5  # names listed per kind in an "in use" refusal; the rest are counted


def in_use_by(row) -> list[str]:
    """What keeps `row` (a calendar or a policy) from being deleted, in words, one entry per
    kind of row that refers to it: `services “Email”, “VPN”`, `312 incidents`; for the
    default policy also the services that name no policy and so run on it. Asked before
    deleting, so the refusal names them without loading every referring row."""
    found = []
    for relation in row._meta.related_objects:
        if relation.on_delete is not models.PROTECT:
            continue
        model = relation.related_model
        words = _in_words(model, model._base_manager.filter(**{relation.field.name: row}))
        if words:
            found.append(words)
    if isinstance(row, SLAPolicy) and row.is_default:
        words = _default_users_in_words()
        if words:
            found.append(words)
    return found


def _default_users_in_words() -> str | None:
    """The services that name no SLA policy (they run on the default one), in words."""
    words = _in_words(Service, Service._base_manager.filter(sla_policy__isnull=True))
    return f"{words} (by default)" if words else None


def _in_words(model, refers) -> str | None:
    """`refers` (rows of `model`) in words: up to IN_USE_NAMED names and a count of the
    rest, or a bare count when the rows have no name; None when there are none."""
    count = refers.count()
    if not count:
        return None
    meta = model._meta
    noun = meta.verbose_name if count == 1 else meta.verbose_name_plural
    label = next((f for f in ("name", "number") if _has_field(model, f)), None)
    if label is None:
        return f"{count} {noun}"
    shown = [str(v) for v in refers.order_by(label).values_list(label, flat=True)[:IN_USE_NAMED]]
    more = f" and {count - len(shown)} more" if count > len(shown) else ""
    return f"{noun} " + ", ".join(f"“{v}”" for v in shown) + more


def _has_field(model, name: str) -> bool:
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True


def _refuse_if_used(row, what: str) -> None:
    users = in_use_by(row)
    if users:
        raise InUse(
            f"{what} “{row}” cannot be deleted: it is used by {'; '.join(users)}.",
            extra={"used_by": users},
        )


@transaction.atomic
def calendar_delete(
    *, calendar: BusinessCalendar, actor, expected_version: int | None = None
) -> None:
    """Delete a calendar no policy, service or handoff uses (never the built-in 24x7): 409
    naming what uses it; 412 when `expected_version` is not the calendar's."""
    calendar = row_locked(BusinessCalendar, calendar.pk)
    if calendar.is_builtin:
        raise BuiltinCalendarLocked()
    _delete_unused(
        calendar,
        _calendar_terms(calendar),
        what="calendar",
        action="calendar.deleted",
        actor=actor,
        expected_version=expected_version,
        users="an SLA policy or a service",
    )


def _delete_unused(
    row, terms: dict, *, what: str, action: str, actor, expected_version, users: str
) -> None:
    """Delete a locked calendar or policy nothing refers to: 412 when `expected_version` is
    not its own, 409 naming what uses it; the audit row keeps its `terms`."""
    if expected_version is not None:
        check_version(row, expected_version)
    _refuse_if_used(row, f"The {what}")
    audit_record(
        actor=actor,
        action=action,
        obj=row,
        changes=diff(terms, dict.fromkeys(terms)),
    )
    try:
        with transaction.atomic():
            row.delete()
    except ProtectedError as exc:  # taken into use since we looked
        raise InUse(f"The {what} is used by {users}.") from exc


@transaction.atomic
def sla_policy_save(
    *,
    actor,
    policy: SLAPolicy | None = None,
    name: str | None = None,
    calendar: BusinessCalendar | None = None,
    is_default: bool | None = None,
    targets: list[tuple[int, int, int]] | None = None,
    expected_version: int | None = None,
) -> SLAPolicy:
    """Create or change a policy; `targets` = [(priority, response_min, resolution_min)]
    for each of priorities 1–5, replacing the old ones. Making it the default takes the
    flag from the previous default. Open incidents keep the due times they were given; new
    ones get the new targets at once. A change based on a version other than the policy's
    (`expected_version`) is refused (412); the audit row holds what changed."""
    if policy is not None:
        policy = row_locked(SLAPolicy, policy.pk)
        if expected_version is not None:
            check_version(policy, expected_version)
    row = policy or SLAPolicy()
    before = _policy_terms(row)
    was_default = row.is_default
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
    if targets is not None:
        _refuse_response_after_resolution(targets)
    if was_default and not row.is_default:
        _refuse_leaving_services_without_policy(row)
    if row.is_default:  # first: full_clean checks that one policy at most is the default
        _take_default_flag(row, actor)
    row.full_clean()
    if policy is not None:
        row.version += 1
    row.save()
    if targets is not None:
        row.targets.all().delete()
        SLATarget.objects.bulk_create(
            SLATarget(policy=row, priority=p, response_minutes=r, resolution_minutes=m)
            for p, r, m in sorted(targets)
        )
    audit_record(
        actor=actor,
        action="sla_policy.saved" if policy else "sla_policy.created",
        obj=row,
        changes=diff(before, _policy_terms(row)),
    )
    return row


RESPONSE_AFTER_RESOLUTION = "response_after_resolution"


def _refuse_response_after_resolution(targets) -> None:
    """A first response comes no later than the resolution: a response target longer than
    the resolution target of the same priority is a contradiction (most likely hours and
    minutes swapped), refused under `targets` naming the priority; each such error carries
    `params["priority"]` so the page shows it beside that row's response target."""
    errors = [
        ValidationError(
            f"P{priority} {Priority(priority).label.split(' - ', 1)[-1]}: the response "
            f"target ({target_duration(response)}) is later than the resolution target "
            f"({target_duration(resolution)}); give a response target no longer than the "
            "resolution target.",
            code=RESPONSE_AFTER_RESOLUTION,
            params={"priority": priority},
        )
        for priority, response, resolution in sorted(targets)
        if response > resolution
    ]
    if errors:
        raise ValidationError({"targets": errors})


def _refuse_leaving_services_without_policy(policy: SLAPolicy) -> None:
    """The default policy keeps its flag while services run on it by default (they would be
    left without any SLA): another policy must take the flag (400)."""
    words = _default_users_in_words()
    if words:
        raise ValidationError(
            {
                "is_default": [
                    f"“{policy.name}” is the default policy of {words}; make another policy "
                    "the default instead."
                ]
            }
        )


def _take_default_flag(policy: SLAPolicy, actor) -> None:
    """Take the default flag from the policy that has it: as a change of that policy (its
    version moves on, so a form opened before cannot quietly take the flag back; audited)."""
    for previous in (
        SLAPolicy.objects.select_for_update().filter(is_default=True).exclude(pk=policy.pk)
    ):
        previous.is_default = False
        previous.version += 1
        previous.save(update_fields=["is_default", "version", "updated_at"])
        audit_record(
            actor=actor,
            action="sla_policy.saved",
            obj=previous,
            changes={"is_default": [True, False]},
        )


@transaction.atomic
def sla_policy_delete(*, policy: SLAPolicy, actor, expected_version: int | None = None) -> None:
    """Delete a policy that no service, incident or handoff refers to (nor, for the default
    policy, a service that names none): 409 naming what does; 412 when `expected_version` is
    not the policy's."""
    policy = row_locked(SLAPolicy, policy.pk)
    _delete_unused(
        policy,
        _policy_terms(policy),
        what="policy",
        action="sla_policy.deleted",
        actor=actor,
        expected_version=expected_version,
        users="a service or an incident",
    )
