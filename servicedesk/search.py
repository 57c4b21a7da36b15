"""Text search over incidents: PostgreSQL full-text (GIN-indexed), LIKE on SQLite."""

import re

from django.db import connection
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL

# The stored, GIN-indexed column of migration 0009 (PostgreSQL only) is generated from this
# expression; migrations 0003 and 0009 use it.
INCIDENT_TSVECTOR_SQL = (
    "to_tsvector('simple'::regconfig, coalesce(title, '') || ' ' || coalesce(description, ''))"
)
_MATCHES_SQL = (
    '"servicedesk_incident"."search_vector" @@ plainto_tsquery(\'simple\'::regconfig, %s)'
)
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
            _MATCHES_SQL,
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
