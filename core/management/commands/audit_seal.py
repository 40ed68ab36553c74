from django.core.management.base import BaseCommand

from core.services_audit import audit_seal


class Command(BaseCommand):
    help = (
        "Chains the audit entries of committed transactions (the beat does this every few seconds)."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"Chained {audit_seal()} audit entries.")
