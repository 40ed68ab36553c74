from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from commissioning import sealing
from commissioning.models import TenderKey
from commissioning.services.keys import tender_keys_rewrap


class Command(BaseCommand):
    help = (
        "Re-wraps every tender's sealing key under the newest master key (the first in "
        "BID_MASTER_KEY), so older keys can be removed. Idempotent; run it after putting the "
        "new key first, and before removing the old one. --check only counts."
    )

    def add_arguments(self, parser):
        parser.add_argument("--chunk-size", type=int, default=500)
        parser.add_argument(
            "--check",
            action="store_true",
            help="change nothing; fail unless every tender key is under the newest key",
        )

    def handle(self, *args, chunk_size, check, **options):
        total = TenderKey.objects.count()
        try:
            with tqdm(total=total, unit="key", desc="Tender keys", file=self.stderr) as bar:
                result = tender_keys_rewrap(chunk_size=chunk_size, check=check, on_chunk=bar.update)
        except sealing.BidKeyUnusable as problem:
            raise CommandError(f"Nothing was re-wrapped. {problem.detail}") from None

        if check:
            self.stdout.write(
                f"Tender keys: {result.rewrapped} under an older master key (to re-wrap), "
                f"{result.current} under the newest, {len(result.unopened)} could not be "
                "opened."
            )
        else:
            self.stdout.write(
                f"Tender keys: {result.rewrapped} re-wrapped under the newest master key, "
                f"{result.current} already under it, {len(result.unopened)} could not be "
                "opened."
            )
        if result.unopened:
            raise CommandError(
                f"No key in BID_MASTER_KEY opens the sealing keys of "
                f"{sealing.listed(result.unopened)}: add the key they were wrapped with "
                "(newest first) and run this again. Until then their bids cannot be opened."
            )
        if check and result.rewrapped:
            raise CommandError(
                f"{result.rewrapped} tender keys are still under an older master key: run "
                "rotate_bid_master_key before removing it."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Every tender key ({result.total}) is under the newest master key: the older "
                "keys can now be removed from BID_MASTER_KEY."
            )
        )
