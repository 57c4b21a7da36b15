"""CSAT surveys: created when an incident is resolved (called under the incident's lock)."""

from servicedesk.models import Incident, Survey


def survey_ensure(incident: Incident) -> Survey:
    """The incident's survey, created on its first resolution.

    One survey per incident: a reopened and re-resolved incident keeps its survey (and
    its link); an answer already given stands, an unanswered survey stays open.
    """
    survey, _ = Survey.objects.get_or_create(
        incident=incident, defaults={"requester_id": incident.requester_id}
    )
    return survey
