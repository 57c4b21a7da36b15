"""Webhook subscriptions to events that were documented but never sent.

`project.phase_changed` was never published: a project's phase moves are
`project.transitioned`, which such endpoints now hear. `milestone.completed` was never
published either and has no counterpart: it is dropped, and an endpoint left with no event
is switched off (`active` false) rather than hearing something it never asked for. Without
this an endpoint holding either name could not be saved again (400: unknown event)."""

from django.db import migrations

RENAMED = {"project.phase_changed": "project.transitioned"}
DROPPED = {"milestone.completed"}


def rename_events(apps, schema_editor):
    endpoint_model = apps.get_model("core", "WebhookEndpoint")
    for endpoint in endpoint_model.objects.all():
        events = endpoint.events if isinstance(endpoint.events, list) else []
        kept = []
        for event in events:
            event = RENAMED.get(event, event)
            if event not in DROPPED and event not in kept:
                kept.append(event)
        if kept == events:
            continue
        endpoint.events = kept
        endpoint.active = endpoint.active and bool(kept)
        endpoint.save(update_fields=["events", "active"])


class Migration(migrations.Migration):
    dependencies = [("core", "0010_webhook_delivery_next_attempt")]

    operations = [migrations.RunPython(rename_events, migrations.RunPython.noop)]
