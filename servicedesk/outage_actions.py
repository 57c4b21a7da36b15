"""Writes of service outages (see request_actions.py for why a second actions module)."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.api.concurrency import check_version
from core.audit import audit_record, snapshot, versioned_apply, versioned_update
from core.locks import row_locked
from core.roles import Role, has_role, works_tickets
from servicedesk.audit_changes import created_changes
from servicedesk.choices import OutageKind
from servicedesk.errors import Conflict, OutageStarted
from servicedesk.models import Incident, Outage, Service

OUTAGE_FIELDS = ("started_at", "ended_at", "kind", "description", "incident")


def outage_may_write(actor, service: Service) -> bool:
    """Who records, ends and edits a service's outages (the API and the service page alike):
    the service's owner, service desk agents and admins."""
    return works_tickets(actor) or (
        has_role(actor, Role.SERVICE_OWNER) and service.owner_id == actor.pk
    )


def _check_incident(incident: Incident | None, *, service_id: int, service_name) -> None:
    """An outage links only an incident of its own service (400 naming `incident`).
    `service_name` is called only to word a refusal."""
    if incident is None or incident.service_id == service_id:
        return
    theirs = incident.service.name if incident.service_id else "no service"
    raise ValidationError(
        {"incident": [f"{incident.number} is an incident of {theirs}, not of {service_name()}."]}
    )


@transaction.atomic
def outage_record(
    *,
    actor,
    service: Service,
    started_at: datetime,
    kind: str = OutageKind.UNPLANNED,
    ended_at: datetime | None = None,
    description: str = "",
    incident: Incident | None = None,
) -> Outage:
    """Record an outage of `service` (ended_at empty while it is ongoing), linked to one of
    its incidents or none."""
    _check_incident(incident, service_id=service.pk, service_name=lambda: service.name)
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
        changes=created_changes(outage, ["service", *OUTAGE_FIELDS]),
    )
    return outage


@transaction.atomic
def outage_update(
    *, outage: Outage, actor, changes: dict, expected_version: int | None = None
) -> Outage:
    """Change an outage, typically to end it (`ended_at`); a stale `expected_version`
    answers 412 and changes nothing, an incident of another service 400."""
    if "incident" in changes:
        _check_incident(
            changes["incident"],
            service_id=outage.service_id,
            service_name=lambda: outage.service.name,
        )
    return versioned_update(
        model=Outage,
        pk=outage.pk,
        actor=actor,
        action="outage.updated",
        changes=changes,
        allowed=OUTAGE_FIELDS,
        expected_version=expected_version,
    )


@transaction.atomic
def outage_end(
    *, outage: Outage, actor, ended_at: datetime, expected_version: int | None = None
) -> Outage:
    """End an ongoing outage at `ended_at` (the service page's "End now"): 412 when it
    changed since `expected_version`, 409 when it has already ended."""
    locked = row_locked(Outage, outage.pk)
    if expected_version is not None:
        check_version(locked, expected_version)
    if not locked.ongoing:
        raise Conflict(
            f"This outage already ended ({timezone.localtime(locked.ended_at):%Y-%m-%d %H:%M %Z})."
        )
    return versioned_apply(
        locked, actor=actor, action="outage.updated", fields={"ended_at": ended_at}
    )


# What is left to do with an outage that has started (the 409 of a cancel names them): end it
# while it is ongoing (PATCH `ended_at`, "End now"), correct it (PATCH, "Edit").
MOVES_ONCE_STARTED = {"ongoing": ["end", "edit"], "ended": ["edit"]}


@transaction.atomic
def outage_cancel(*, outage: Outage, actor, expected_version: int) -> None:
    """Cancel an outage that has not started (a maintenance window called off): the row goes,
    so no availability figure can count it, and its audit row keeps what it was. 412 when it
    changed since `expected_version`; 409, with the moves left, once it has started."""
    locked = row_locked(Outage, outage.pk)
    check_version(locked, expected_version)
    state = locked.state_at(timezone.now())
    if state != "upcoming":
        raise OutageStarted(
            started=f"{timezone.localtime(locked.started_at):%Y-%m-%d %H:%M %Z}",
            state=state,
            allowed=MOVES_ONCE_STARTED[state],
        )
    audit_record(
        actor=actor,
        action="outage.cancelled",
        obj=locked,
        changes={
            name: [value, None]
            for name, value in snapshot(locked, ["service", *OUTAGE_FIELDS, "version"]).items()
        },
    )
    locked.delete()
