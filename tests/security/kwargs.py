"""URL kwargs for every pattern, filled from the `world` fixture (see conftest.py)."""

# Which world object a pattern's `pk` names, by URL name (API basenames and page names).
PK_OBJECT = {
    "webhook": "webhook",
    "token": "token",
    "service-token": "service_token",
    "service_token_revoke": "service_token",
    "service": "service",
    "outage": "outage",
    "service-cost": "service_cost",
    "incident": "incident",
    "calendar": "calendar",
    "sla-policy": "sla_policy",
    "project": "project",
    "project-milestones-ics": "project",
    "project-task": "task",
    "project-dependency": "dependency",
    "project-milestone": "milestone",
    "project-cost": "cost",
    "project-time-entry": "time_entry",
    "project-risk": "risk",
    "project-member": "member",
    "kpi-run": "kpi_run",
    "handoff": "handoff",
    "api_token_revoke": "token",
    "servicedesk:attachment_download": "attachment",
    "servicedesk:service_detail": "service",
    "kpis:service_card": "service",
    "kpis:project_card": "project",
}
OTHER = {
    "number": lambda w: w.incident.number,
    "delivery_id": lambda w: w.delivery.pk,
    "service_pk": lambda w: w.service.pk,
    "project_pk": lambda w: w.project.pk,
    "task_pk": lambda w: w.task.pk,
    "milestone_pk": lambda w: w.milestone.pk,
    "risk_pk": lambda w: w.risk.pk,
    "item_pk": lambda w: w.handoff_item.pk,
    "item_id": lambda w: w.handoff_item.pk,
    "code": lambda w: "incident_volume",
}


def _pk_object(key: str) -> str | None:
    if key.startswith("projects:"):
        return "project"
    if key in PK_OBJECT:
        return PK_OBJECT[key]
    base = key.rsplit("-", 1)[0] if key.endswith(("-list", "-detail")) else key
    for name in sorted(PK_OBJECT, key=len, reverse=True):
        if base == name or base.startswith(name + "-"):
            return PK_OBJECT[name]
    return None


def kwargs_for(key: str, names, world) -> dict:
    out = {}
    for name in names:
        if name == "pk":
            obj = _pk_object(key)
            assert obj, f"no world object for the pk of {key}; add it to PK_OBJECT"
            out[name] = getattr(world, obj).pk
        elif name == "token":
            out[name] = world.feed.token if "feed" in key else world.survey.token
        else:
            assert name in OTHER, f"no value for URL kwarg {name!r} of {key}; add it to OTHER"
            out[name] = OTHER[name](world)
    return out
