from django.core.management.base import BaseCommand
from tqdm import tqdm

from commissioning.services.renewals import contract_renewals_run


class Command(BaseCommand):
    help = (
        "Opens renewal decisions at contracts' notice points, reminds and escalates open ones, "
        "and expires contracts past their end date."
    )

    def add_arguments(self, parser):
        parser.add_argument("--chunk-size", type=int, default=500)

    def handle(self, *args, chunk_size, **options):
        # The number of chunks is not known ahead (each step finds its rows as it goes), so
        # the bar counts chunks and rows done rather than a share of a total.
        with tqdm(unit="chunk", desc="contract renewals", disable=options["verbosity"] < 1) as bar:

            def on_chunk(step, rows):
                bar.update(1)
                bar.set_postfix(step=step, rows=rows)

            done = contract_renewals_run(chunk_size=chunk_size, on_chunk=on_chunk)
        summary = ", ".join(f"{count} {step}" for step, count in done.items())
        self.stdout.write(self.style.SUCCESS(f"Contract renewals: {summary}."))
