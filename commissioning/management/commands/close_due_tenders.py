from django.core.management.base import BaseCommand

from commissioning.services.tenders import tenders_close_due


class Command(BaseCommand):
    help = "Closes published tenders whose submission deadline has passed and opens their bids."

    def handle(self, *args, **options):
        closed = tenders_close_due()
        self.stdout.write(self.style.SUCCESS(f"{closed} tender(s) closed."))
