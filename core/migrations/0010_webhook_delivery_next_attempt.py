"""Deliveries record when they are next tried and why the last try failed.

Existing pending deliveries become due now (the embedded sender, or a re-send, picks them up);
delivered and failed ones have no next try.
"""

from django.db import migrations, models
from django.db.models import F


def due_now(apps, schema_editor):
    Delivery = apps.get_model("core", "WebhookDelivery")
    Delivery.objects.filter(status="pending").update(next_attempt_at=F("created_at"))


class Migration(migrations.Migration):
    dependencies = [("core", "0009_audit_incident_reopens")]

    operations = [
        migrations.AddField(
            model_name="webhookdelivery",
            name="next_attempt_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="webhookdelivery",
            name="last_error",
            field=models.CharField(blank=True, max_length=300),
        ),
        migrations.AddIndex(
            model_name="webhookdelivery",
            index=models.Index(fields=["status", "next_attempt_at"], name="delivery_due"),
        ),
        migrations.RunPython(due_now, migrations.RunPython.noop),
    ]
