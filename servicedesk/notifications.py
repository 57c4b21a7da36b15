"""Who is told what about an incident. Called after commit; mail is sent by Celery,
and a failure to send it is logged, never raised into the request (core.notifications.queue)."""

from core.notifications import queue
from servicedesk import tasks


def incident_opened(incident_id: int) -> None:
    queue(tasks.notify_incident, incident_id, "opened")


def incident_assigned(incident_id: int) -> None:
    queue(tasks.notify_incident, incident_id, "assigned")


def incident_resolved(incident_id: int) -> None:
    queue(tasks.notify_incident, incident_id, "resolved")


def incident_reopened(incident_id: int) -> None:
    queue(tasks.notify_incident, incident_id, "reopened")


def incident_commented(comment_id: int) -> None:
    queue(tasks.notify_comment, comment_id)


def incident_sla_escalated(incident_id: int, level: int) -> None:
    queue(tasks.notify_sla, incident_id, level)
