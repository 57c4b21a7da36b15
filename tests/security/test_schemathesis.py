"""schemathesis against /api/schema/, in-process over WSGI, as an agent and as a requester
(token header), with every check it has: 0 failures. The schema is the contract: when a check
fails, the schema or the code is fixed, never the check.

Part of the suite, so CI runs it (with and without the `CI` variable Hypothesis reads,
the generated cases differ; both pass).

Bounded: SCHEMATHESIS_EXAMPLES examples per operation (default 8, deterministic) so the run
stays within a few minutes on two cores; raise it for a longer hunt:

    SCHEMATHESIS_EXAMPLES=50 .venv/bin/python -m pytest tests/security/test_schemathesis.py

What the schema cannot say is supplied, for positive cases only, by `name_existing_objects`:
ids of objects that exist and that the caller may use, a future expiry, the answers of the
fixture's catalog item. Negative cases go out as generated.
"""

import datetime
import json
import os

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.utils import timezone
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import CHECKS, load_all_checks

from core.models import ApiToken
from core.wsgi import application

load_all_checks()
ALL_CHECKS = list(CHECKS.get_all())
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "8"))

# On SQLite the test database is one in-memory, shared-cache database: the in-process webhook
# delivery threads that generated webhook endpoints start lock its tables against the request
# being checked (a file database, as `make run` uses, waits instead). The contract is the same
# on both engines; CI checks it on PostgreSQL.
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not django_settings.IS_POSTGRES,
        reason="in-memory SQLite cannot serve the webhook threads concurrently (CI: PostgreSQL)",
    ),
]


def _load_schema():
    """What /api/schema/ serves, generated here: a request at collection time would touch the
    database (ATOMIC_REQUESTS), which pytest-django blocks outside tests."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    raw = json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(public=True)))
    loaded = schemathesis.openapi.from_dict(raw)
    loaded.app = application  # calls go in-process through WSGI
    loaded.location = "/api/schema/"
    return loaded


schema = _load_schema()


@pytest.fixture
def tokens(transactional_db, world):
    # Real commits: non-atomic views (token, KPI compute) must not share a test transaction.
    return {
        role: ApiToken.issue(user=getattr(world, role), name="schemathesis")[1]
        for role in ("agent", "requester")
    }


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case, tokens, world):
    name_existing_objects(case, world)
    for key in tokens.values():
        case.call_and_validate(headers={"Authorization": f"Token {key}"}, checks=ALL_CHECKS)


# Body fields that name another object, and the fixture object a positive case names instead of
# a random id. A schema can say "an integer", never "the id of something that exists and that you
# may use"; negative cases keep their generated values.
REFERENCES = {
    "service": "service",
    "requester": "requester",
    "catalog_item": "free_item",
    "incident": "incident",
    "manager": "project_manager",
    "sponsor": "manager",
    "improvement": "approved_improvement",
    "owner": "service_owner",
    "source_request": "service_request",
    "source_incident": "incident",
    "team": "team",
    "support_team": "team",
    "assignee": "agent",
    "approver": "manager",
    "project": "project",
    "task": "task",
    "parent": "task",
    "person": "agent",
    "user": "agent",
    "predecessor": "task",
    "successor": "task3",
    "calendar": "calendar",
    "sla_policy": "sla_policy",
}


def name_existing_objects(case, world) -> None:
    if case.meta is None or case.meta.generation.mode.is_negative:
        return
    if not isinstance(case.body, dict):
        return
    for field, attribute in REFERENCES.items():
        value = case.body.get(field)
        if isinstance(value, int) and not isinstance(value, bool):
            case.body[field] = getattr(world, attribute).pk
    # Nor which form the named catalog item has: the fixture's item asks nothing.
    if "answers" in case.body:
        case.body["answers"] = {}
    # Nor "not in the future" (an imported incident's opening time) or "in the future" (a
    # token's expiry).
    if isinstance(case.body.get("opened_at"), str):
        case.body["opened_at"] = (timezone.now() - datetime.timedelta(hours=1)).isoformat()
    if isinstance(case.body.get("expires_at"), str):
        case.body["expires_at"] = (timezone.now() + datetime.timedelta(days=1)).isoformat()
