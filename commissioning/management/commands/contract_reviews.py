from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from commissioning import sealing
from commissioning.services.reviews import contract_reviews_create_due


class Command(BaseCommand):
    help = "Prepares the contract reviews that have fallen due (the daily job, run by hand)."

    def add_arguments(self, parser):
        parser.add_argument("--chunk-size", type=int, default=500)

    def handle(self, *args, chunk_size, **options):
        try:
            with tqdm(unit="contract", desc="Contract reviews", file=self.stderr) as progress:
                reviewed = contract_reviews_create_due(
                    chunk_size=chunk_size, on_chunk=progress.update
                )
        except sealing.BidKeyUnusable as problem:
            # The others were reviewed; say which were not, and why, without a traceback.
            raise CommandError(problem.detail) from None
        self.stdout.write(f"{reviewed} contract reviews prepared")
