"""How the projects app's audit rows read on a history panel (core.audit_text's PHRASES).

Each phrase turns one action's recorded changes into the line's verb: "added Olivia Owner as
stakeholder", "captured baseline 2", "approved the gate of Planning (5 criteria met)",
"ticked off “Monitoring in place”". Rows are named through `Words`, so a history of any length
reads its people and services in one query per table. Registered by ProjectsConfig.ready().
"""

from __future__ import annotations

import datetime
from decimal import InvalidOperation

from django.conf import settings

from core.audit_text import PHRASES, Words, day
from core.numbers import decimal_text
from projects.hypercare import Hypercare
from projects.lifecycle import FORWARD_ACTIONS

USER = settings.AUTH_USER_MODEL


def _quoted(text) -> str:
    return f"“{text}”"


def _hours(text: str) -> str:
    try:
        return decimal_text(text.removesuffix("h"))
    except InvalidOperation:
        return text


# ---------------------------------------------------------------- the project's own rows


def member_added(w: Words) -> str:
    member = w.name(USER, w.raw("member"))
    if not w.has("role"):  # rows written before the role was recorded
        return f"added {member} to the team"
    before, role = w.raw("role", "old"), w.raw("role")
    says = w.label("projects.ProjectMember", "role", role).lower()
    if before is None:
        return f"added {member} as {says}"
    if before == role:
        return f"kept {member} as {says}"
    was = w.label("projects.ProjectMember", "role", before).lower()
    return f"made {member} {says} (was {was})"


def member_removed(w: Words) -> str:
    return f"removed {w.name(USER, w.raw('member', 'old'))} from the team"


def baseline_captured(w: Words) -> str:
    return f"captured baseline {w.raw('baseline')}"


def handoff_drafted(w: Words) -> str:
    w.skip("handoff")
    return "drafted the handoff"


def handed_over(w: Words) -> str:
    w.skip("handoff")  # the actor is the service owner who accepted it
    service = w.new("service") if w.has("service") else "the service"
    start, end = w.raw("hypercare_start"), w.raw("hypercare_end")
    if not (start and end):
        return f"accepted the handoff: {service} is live"
    last = Hypercare(start=_date(start), end=_date(end)).last_day
    return (
        f"accepted the handoff: {service} is live; hypercare {day(start)} – {day(last.isoformat())}"
    )


def _date(value) -> datetime.date:
    return datetime.date.fromisoformat(str(value))


def gate_approved(w: Words) -> str:
    w.skip("approved_by")  # the approver is the row's actor
    criteria = w.raw("gate")
    phase = w.pairs.get("phase", [None])[0]
    words = "approved the gate of " + w.label("projects.Project", "phase", phase)
    if isinstance(criteria, list) and criteria:
        count = len(criteria)
        words += f" ({count} criteri{'on' if count == 1 else 'a'} met)"
    return words


def cost_added(w: Words) -> str:
    amount, currency, category = ([*str(w.raw("cost")).split(" "), "", ""])[:3]
    words = f"recorded a cost of {amount} {currency}".rstrip()
    if category:
        words += f" ({w.label('projects.CostEntry', 'category', category).lower()})"
    return words


def time_logged(w: Words) -> str:
    parts = str(w.raw("time")).split(" ")
    if len(parts) != 3:
        return "logged time"
    username, hours, date = parts
    words = f"logged {_hours(hours)} h"
    if username != getattr(w.event.actor, "username", None):
        words += f" for {w.name(USER, username, 'username')}"
    return f"{words} on {day(date)}"


def task_deleted(w: Words) -> str:
    return f"deleted task {_quoted(w.raw('task', 'old'))}"


def milestone_deleted(w: Words) -> str:
    return f"deleted milestone {_quoted(w.raw('milestone', 'old'))}"


# ---------------------------------------------------------------- the handoff's rows


def handoff_created(w: Words) -> str:
    return "drafted it"


def handoff_updated(w: Words) -> None:
    if w.has("criticality", "old") or w.has("criticality"):
        old, new = (w.raw("criticality", side) for side in ("old", "new"))
        w.add(
            "criticality",
            *(w.label("servicedesk.Service", "criticality", v) if v else "—" for v in (old, new)),
        )
    if "new_service" in w.pairs:
        old, new = (
            "a new service" if w.raw("new_service", side) else "a change to a service"
            for side in ("old", "new")
        )
        w.add("delivers", old, new)
    return None  # "changed", and the fields


def item_added(w: Words) -> str:
    return f"added {_quoted(w.raw('item'))} to the checklist"


def item_done(w: Words) -> str:
    w.skip("done")
    return f"ticked off {_quoted(w.raw('item'))}"


def item_updated(w: Words) -> str:
    item = _quoted(w.raw("item"))
    if "label" in w.pairs:  # only what changed is recorded
        before, after = (_quoted(w.raw("label", side)) for side in ("old", "new"))
        return f"renamed {before} to {after}"
    if "done" in w.pairs and not w.raw("done"):
        return f"unticked {item}"
    return f"saved {item} unchanged"


def item_removed(w: Words) -> str:
    return f"removed {_quoted(w.raw('item', 'old'))} from the checklist"


# ---------------------------------------------------------------- the service's row


def service_handed_over(w: Words) -> str:
    w.skip("handoff")
    words = f"accepted the handoff of project {w.raw('project')}"
    window = str(w.raw("hypercare") or "")
    start, _, end = window.partition("/")
    if start and end:
        last = Hypercare(start=_date(start), end=_date(end)).last_day
        words += f"; hypercare {day(start)} – {day(last.isoformat())}"
    return words


def register() -> None:
    PHRASES.update(
        {
            "project.member_added": member_added,
            "project.member_removed": member_removed,
            "project.baseline_captured": baseline_captured,
            "project.handoff_drafted": handoff_drafted,
            "project.handed_over": handed_over,
            "project.cost_added": cost_added,
            "project.time_logged": time_logged,
            "task.deleted": task_deleted,
            "milestone.deleted": milestone_deleted,
            **{f"project.{action}": gate_approved for action in FORWARD_ACTIONS},
            "handoff.created": handoff_created,
            "handoff.updated": handoff_updated,
            "handoff.item_added": item_added,
            "handoff.item_done": item_done,
            "handoff.item_updated": item_updated,
            "handoff.item_removed": item_removed,
            "service.handed_over": service_handed_over,
        }
    )
