"""Transition tables of the service desk's stateful objects."""

from core.lifecycle import Lifecycle, Transition
from core.roles import Role, has_role
from servicedesk.choices import ServiceStatus as S


def _owner_or_admin(service, actor) -> bool:
    return has_role(actor, Role.ADMIN) or (
        has_role(actor, Role.SERVICE_OWNER) and service.owner_id == actor.pk
    )


SERVICE_LIFECYCLE = Lifecycle(
    name="service",
    states=tuple(S.values),
    transitions=(
        Transition("go_live", frozenset({S.PLANNED}), S.LIVE, "Go live", may=_owner_or_admin),
        Transition("retire", frozenset({S.LIVE}), S.RETIRED, "Retire", may=_owner_or_admin),
    ),
)
