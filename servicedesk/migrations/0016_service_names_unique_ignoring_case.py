"""Service names are unique ignoring letter case (and stored without surrounding spaces).

Before the constraint, existing names are trimmed and any that then clash ignoring case are
told apart: the oldest keeps its name, each later one gets " (2)", " (3)", … (the first
number no service uses), with its version bumped and an audit row, so the migration cannot
fail on existing data."""

import django.db.models.functions.text
from django.db import migrations, models
from django.utils import timezone

MAX_LENGTH = 200


def trim_and_tell_apart(apps, schema_editor):
    Service = apps.get_model("servicedesk", "Service")
    AuditEvent = apps.get_model("core", "AuditEvent")
    ContentType = apps.get_model("contenttypes", "ContentType")
    rows = list(Service.objects.order_by("pk").values_list("pk", "name"))
    # Every name as it will stand, so that a suffix never takes another service's name.
    reserved = {name.strip().lower() for _, name in rows}
    kept: set[str] = set()
    changed = []
    for pk, old in rows:
        base = old.strip() or "Service"
        name, number = base, 1
        while name.lower() in kept or (number > 1 and name.lower() in reserved):
            number += 1
            suffix = f" ({number})"
            name = base[: MAX_LENGTH - len(suffix)].rstrip() + suffix
        kept.add(name.lower())
        if name != old:
            changed.append((pk, old, name))
    if not changed:
        return
    content_type, _ = ContentType.objects.get_or_create(app_label="servicedesk", model="service")
    now = timezone.now()
    for pk, old, new in changed:
        Service.objects.filter(pk=pk).update(name=new, version=models.F("version") + 1)
        AuditEvent.objects.create(
            actor=None,
            action="service.updated",
            content_type=content_type,
            object_id=str(pk),
            object_repr=new[:200],
            changes={"name": [old, new]},
            created_at=now,
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
