from django.core.management.base import BaseCommand

from core.services_audit import audit_checkpoint_publish


class Command(BaseCommand):
    help = "Signs the audit chain's head as a public checkpoint, if it moved since the last one."

    def handle(self, *args, **options):
        checkpoint = audit_checkpoint_publish()
        if checkpoint is None:
            self.stdout.write("No new checkpoint: the last one already covers the chain's head.")
        else:
            self.stdout.write(
                f"Signed a checkpoint at position {checkpoint.position}: {checkpoint.entry_hash}"
            )
