from django.core.management.base import BaseCommand

from core.outbox import outbox_dispatch


class Command(BaseCommand):
    help = "Sends the emails waiting in the outbox, retrying failures with backoff."

    def handle(self, *args, **options):
        sent = outbox_dispatch()
        self.stdout.write(self.style.SUCCESS(f"{sent} email(s) sent."))
