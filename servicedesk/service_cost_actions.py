"""Writes of service costs (see request_actions.py for why a second actions module)."""

from django.db import transaction

from core.audit import audit_record, diff, snapshot
from core.locks import row_locked
from servicedesk.audit_changes import created_changes
from servicedesk.models import Service, ServiceCost

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
        actor=actor,
        action="service_cost.recorded",
        obj=cost,
        changes=created_changes(cost, COST_FIELDS),
    )
    return cost


@transaction.atomic
def service_cost_update(*, cost: ServiceCost, actor, changes: dict) -> ServiceCost:
    locked = row_locked(ServiceCost, cost.pk)
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
