"""The project lifecycle: phases, moves, and the gate each forward move must pass.

initiation → planning → execution → monitoring_control → closing → closed,
monitoring_control → execution (back), and cancel from any open phase.

Who moves a project: the sponsor or an admin signs every forward gate and a cancellation;
the project manager asks for them, and may themselves only step back from monitoring &
control to execution. The approver is the audit row's actor.
"""

from collections.abc import Callable

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q

from core.exceptions import GateNotMet
from core.lifecycle import Lifecycle, Transition
from core.roles import Role, has_role
from projects.choices import OPEN_PHASES
from projects.choices import Phase as P

# ---------------------------------------------------------------- gate criteria


def _charter_objectives(project) -> bool:
    return bool(project.objectives.strip())


def _charter_scope(project) -> bool:
    return bool(project.scope.strip())


def _charter_success_criteria(project) -> bool:
    return bool(project.success_criteria.strip())


def _sponsor_set(project) -> bool:
    return project.sponsor_id is not None


def _budget_set(project) -> bool:
    return project.budget > 0


class InDatabase:
    """A criterion the database answers: `expression()` is a boolean expression over a
    project row (`OuterRef("pk")` is the project). A gate's such criteria are answered
    together, in one statement (`gate_checklist`); called alone it asks for itself."""

    def __init__(self, expression: Callable[[], object]):
        self.expression = expression

    def __call__(self, project) -> bool:
        return bool(_answers(project, {"met": self.expression()}).get("met"))


def _answers(project, expressions: dict) -> dict:
    from projects.models import Project

    row = Project.objects.filter(pk=project.pk).values(**expressions).order_by().first()
    return row or {}


def _rows(model_name: str):
    from django.apps import apps

    return apps.get_model("projects", model_name).objects


def _of_project(model_name: str):
    return _rows(model_name).filter(project=OuterRef("pk"))


def _leaves():
    return _of_project("Task").filter(~Exists(_rows("Task").filter(parent=OuterRef("pk"))))


UNPLANNED = Q(planned_start__isnull=True) | Q(planned_finish__isnull=True)
UNPLANNED |= Q(planned_cost__isnull=True)
STARTED = Q(percent_complete__gt=0) | Q(actual_start__isnull=False)

_has_task = InDatabase(lambda: Exists(_of_project("Task")))
_has_milestone = InDatabase(lambda: Exists(_of_project("Milestone")))
_leaves_planned = InDatabase(lambda: ~Exists(_leaves().filter(UNPLANNED)))
_baseline_captured = InDatabase(lambda: Exists(_of_project("Baseline")))
_progress_reported = InDatabase(lambda: Exists(_of_project("Task").filter(STARTED)))
_work_complete = InDatabase(lambda: ~Exists(_leaves().filter(percent_complete__lt=100)))
_milestones_done = InDatabase(
    lambda: ~Exists(_of_project("Milestone").filter(completed_on__isnull=True, waived=False))
)


def _lessons_learned(project) -> bool:
    return bool(project.lessons_learned.strip())


def _handoff_accepted_expression():
    """A project with a target service (its own, or a new one in a handoff) needs the
    service owner's acceptance; a project with no service closes without one."""
    from projects.choices import HandoffStatus

    handoffs = _of_project("Handoff")
    no_service = Q(service__isnull=True) & ~Exists(handoffs)
    accepted = Q(Exists(handoffs.filter(status=HandoffStatus.ACCEPTED)))
    return ExpressionWrapper(no_service | accepted, output_field=BooleanField())


_handoff_accepted = InDatabase(_handoff_accepted_expression)


Criterion = tuple[str, Callable[[object], bool]]

# The gate to leave each phase: (what must be true, in words; the check). Other apps add
# criteria here, e.g. the handoff: GATE_CRITERIA[Phase.CLOSING].append(("…", check)).
GATE_CRITERIA: dict[str, list[Criterion]] = {
    P.INITIATION: [
        ("The charter states the objectives", _charter_objectives),
        ("The charter states the scope", _charter_scope),
        ("The charter states the success criteria", _charter_success_criteria),
        ("A sponsor is named", _sponsor_set),
    ],
    P.PLANNING: [
        ("An approved budget is set", _budget_set),
        ("The plan has at least one task", _has_task),
        ("The plan has at least one milestone", _has_milestone),
        ("Every leaf task has planned dates and a planned cost", _leaves_planned),
        ("A baseline is captured", _baseline_captured),
    ],
    P.EXECUTION: [
        ("Progress is reported on at least one task", _progress_reported),
    ],
    P.MONITORING_CONTROL: [
        ("Every leaf task is 100% complete", _work_complete),
    ],
    P.CLOSING: [
        ("Every milestone is completed or waived with a reason", _milestones_done),
        ("Lessons learned are written", _lessons_learned),
        ("The service owner accepted the handoff (if it delivers a service)", _handoff_accepted),
    ],
}


def gate_checklist(project) -> list[tuple[str, bool]]:
    """The criteria to leave the project's current phase, each with whether it is met (those
    the database answers, in one statement)."""
    criteria = GATE_CRITERIA.get(project.phase, [])
    asked = {
        f"gate_{n}": check.expression()
        for n, (_label, check) in enumerate(criteria)
        if isinstance(check, InDatabase)
    }
    answers = _answers(project, asked) if asked else {}
    return [
        (label, bool(answers.get(f"gate_{n}")) if f"gate_{n}" in asked else bool(check(project)))
        for n, (label, check) in enumerate(criteria)
    ]


def gate_unmet(project) -> list[str]:
    return [label for label, met in gate_checklist(project) if not met]


# ---------------------------------------------------------------- who may move it


def is_sponsor_or_admin(project, actor) -> bool:
    return has_role(actor, Role.ADMIN) or (
        actor is not None and actor.is_authenticated and project.sponsor_id == actor.pk
    )


def is_manager_sponsor_or_admin(project, actor) -> bool:
    return is_sponsor_or_admin(project, actor) or (
        has_role(actor, Role.PROJECT_MANAGER) and project.manager_id == actor.pk
    )


def _gate(project, actor, data) -> dict:
    unmet = gate_unmet(project)
    if unmet:
        raise GateNotMet(
            f"The {project.get_phase_display().lower()} gate is not met.",
            unmet=unmet,
            allowed=PROJECT_LIFECYCLE.actions_from(project.phase),
        )
    return {}


def _reason_given(project, actor, data) -> dict:
    if not str(data.get("reason") or "").strip():
        return {"reason": ["Say why the project is cancelled."]}
    return {}


def _forward(action: str, source: str, target: str, label: str) -> Transition:
    return Transition(
        action, frozenset({source}), target, label, may=is_sponsor_or_admin, guard=_gate
    )


PROJECT_LIFECYCLE = Lifecycle(
    name="project",
    states=tuple(P.values),
    state_field="phase",
    transitions=(
        _forward("plan", P.INITIATION, P.PLANNING, "Approve charter, start planning"),
        _forward("execute", P.PLANNING, P.EXECUTION, "Approve plan, start execution"),
        _forward("monitor", P.EXECUTION, P.MONITORING_CONTROL, "Move to monitoring & control"),
        _forward("start_closing", P.MONITORING_CONTROL, P.CLOSING, "Start closing"),
        _forward("close", P.CLOSING, P.CLOSED, "Close the project"),
        Transition(
            "back",
            frozenset({P.MONITORING_CONTROL}),
            P.EXECUTION,
            "Back to execution",
            may=is_manager_sponsor_or_admin,
        ),
        Transition(
            "cancel",
            frozenset(OPEN_PHASES),
            P.CANCELLED,
            "Cancel the project",
            may=is_sponsor_or_admin,
            guard=_reason_given,
        ),
    ),
)

FORWARD_ACTIONS = frozenset({"plan", "execute", "monitor", "start_closing", "close"})
