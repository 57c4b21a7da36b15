"""PostgreSQL full-text index for the console's `q` search (SQLite falls back to LIKE)."""

from django.db import migrations

from servicedesk.search import INCIDENT_TSVECTOR_SQL


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS inc_fulltext ON servicedesk_incident "
            f"USING GIN (({INCIDENT_TSVECTOR_SQL}))"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS inc_fulltext")


class Migration(migrations.Migration):
    dependencies = [("servicedesk", "0002_incidents")]
    operations = [migrations.RunPython(create_index, drop_index)]
