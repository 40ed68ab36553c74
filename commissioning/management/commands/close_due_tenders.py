from django.core.management.base import BaseCommand, CommandError

from commissioning import sealing
from commissioning.services.tenders import tenders_close_due


class Command(BaseCommand):
    help = "Closes published tenders whose submission deadline has passed and opens their bids."

    def handle(self, *args, **options):
        try:
            closed = tenders_close_due()
        except sealing.BidKeyUnusable as problem:
            # The others were closed; say which were not, and why, without a traceback.
            raise CommandError(problem.detail) from None
        self.stdout.write(self.style.SUCCESS(f"{closed} tender(s) closed."))
