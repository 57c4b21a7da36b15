"""The OpenAPI schema generates cleanly: integrations rely on it, and so does schemathesis."""

from io import StringIO

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_openapi_schema_validates_without_warnings():
    out = StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out, stderr=StringIO())
    schema = out.getvalue()
    for path in ("/api/v1/incidents/", "/api/v1/services/", "/api/v1/webhooks/", "/api/v1/tokens/"):
        assert path in schema
