"""Writes of service outages (see request_actions.py for why a second actions module)."""

from datetime import datetime

from django.db import transaction

from core.audit import audit_record, versioned_update
from servicedesk.audit_changes import created_changes
from servicedesk.models import Incident, Outage, Service

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
        changes=created_changes(outage, ["service", *OUTAGE_FIELDS]),
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
