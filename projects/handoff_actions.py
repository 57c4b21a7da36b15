"""Every write of a handoff: draft, edit, checklist, transitions, and what acceptance does.

Each action is one transaction with its audit rows; notifications and webhooks go out
after commit. The service side is changed only through servicedesk's own actions.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.api.concurrency import check_version
from core.audit import audit_record, diff, snapshot
from core.exceptions import DomainError, NotAllowed
from core.lifecycle import transition_apply
from core.roles import Role, has_role
from projects.choices import STANDARD_HANDOFF_CHECKLIST, HandoffStatus
from projects.handoff_lifecycle import HANDOFF_LIFECYCLE, is_project_manager_or_admin
from projects.handoff_terms import handoff_service_values
from projects.hypercare import Hypercare
from projects.models import Handoff, HandoffChecklistItem, Project
from servicedesk.choices import Criticality, ServiceStatus
from servicedesk.models import Service

HANDOFF_FIELDS = (
    "service",
    "new_service",
    "service_name",
    "service_description",
    "service_owner",
    "support_team",
    "criticality",
    "sla_policy",
    "service_hours",
    "go_live_on",
    "hypercare_days",
    "documents",
)


class HandoffConflict(DomainError):
    """The project already has an open or accepted handoff, or the handoff is not a draft."""

    status_code = 409
    code = "handoff_conflict"


def _ensure_manager(handoff: Handoff, actor) -> None:
    if not is_project_manager_or_admin(handoff, actor):
        raise NotAllowed("Only the project's manager or an admin may change its handoff.")


def _ensure_draft(handoff: Handoff) -> None:
    if handoff.status != HandoffStatus.DRAFT:
        raise HandoffConflict(
            f"The handoff is {handoff.get_status_display().lower()}; only a draft can change.",
            extra={"state": handoff.status},
        )


def _check_target(handoff: Handoff) -> None:
    """The field rules of a handoff (400 naming the field)."""
    errors: dict[str, str] = {}
    if handoff.new_service:
        name = handoff.service_name.strip()
        if name and Service.objects.filter(name__iexact=name).exists():
            errors["service_name"] = f"A service called '{name}' already exists."
        owner = handoff.service_owner
        if owner is not None and not has_role(owner, Role.SERVICE_OWNER, Role.ADMIN):
            errors["service_owner"] = "The owner must be a service owner."
    elif handoff.service_id and handoff.service.status == ServiceStatus.RETIRED:
        errors["service"] = "The service is retired."
    if handoff.criticality is not None and handoff.criticality not in Criticality.values:
        errors["criticality"] = "Choose 1 (high), 2 (medium) or 3 (low)."
    for doc in handoff.documents or []:
        if not (
            isinstance(doc, dict)
            and str(doc.get("title") or "").strip()
            and str(doc.get("url") or "").startswith(("http://", "https://", "/"))
        ):
            errors["documents"] = "Each document needs a title and an http(s) link."
            break
    if errors:
        raise ValidationError(errors)


def _normalise(handoff: Handoff) -> None:
    # A new service has no existing one; an existing service keeps its own name and owner.
    if handoff.new_service:
        handoff.service = None
    else:
        handoff.service_name = ""
        handoff.service_owner = None
    handoff.service_name = handoff.service_name.strip()


@transaction.atomic
def handoff_create(*, project: Project, actor, **fields: Any) -> Handoff:
    """Draft the handoff of `project` with the standard checklist (one open handoff per
    project; 409 when one is open or already accepted). Prefilled from the project: its
    service when it changes one, else a new service named after the project."""
    locked = Project.objects.select_for_update().get(pk=project.pk)
    extra = set(fields) - set(HANDOFF_FIELDS)
    if extra:
        raise ValidationError({name: "This field cannot be set here." for name in sorted(extra)})
    handoff = Handoff(project=locked, created_by=actor)
    _ensure_manager(handoff, actor)
    if not locked.is_open:
        raise HandoffConflict(f"The project is {locked.get_phase_display().lower()}.")
    # A rejected handoff goes back to draft, so a project only ever needs the one.
    current = locked.handoffs.first()
    if current is not None:
        raise HandoffConflict(
            f"This project already has a handoff ({current.get_status_display().lower()}).",
            extra={"handoff": current.pk},
        )
    if locked.service_id:
        handoff.service = locked.service
    else:
        handoff.new_service = True
        handoff.service_name = locked.name
    for name, value in fields.items():
        setattr(handoff, name, value)
    _normalise(handoff)
    _check_target(handoff)
    handoff.full_clean()
    handoff.save()
    HandoffChecklistItem.objects.bulk_create(
        HandoffChecklistItem(handoff=handoff, key=key, label=label, position=i)
        for i, (key, label) in enumerate(STANDARD_HANDOFF_CHECKLIST, start=1)
    )
    audit_record(
        actor=actor,
        action="handoff.created",
        obj=handoff,
        changes={"status": [None, handoff.status], "project": [None, locked.code]},
    )
    audit_record(
        actor=actor,
        action="project.handoff_drafted",
        obj=locked,
        changes={"handoff": [None, handoff.pk]},
    )
    return handoff


@transaction.atomic
def handoff_update(*, handoff: Handoff, actor, expected_version: int, **fields: Any) -> Handoff:
    """Change a draft handoff's target, terms, dates or documents (412 when stale)."""
    extra = set(fields) - set(HANDOFF_FIELDS)
    if extra:
        raise ValidationError({name: "This field cannot be set here." for name in sorted(extra)})
    locked = Handoff.objects.select_for_update().select_related("project").get(pk=handoff.pk)
    _ensure_manager(locked, actor)
    check_version(locked, expected_version)
    _ensure_draft(locked)
    names = list(HANDOFF_FIELDS)
    before = snapshot(locked, names)
    for name, value in fields.items():
        setattr(locked, name, value)
    _normalise(locked)
    _check_target(locked)
    locked.full_clean()
    locked.version += 1
    locked.updated_at = timezone.now()
    locked.save()
    audit_record(
        actor=actor,
        action="handoff.updated",
        obj=locked,
        changes=diff(before, snapshot(locked, names)),
    )
    return locked


def handoff_transition(*, handoff: Handoff, action: str, actor, note: str = "") -> Handoff:
    """Submit, accept, reject or redraft a handoff (see projects/handoff_lifecycle.py).

    Accepting creates or changes the service and moves it live, with the agreed SLA policy,
    service hours and support team, and records the project's hypercare window: all in the
    transaction of the move, so a refusal on the service side changes nothing.
    """
    extra = {"note": [None, note]} if note else {}
    return transition_apply(
        lifecycle=HANDOFF_LIFECYCLE,
        instance=handoff,
        action=action,
        actor=actor,
        data={"note": note},
        audit_extra=extra,
    )


def handoff_apply_acceptance(*, handoff: Handoff, actor) -> Service:
    """The service and project side of an accepted handoff (called by the accept move).

    A new service is created (planned) with the handoff's terms; an existing one gets only
    the fields the handoff names, the rest keep their values (projects.handoff_terms; the
    audit row service.updated says old → new). A planned service then goes live through
    the service lifecycle. The project records the service and its hypercare window
    (projects.hypercare: [go-live, go-live + hypercare days), the last day go-live +
    hypercare days − 1).
    """
    from servicedesk.actions import service_create, service_transition, service_update

    values = handoff_service_values(handoff)
    if handoff.new_service:
        if Service.objects.filter(name__iexact=handoff.service_name).exists():
            raise ValidationError(
                {"service_name": f"A service called '{handoff.service_name}' already exists."}
            )
        service = service_create(actor=actor, name=handoff.service_name, **values)
        handoff.service = service
    else:
        service = Service.objects.get(pk=handoff.service_id)
        if values:
            service = service_update(
                service=service, actor=actor, expected_version=service.version, changes=values
            )
    if service.status == ServiceStatus.PLANNED:
        service = service_transition(service=service, action="go_live", actor=actor)
    elif service.status != ServiceStatus.LIVE:
        raise HandoffConflict(f"The service is {service.get_status_display().lower()}.")

    project = Project.objects.select_for_update().get(pk=handoff.project_id)
    window = Hypercare.from_go_live(handoff.go_live_on, handoff.hypercare_days)
    start, end = window.start, window.end
    before = snapshot(project, ["service", "hypercare_start", "hypercare_end"])
    project.service = service
    project.hypercare_start, project.hypercare_end = start, end
    project.version += 1
    project.updated_at = timezone.now()
    project.save()
    audit_record(
        actor=actor,
        action="project.handed_over",
        obj=project,
        changes={
            **diff(before, snapshot(project, ["service", "hypercare_start", "hypercare_end"])),
            "service": [before["service"], service.pk],  # named on the history even if kept
            "handoff": [None, handoff.pk],
        },
    )
    audit_record(
        actor=actor,
        action="service.handed_over",
        obj=service,
        changes={
            "project": [None, project.code],
            "handoff": [None, handoff.pk],
            "hypercare": [None, f"{start.isoformat()}/{end.isoformat()}"],
        },
    )
    return service


# ---------------------------------------------------------------- checklist


def _locked_draft(handoff: Handoff, actor) -> Handoff:
    locked = Handoff.objects.select_for_update().select_related("project").get(pk=handoff.pk)
    _ensure_manager(locked, actor)
    _ensure_draft(locked)
    return locked


@transaction.atomic
def checklist_item_add(*, handoff: Handoff, actor, label: str) -> HandoffChecklistItem:
    """Add a free item to a draft handoff's transition checklist."""
    locked = _locked_draft(handoff, actor)
    last = locked.checklist.order_by("-position").values_list("position", flat=True).first() or 0
    item = HandoffChecklistItem(handoff=locked, label=label.strip(), position=last + 1)
    item.full_clean()
    item.save()
    audit_record(
        actor=actor, action="handoff.item_added", obj=locked, changes={"item": [None, item.label]}
    )
    return item


@transaction.atomic
def checklist_item_update(
    *, item: HandoffChecklistItem, actor, done: bool | None = None, label: str | None = None
) -> HandoffChecklistItem:
    """Tick an item done (recording who and when), untick it, or rename a free item."""
    _locked_draft(item.handoff, actor)
    item = HandoffChecklistItem.objects.select_for_update().get(pk=item.pk)
    before = {"done": item.done, "label": item.label}
    if label is not None:
        if item.key:
            raise ValidationError({"label": "The standard items keep their wording."})
        item.label = label.strip()
    if done is True and item.done_at is None:
        item.done_at, item.done_by = timezone.now(), actor
    elif done is False:
        item.done_at, item.done_by = None, None
    item.full_clean()
    item.save()
    after = {"done": item.done, "label": item.label}
    audit_record(
        actor=actor,
        action="handoff.item_done"
        if after["done"] and not before["done"]
        else "handoff.item_updated",
        obj=item.handoff,
        changes={"item": [item.label, item.label], **diff(before, after)},
    )
    return item


@transaction.atomic
def checklist_item_delete(*, item: HandoffChecklistItem, actor) -> None:
    """Remove a free item (the standard ones stay)."""
    _locked_draft(item.handoff, actor)
    if item.key:
        raise ValidationError({"item": "The standard items cannot be removed."})
    audit_record(
        actor=actor,
        action="handoff.item_removed",
        obj=item.handoff,
        changes={"item": [item.label, None]},
    )
    item.delete()


@transaction.atomic
def item_add_done(*, handoff: Handoff, actor, label: str) -> HandoffChecklistItem:
    """Add a free checklist item that is already done (e.g. recorded after the fact)."""
    item = checklist_item_add(handoff=handoff, actor=actor, label=label)
    return checklist_item_update(item=item, actor=actor, done=True)
