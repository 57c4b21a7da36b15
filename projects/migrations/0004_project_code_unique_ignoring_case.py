"""Project codes are unique whatever their case (PAY-01 and pay-01 are one project).

Before the constraint is created, existing codes are trimmed, and a code equal to an older
project's code ignoring case gets the first free suffix (pay-01 → pay-01-2), so that the
migration cannot fail on existing data. Each renamed project gets a new version and an audit
row saying old → new.
"""

from django.db import migrations, models
from django.db.models.functions import Lower
from django.utils import timezone

MAX_LENGTH = 20


def _free_code(code: str, taken: set[str]) -> str:
    for n in range(2, 100_000):
        suffix = f"-{n}"
        candidate = f"{code[: MAX_LENGTH - len(suffix)]}{suffix}"
        if candidate.lower() not in taken:
            return candidate
    raise RuntimeError(f"No free project code for {code!r}")


def make_codes_unique_ignoring_case(apps, schema_editor):
    Project = apps.get_model("projects", "Project")
    AuditEvent = apps.get_model("core", "AuditEvent")
    ContentType = apps.get_model("contenttypes", "ContentType")
    rows = list(Project.objects.order_by("id").values_list("id", "code", "name"))
    # Every code as it will stand, so that a suffix never takes another project's code.
    reserved = {code.strip().lower() for _, code, _ in rows}
    kept: set[str] = set()
    renamed = []
    for pk, code, name in rows:
        new = code.strip()
        if not new:  # a blank code takes one no project has
            new = f"P-{pk}"
            if new.lower() in reserved:
                new = _free_code(new, reserved | kept)
        if new.lower() in kept:
            new = _free_code(new, reserved | kept)
        kept.add(new.lower())
        if new != code:
            renamed.append((pk, code, new, name))
    if not renamed:
        return
    content_type, _ = ContentType.objects.get_or_create(app_label="projects", model="project")
    now = timezone.now()
    # Two passes: the old exact unique index holds while rows change, and a trimmed code may
    # equal one another row gives up only later ("PAY-01 " before "PAY-01"): every row to
    # change first takes a placeholder no code has, then its new code.
    for pk, _, _, _ in renamed:
        Project.objects.filter(pk=pk).update(code=f"\x01{pk}")
    for pk, old, new, name in renamed:
        Project.objects.filter(pk=pk).update(code=new, version=models.F("version") + 1)
        AuditEvent.objects.create(
            actor=None,
            action="project.updated",
            content_type=content_type,
            object_id=str(pk),
            object_repr=f"{new} {name}"[:200],
            changes={"code": [old, new]},
            created_at=now,
        )
    if schema_editor.connection.vendor == "postgresql":
        # A row updated twice in this transaction queues its deferred foreign-key checks,
        # and PostgreSQL creates no index on a table with checks pending: run them now.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0009_audit_incident_reopens"),
        ("projects", "0003_project_improvement"),
    ]

    operations = [
        migrations.RunPython(make_codes_unique_ignoring_case, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="project",
            constraint=models.UniqueConstraint(
                Lower("code"),
                name="project_code_unique_ignoring_case",
                violation_error_message="Project codes are unique whatever their case.",
            ),
        ),
    ]
