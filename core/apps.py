from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Platform"

    def ready(self):
        # Registers the system checks: the audit log's keys, and the deployment's public
        # addresses (`manage.py check --deploy`).
        from . import checks_audit, deploy_checks  # noqa: F401
