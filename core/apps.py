from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core: people, teams, audit"

    def ready(self):
        from core.api import (
            schema_fields,  # noqa: F401  (registers the schema extensions)
            strict_text,
        )

        strict_text.install()

        from django.urls import register_converter

        from core.params import IdConverter

        register_converter(IdConverter, "id")

        import sys

        from core import embedded_beat

        embedded_beat.start_if_wanted(sys.argv)
