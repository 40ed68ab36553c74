"""Removes complainants' personal data once the retention period after closing has passed."""

from django.core.management.base import BaseCommand

from accountability.services.retention import retention_run


class Command(BaseCommand):
    help = (
        "Wipes the name, email and phone of complainants, and deletes the attachments, of "
        "complaints closed more than COMPLAINT_RETENTION_DAYS days ago; deletes uploads of "
        "complaint forms never sent; deletes sent and given-up emails after "
        "OUTBOX_RETENTION_DAYS and expires webhook events held longer than WEBHOOK_HOLD_DAYS. "
        "Safe to run again: already wiped complaints are skipped."
    )

    def handle(self, *args, **options):
        run = retention_run()
        result = run.complaints
        self.stdout.write(
            f"Removed personal data from {result.complaints_wiped} complaints; deleted "
            f"{result.attachments_deleted} attachments and {result.pending_deleted} unsent "
            "uploads."
        )
        self.stdout.write(
            f"Deleted {run.emails_deleted} sent or given-up emails; expired "
            f"{run.webhook_events_expired} webhook events held for endpoints turned off."
        )
