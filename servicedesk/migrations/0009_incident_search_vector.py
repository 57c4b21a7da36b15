"""PostgreSQL: the full-text vector of an incident stored in a generated column with its own
GIN index, replacing the expression index of 0003. A stored value is a cheap `@@` per row
instead of a `to_tsvector` call, and it has statistics, so the planner picks the index for rare
words (docs/performance.md, fix 5). The model does not declare the column: SQLite (the
embedded default) searches with LIKE and never sees it."""

from django.db import migrations

from servicedesk.search import INCIDENT_TSVECTOR_SQL


def add_column(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "ALTER TABLE servicedesk_incident ADD COLUMN IF NOT EXISTS search_vector tsvector "
        f"GENERATED ALWAYS AS ({INCIDENT_TSVECTOR_SQL}) STORED"
    )
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS inc_search_vector ON servicedesk_incident "
        "USING GIN (search_vector)"
    )
    schema_editor.execute("DROP INDEX IF EXISTS inc_fulltext")


def drop_column(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS inc_fulltext ON servicedesk_incident "
        f"USING GIN (({INCIDENT_TSVECTOR_SQL}))"
    )
    schema_editor.execute("ALTER TABLE servicedesk_incident DROP COLUMN IF EXISTS search_vector")


class Migration(migrations.Migration):
    dependencies = [("servicedesk", "0008_console_indexes")]
    operations = [migrations.RunPython(add_column, drop_column)]
