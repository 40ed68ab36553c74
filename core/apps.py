from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Platform"

    def ready(self):
        # Registers the deployment checks (`manage.py check --deploy`).
        from . import deploy_checks  # noqa: F401
