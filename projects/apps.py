from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = "Projects"

    def ready(self):
        from projects import audit_words

        audit_words.register()  # how its audit rows read on the history panels
