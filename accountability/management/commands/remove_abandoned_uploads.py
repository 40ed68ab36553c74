from django.core.management.base import BaseCommand

from accountability.services.uploads import pending_attachments_remove_abandoned


class Command(BaseCommand):
    help = (
        "Deletes the photos and documents of complaint forms not sent within "
        "COMPLAINT_UPLOAD_KEEP_MINUTES minutes of uploading. Safe to run at any time."
    )

    def handle(self, *args, **options):
        removed = pending_attachments_remove_abandoned()
        self.stdout.write(self.style.SUCCESS(f"{removed} abandoned upload(s) removed."))
