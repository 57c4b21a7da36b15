"""Writes of CSAT surveys (see request_actions.py for why a second actions module)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.audit import audit_record
from servicedesk.errors import SurveyAlreadyAnswered
from servicedesk.models import Survey

SURVEY_COMMENT_MAX = 5000


@transaction.atomic
def survey_answer(*, survey: Survey, actor, rating, comment: str = "") -> Survey:
    """Record the requester's one answer (rating 1–5, optional comment of at most
    SURVEY_COMMENT_MAX characters; a bad one is refused naming it and nothing is recorded).

    A conditional UPDATE makes the first answer win: a second (or a concurrent) answer
    changes nothing and raises SurveyAlreadyAnswered (409).
    """
    errors = {}
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        errors["rating"] = ["Choose a rating from 1 (poor) to 5 (excellent)."]
    # A line break counts once, as the text box counted it (browsers send it as CR LF).
    comment = (comment or "").replace("\r\n", "\n").strip()
    if len(comment) > SURVEY_COMMENT_MAX:
        errors["comment"] = [
            f"At most {SURVEY_COMMENT_MAX:,} characters (this one has {len(comment):,}): "
            "shorten it and send again."
        ]
    if errors:
        raise ValidationError(errors)
    answered = Survey.objects.filter(pk=survey.pk, answered_at__isnull=True).update(
        rating=rating, comment=comment, answered_at=timezone.now()
    )
    if not answered:
        raise SurveyAlreadyAnswered()
    survey.refresh_from_db()
    audit_record(
        actor=actor if actor is not None and actor.is_authenticated else survey.requester,
        action="incident.survey_answered",
        obj=survey.incident,
        changes={"rating": [None, rating]},
    )
    return survey
