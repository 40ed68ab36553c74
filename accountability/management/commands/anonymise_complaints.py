"""Removes complainants' personal data once the retention period after closing has passed."""

from django.core.management.base import BaseCommand

from accountability.services.retention import complaints_anonymise_expired


class Command(BaseCommand):
    help = (
        "Wipes the name, email and phone of complainants, and deletes the attachments, of "
        "complaints closed more than COMPLAINT_RETENTION_DAYS days ago; deletes uploads of "
        "complaint forms never sent. Safe to run again: already wiped complaints are skipped."
    )

    def handle(self, *args, **options):
        result = complaints_anonymise_expired()
        self.stdout.write(
            f"Removed personal data from {result.complaints_wiped} complaints; deleted "
            f"{result.attachments_deleted} attachments and {result.pending_deleted} unsent "
            "uploads."
        )
