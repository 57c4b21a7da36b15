"""Text search over incidents: PostgreSQL full-text (GIN-indexed), LIKE on SQLite."""

import re

from django.db import connection
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL

# The query must use the indexed expression of migration 0003 for the GIN index to apply;
# PostgreSQL matches qualified and unqualified column references alike.
_TSVECTOR = (
    "to_tsvector('simple'::regconfig, "
    "coalesce({t}title, '') || ' ' || coalesce({t}description, ''))"
)
INCIDENT_TSVECTOR_SQL = _TSVECTOR.format(t="")
_QUALIFIED_TSVECTOR_SQL = _TSVECTOR.format(t='"servicedesk_incident".')
NUMBER_RE = re.compile(r"^(INC)?0*(\d{1,12})$", re.IGNORECASE)


def incidents_matching(qs: QuerySet, q: str) -> QuerySet:
    """Incidents whose number is `q`, or whose title/description contain its words."""
    q = (q or "").replace("\x00", "").strip()[:200]
    if not q:
        return qs
    number = NUMBER_RE.match(q)
    if number and q.upper().startswith("INC"):
        return qs.filter(number=f"INC{int(number.group(2)):07d}")
    if connection.vendor == "postgresql":
        matches = RawSQL(
            f"{_QUALIFIED_TSVECTOR_SQL} @@ plainto_tsquery('simple'::regconfig, %s)",
            (q,),
            output_field=BooleanField(),
        )
        by_number = Q(number=f"INC{int(number.group(2)):07d}") if number else Q(pk__in=[])
        return qs.filter(Q(matches) | by_number)
    words = q.split()[:8]
    cond = Q()
    for word in words:
        cond &= Q(title__icontains=word) | Q(description__icontains=word)
    if number:
        cond |= Q(number=f"INC{int(number.group(2)):07d}")
    return qs.filter(cond)
