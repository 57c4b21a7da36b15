from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings


class Command(BaseCommand):
    help = "Load demo data (idempotent): each app's `demo.seed(context)` in app order."

    def handle(self, *args, **options):
        context: dict = {}
        # Demo history must not mail anyone (or flood the console) while it is written.
        quiet = override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
        with quiet, transaction.atomic():
            for config in apps.get_app_configs():
                try:
                    module = import_module(f"{config.name}.demo")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{config.name}.demo":
                        raise
                    continue
                result = module.seed(context) if config.name != "core" else module.seed()
                context.update(result or {})
        self.stdout.write(self.style.SUCCESS("Demo data ready. Log in as agent / demo."))
