"""A project that carries a CSI improvement: which improvement it may carry, and what its
closing or cancellation does to the improvement.

The improvement moves only through its own lifecycle (servicedesk.request_lifecycle's
IMPROVEMENT_LIFECYCLE, applied by core.lifecycle.transition_apply), with the person who
moves the project as its actor and the project as evidence in the audit row:

    project closes    → improvement implemented (approved ones are started first), with
                        measured_value from the close request, else the value measured on
                        the service in the complete after-hypercare window (400 without)
    project cancelled → an improvement in progress goes back to approved
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError

from core.exceptions import GuardFailed, NotAllowed
from core.lifecycle import transition_apply
from projects.choices import OPEN_PHASES
from servicedesk.choices import ImprovementStatus
from servicedesk.models import Improvement
from servicedesk.request_lifecycle import IMPROVEMENT_LIFECYCLE
from servicedesk.request_queries import improvements_visible_to

CARRIABLE = (ImprovementStatus.APPROVED, ImprovementStatus.IN_PROGRESS)


def improvement_check_carry(*, improvement: Improvement, actor, project=None) -> Improvement:
    """The improvement a project may carry (400 naming `improvement` otherwise): visible to
    the caller, approved or in progress, and not carried by another open project. Locks the
    improvement's row so two projects cannot take it at once; returns the locked row."""
    locked = Improvement.objects.select_for_update().filter(pk=improvement.pk).first()
    if locked is None or not improvements_visible_to(actor).filter(pk=locked.pk).exists():
        raise ValidationError({"improvement": "No such improvement."})
    if locked.status not in CARRIABLE:
        raise ValidationError(
            {
                "improvement": "A project carries an approved or in-progress improvement; "
                f"this one is {locked.get_status_display().lower()}."
            }
        )
    from projects.models import Project

    others = Project.objects.filter(improvement=locked, phase__in=OPEN_PHASES)
    if project is not None and project.pk is not None:
        others = others.exclude(pk=project.pk)
    other = others.order_by("code").first()
    if other is not None:
        raise ValidationError({"improvement": f"Project {other.code} already carries it."})
    return locked


def _move(improvement: Improvement, action: str, actor, evidence: dict) -> Improvement:
    move = IMPROVEMENT_LIFECYCLE.get(action)
    if move is not None and not move.may(improvement, actor):
        raise NotAllowed(
            f"This project carries the improvement '{improvement.title}': moving it "
            f"('{action}') takes its owner, the service owner, a manager or an admin."
        )
    return transition_apply(
        lifecycle=IMPROVEMENT_LIFECYCLE,
        instance=improvement,
        action=action,
        actor=actor,
        data=evidence.pop("data", {}),
        audit_extra=evidence,
    )


def improvement_start_for(*, improvement: Improvement, project, actor) -> Improvement:
    """approved → in progress, because `project` starts work on it (no-op otherwise)."""
    if improvement.status != ImprovementStatus.APPROVED:
        return improvement
    return _move(improvement, "start", actor, {"project": [None, project.code]})


def measured_value_for_close(project, data: dict) -> tuple[Decimal | None, str]:
    """The value the improvement is implemented with, and where it comes from."""
    raw = data.get("measured_value")
    if raw not in (None, ""):
        return Decimal(str(raw)), "close request"
    from projects.outcome import improvement_outcome

    outcome = improvement_outcome(project)
    if outcome and outcome["source"] == "computed" and outcome["window_status"] == "complete":
        return Decimal(outcome["measured"]), "after-hypercare window"
    return None, ""


def improvement_follow_project(*, project, action: str, actor, data: dict) -> None:
    """What the project's `close` or `cancel` does to the improvement it carries."""
    if project.improvement_id is None or action not in ("close", "cancel"):
        return
    improvement = Improvement.objects.select_related("service").get(pk=project.improvement_id)
    evidence = {"project": [None, project.code], "project_id": [None, project.pk]}
    if action == "cancel":
        if improvement.status == ImprovementStatus.IN_PROGRESS:
            _move(improvement, "return", actor, evidence)
        return
    if improvement.status not in CARRIABLE:
        return  # already implemented (or rejected) by hand: history stays as it is
    value, source = measured_value_for_close(project, data)
    if value is None:
        raise GuardFailed(
            f"Closing {project.code} implements the improvement '{improvement.title}': "
            "give measured_value (the after-hypercare window is not complete, or its "
            f"metric '{improvement.metric}' is not measured from service data).",
            fields={"measured_value": [f"The {improvement.metric} measured after the project."]},
        )
    if improvement.status == ImprovementStatus.APPROVED:
        improvement = _move(improvement, "start", actor, dict(evidence))
    _move(
        improvement,
        "implement",
        actor,
        {**evidence, "measured_from": [None, source], "data": {"measured_value": value}},
    )
