"""Every write of the service desk goes through a function here."""

from django.db import transaction

from core.audit import audit_record
from core.lifecycle import transition_apply
from servicedesk.lifecycle import SERVICE_LIFECYCLE
from servicedesk.models import Service


@transaction.atomic
def service_create(*, actor, **fields) -> Service:
    """Create a service in `planned` state and record who created it."""
    fields.pop("status", None)
    service = Service(**fields)
    service.full_clean()
    service.save()
    audit_record(actor=actor, action="service.created", obj=service)
    return service


def service_transition(*, service: Service, action: str, actor, data: dict | None = None):
    """Move a service through `planned → live → retired`."""
    return transition_apply(
        lifecycle=SERVICE_LIFECYCLE, instance=service, action=action, actor=actor, data=data
    )
