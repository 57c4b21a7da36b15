"""The built-in 24x7 calendar: every minute of every day, UTC, no holidays."""

from django.db import migrations


def create_24x7(apps, schema_editor):
    BusinessCalendar = apps.get_model("servicedesk", "BusinessCalendar")
    WorkingInterval = apps.get_model("servicedesk", "WorkingInterval")
    calendar, created = BusinessCalendar.objects.get_or_create(
        name="24x7", defaults={"time_zone": "UTC", "is_builtin": True}
    )
    if created:
        WorkingInterval.objects.bulk_create(
            WorkingInterval(calendar=calendar, weekday=d, start_minute=0, end_minute=1440)
            for d in range(7)
        )


def remove_24x7(apps, schema_editor):
    apps.get_model("servicedesk", "BusinessCalendar").objects.filter(
        name="24x7", is_builtin=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("servicedesk", "0004_sla_surveys_outages_costs")]
    operations = [migrations.RunPython(create_24x7, remove_24x7)]
