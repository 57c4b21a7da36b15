"""Calendar and SLA policy names are unique ignoring letter case (and stored without
surrounding spaces), as service names are since 0016.

Before the constraints, existing names are trimmed and any that then clash ignoring case are
told apart: the built-in 24x7 calendar and then the oldest keep their names, each later one
gets " (2)", " (3)", … (the first number no row uses), with its version bumped and an audit
row, so the migration cannot fail on existing data."""

from django.db import migrations

from core.unique_names import name_unique_ignoring_case, rename_clashes

CALENDAR_NAME_TAKEN = (
    "A calendar with this name already exists (names are compared ignoring letter case)."
)
POLICY_NAME_TAKEN = (
    "An SLA policy with this name already exists (names are compared ignoring letter case)."
)


def trim_and_tell_apart(apps, schema_editor):
    rename_clashes(
        apps,
        app_label="servicedesk",
        model_name="BusinessCalendar",
        action="calendar.saved",
        fallback="Calendar",
        order_by=("-is_builtin", "pk"),
    )
    rename_clashes(
        apps,
        app_label="servicedesk",
        model_name="SLAPolicy",
        action="sla_policy.saved",
        fallback="SLA policy",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("servicedesk", "0016_service_names_unique_ignoring_case"),
        ("core", "0009_audit_incident_reopens"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(trim_and_tell_apart, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="businesscalendar",
            constraint=name_unique_ignoring_case(
                name="calendar_name_unique_ignoring_case", message=CALENDAR_NAME_TAKEN
            ),
        ),
        migrations.AddConstraint(
            model_name="slapolicy",
            constraint=name_unique_ignoring_case(
                name="sla_policy_name_unique_ignoring_case", message=POLICY_NAME_TAKEN
            ),
        ),
    ]
