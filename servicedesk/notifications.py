"""Who is told what about an incident. Called after commit; mail is sent by Celery."""

from servicedesk import tasks


def incident_opened(incident_id: int) -> None:
    tasks.notify_incident.delay(incident_id, "opened")


def incident_assigned(incident_id: int) -> None:
    tasks.notify_incident.delay(incident_id, "assigned")


def incident_resolved(incident_id: int) -> None:
    tasks.notify_incident.delay(incident_id, "resolved")


def incident_reopened(incident_id: int) -> None:
    tasks.notify_incident.delay(incident_id, "reopened")


def incident_commented(comment_id: int) -> None:
    tasks.notify_comment.delay(comment_id)


def incident_sla_escalated(incident_id: int, level: int) -> None:
    tasks.notify_sla.delay(incident_id, level)
