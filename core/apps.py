from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Platform"

    def ready(self):
        # Registers the deployment checks (`manage.py check --deploy`).
        from . import deploy_checks  # noqa: F401
        from . import checks_audit  # noqa: F401 (registers the audit log's system checks)
