"""What accepting a handoff does to the service's fields: one rule, read by the acceptance
(projects.handoff_actions), the handoff page, the owners' inbox and the API.

A handoff to a new service sets every field (an empty one takes the service's default:
no support team, the default SLA policy, 24x7 service hours, medium criticality). A handoff
to an existing service changes only what it names: an empty support team, SLA policy,
service hours, criticality or description keeps the service's current value. Service hours
of 24x7 are the built-in 24x7 calendar, chosen explicitly (on a service they are stored as
"no calendar"), so "keep the hours" and "make it 24x7" are told apart.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from servicedesk.choices import Criticality

TERM_LABELS = {
    "owner": "Owner",
    "support_team": "Support team",
    "sla_policy": "SLA policy",
    "service_hours": "Service hours",
    "criticality": "Criticality",
    "description": "Description",
}


@dataclass(frozen=True)
class TermChange:
    """One service field as the handoff leaves it: `current` (None for a new service) and
    `new` in words; `changes` says whether acceptance writes a different value."""

    field: str
    label: str
    current: str | None
    new: str
    changes: bool

    def as_dict(self) -> dict:
        return asdict(self)


def handoff_service_values(handoff) -> dict:
    """The service fields accepting `handoff` writes, as model values: for a new service
    all of them, for an existing one only those the handoff names."""
    hours = handoff.service_hours
    # A service's 24x7 is "no calendar".
    hours_value = None if hours is not None and hours.is_builtin else hours
    if handoff.new_service:
        return {
            "owner": handoff.service_owner,
            "support_team": handoff.support_team,
            "sla_policy": handoff.sla_policy,
            "service_hours": hours_value,
            "criticality": handoff.criticality or Criticality.MEDIUM,
            "description": handoff.service_description,
        }
    values = {}
    if handoff.support_team_id is not None:
        values["support_team"] = handoff.support_team
    if handoff.sla_policy_id is not None:
        values["sla_policy"] = handoff.sla_policy
    if handoff.service_hours_id is not None:
        values["service_hours"] = hours_value
    if handoff.criticality:
        values["criticality"] = handoff.criticality
    if handoff.service_description.strip():
        values["description"] = handoff.service_description
    return values


def _words(field: str, value, default_policy=None) -> str:
    if field == "owner":
        return value.display_name if value is not None else "—"
    if field == "support_team":
        return value.name if value is not None else "None"
    if field == "sla_policy":
        if value is not None:
            return value.name
        return f"Default policy ({default_policy.name})" if default_policy else "Default policy"
    if field == "service_hours":
        return value.name if value is not None else "24x7"
    if field == "criticality":
        return Criticality(value).label if value else "—"
    return value or "—"


def default_policy():
    """The default SLA policy (what "no policy" means on a service), or None; kept with the
    catalogue, as the service form keeps it."""
    from servicedesk import catalogue
    from servicedesk.sla import policy_for

    return catalogue.kept_row("default_policy", lambda: policy_for(None))


_ASK = object()


def handoff_changes(handoff, *, default=_ASK) -> list[TermChange]:
    """Every service field the handoff sets or keeps, current → new, in words: what the
    owner agrees to by accepting (`default`: the default policy, when the caller has read
    it for many handoffs). For an accepted handoff "current" is what the service holds
    now."""
    values = handoff_service_values(handoff)
    service = None if handoff.new_service else handoff.service
    if default is _ASK:
        needs = values.get("sla_policy", 0) is None or (
            service is not None and service.sla_policy_id is None
        )
        default = default_policy() if needs else None
    rows = []
    for field, label in TERM_LABELS.items():
        if service is None:
            new = _words(field, values[field], default)
            rows.append(TermChange(field, label, None, new, True))
            continue
        current = getattr(service, field)
        new = values.get(field, current)
        rows.append(
            TermChange(
                field,
                label,
                _words(field, current, default),
                _words(field, new, default),
                field in values and new != current,
            )
        )
    return rows
