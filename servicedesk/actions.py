"""Writes of services and incidents (the catalog's services and the incident queue).

Each action is one transaction: the change, its audit row, and side effects deferred
with `transaction.on_commit`. The other service desk writes live in sibling modules
named by domain: sla_actions (escalation, calendars, policies), outage_actions,
survey_actions, service_cost_actions, request_actions and improvement_actions.
"""

import dataclasses
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.api.concurrency import check_version
from core.audit import audit_record, diff, snapshot, versioned_update
from core.exceptions import NotAllowed
from core.lifecycle import transition_apply
from core.numbering import number_next
from core.roles import works_tickets
from core.webhooks import publish
from servicedesk import notifications, sla
from servicedesk.attachments import validate_upload
from servicedesk.choices import (
    SLA_LEVEL_BREACHED,
    SLA_LEVEL_NONE,
    SLA_LEVEL_WARNED,
    priority_for,
)
from servicedesk.lifecycle import (
    INCIDENT_LIFECYCLE,
    SERVICE_LIFECYCLE,
    service_incident_refusal,
)
from servicedesk.models import Attachment, Incident, IncidentComment, Service

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

    Agents may open on behalf of a requester and backdate `opened_at` (imports). The service
    must take incidents from the actor (lifecycle.service_incident_refusal: a live one, or a
    planned one for staff; never a retired one), else a 400 naming `service`.
    """
    requester = requester or actor
    if not requester.is_active:
        raise ValidationError({"requester": ["Choose an active user."]})
    if requester != actor and not works_tickets(actor):
        raise NotAllowed("Only agents may open incidents for someone else.")
    if opened_at is not None and not works_tickets(actor):
        raise NotAllowed("Only agents may set the opening time.")
    if opened_at is not None and opened_at > timezone.now():
        raise ValidationError({"opened_at": ["The opening time cannot be in the future."]})
    refusal = service_incident_refusal(service, actor)
    if refusal:
        raise ValidationError({"service": [refusal]})
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


@transaction.atomic
def incident_open_for(*, actor, requester, team=None, assignee=None, **fields) -> Incident:
    """An agent opens an incident for `requester` (a call, a walk-in: the console's New
    incident), audited as any opening. Choosing a team or an assignee assigns it at once
    through the lifecycle (`assign`); without either the service's support team has it, new.
    `fields` are incident_open's."""
    if not works_tickets(actor):
        raise NotAllowed("Only agents may open incidents for someone else.")
    incident = incident_open(actor=actor, requester=requester, team=team, **fields)
    chosen = {name: row for name, row in (("team", team), ("assignee", assignee)) if row}
    if not chosen:
        return incident
    return incident_transition(incident=incident, action="assign", actor=actor, data=chosen)


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
    """Change incident fields; refuses a stale `expected_version` (412) and changes nothing.
    Fields sent with the values they have change nothing: with no other change, nothing is
    written (the version stays; no audit row)."""
    locked = Incident.objects.select_for_update().get(pk=incident.pk)
    check_version(locked, expected_version)
    _check_writable(actor, locked, changes)
    changing = _changing(locked, changes)
    rerouted = sorted(changing - {"title", "description", "category"})
    if not locked.is_open and rerouted:
        refusal = ["A resolved or closed incident cannot be re-routed."]
        raise ValidationError({name: refusal for name in rerouted})
    if not changing:
        return locked  # nothing to write: the version stays, no audit row, no mail
    _check_service_move(actor, locked, changes.get("service"))
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


def _changing(incident: Incident, changes: dict) -> set[str]:
    """The fields `changes` would change: an update may send a field's current value again
    (a client that reads the incident, edits one field and sends the whole of it back)."""
    out = set()
    for name, value in changes.items():
        field = incident._meta.get_field(name)
        new = value.pk if field.is_relation and value is not None else value
        if getattr(incident, field.attname) != new:
            out.add(name)
    return out


def _check_service_move(actor, incident: Incident, service: Service | None) -> None:
    """Moving an incident onto another service follows the rule of opening one there (a
    retired service takes none); the service it has already stays, whatever its state, so an
    old ticket of a retired service is still worked and resolved."""
    if service is None or service.pk == incident.service_id:
        return
    refusal = service_incident_refusal(service, actor, move=True)
    if refusal:
        raise ValidationError({"service": [refusal]})


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
    comment = IncidentComment(
        incident=incident, author=actor, body=body, internal=internal, created_at=timezone.now()
    )
    # The incident and the author are loaded rows already: no SELECT to prove they exist.
    comment.full_clean(exclude=["incident", "author"])
    comment.save()
    for upload in files:
        attachment_add(incident=incident, actor=actor, upload=upload, comment=comment)
    if not internal and works_tickets(actor) and incident.first_responded_at is None:
        _first_response_record(incident, at=comment.created_at, actor=actor)
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


def _first_response_record(incident: Incident, *, at, actor) -> None:
    """An agent's first public reply stamps the response (unless another reply did); one
    after the response target breaches it at once, unless the minute scan
    (sla_actions.sla_escalate) flagged it already: both set the flag by a conditional UPDATE
    without holding the row, so only the writer that sets it writes the audit row."""
    first = Incident.objects.select_related("sla_policy__calendar").get(pk=incident.pk)
    first.first_responded_at = at
    sla.business_minutes_stamp(first)
    answered = Incident.objects.filter(pk=incident.pk, first_responded_at__isnull=True).update(
        first_responded_at=at, response_business_minutes=first.response_business_minutes
    )
    late = Incident.objects.filter(pk=incident.pk, response_breached=False, response_due__lt=at)
    if answered and late.update(response_breached=True):
        audit_record(
            actor=actor,
            action="incident.sla_breached",
            obj=incident,
            changes={"response_breached": [False, True]},
        )


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


@dataclasses.dataclass
class BulkAssignment:
    """What a bulk assign did: how many were assigned, and each skipped incident with why."""

    assigned: int = 0
    skipped: list[tuple[str, str]] = dataclasses.field(default_factory=list)  # (number, reason)

    def summary(self) -> str:
        """One sentence: "Assigned 2 incidents; 1 skipped: INC0000314 is closed." """
        done = "no incidents" if not self.assigned else _incidents(self.assigned)
        if not self.skipped:
            return f"Assigned {done}."
        why = ", ".join(f"{number} {reason}" for number, reason in self.skipped)
        return f"Assigned {done}; {len(self.skipped)} skipped: {why}."


def _incidents(count: int) -> str:
    return f"{count} incident{'s' if count != 1 else ''}"


@transaction.atomic
def incidents_bulk_assign(
    *, incident_ids: list[int], actor, team=None, assignee=None
) -> BulkAssignment:
    """Assign many incidents at once, each through the lifecycle (new) or an update; those no
    longer open (resolved, closed, cancelled) or gone are skipped and named with why."""
    if not works_tickets(actor):
        raise NotAllowed("Only agents may assign incidents.")
    if team is None and assignee is None:
        raise ValidationError("Choose a team or an assignee to assign the selected incidents to.")
    result = BulkAssignment()
    data = {k: v for k, v in {"team": team, "assignee": assignee}.items() if v is not None}
    wanted = list(dict.fromkeys(incident_ids[:200]))
    found = Incident.objects.filter(pk__in=wanted).order_by("pk")
    for incident in found:
        if incident.status == "new":
            incident_transition(incident=incident, action="assign", actor=actor, data=data)
        elif incident.is_open:
            incident_update(
                incident=incident, actor=actor, expected_version=incident.version, changes=data
            )
        else:
            status = incident.get_status_display().lower()
            result.skipped.append((incident.number, f"is {status}"))
            continue
        result.assigned += 1
    gone = len(wanted) - len(found)
    if gone:
        result.skipped.append(
            (_incidents(gone), "no longer exist" if gone > 1 else "no longer exists")
        )
    return result
