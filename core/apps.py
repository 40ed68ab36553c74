from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Platform"

    def ready(self):
        from . import checks_audit  # noqa: F401 (registers the audit log's system checks)
