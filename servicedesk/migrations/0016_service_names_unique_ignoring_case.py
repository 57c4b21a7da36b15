"""Service names are unique ignoring letter case (and stored without surrounding spaces).

Before the constraint, existing names are trimmed and any that then clash ignoring case are
told apart: the oldest keeps its name, each later one gets " (2)", " (3)", … (the first
number no service uses), with its version bumped and an audit row, so the migration cannot
fail on existing data."""

import django.db.models.functions.text
from django.db import migrations, models

from core.unique_names import rename_clashes


def trim_and_tell_apart(apps, schema_editor):
    rename_clashes(
        apps,
        app_label="servicedesk",
        model_name="Service",
        action="service.updated",
        fallback="Service",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("servicedesk", "0015_open_queue_indexes"),
        ("core", "0009_audit_incident_reopens"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(trim_and_tell_apart, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="service",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Lower("name"),
                name="service_name_unique_ignoring_case",
                violation_error_message=(
                    "A service with this name already exists (names are compared ignoring "
                    "letter case)."
                ),
            ),
        ),
    ]
