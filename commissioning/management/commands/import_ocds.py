from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from commissioning.ocds.importer import ImportRefused, import_package
from core.choices import Region


class Command(BaseCommand):
    help = (
        "Imports an OCDS release package or record package from another system into "
        "commissioners, providers, tenders, awards and contracts. Releases already imported "
        "are skipped; an invalid file imports nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the package, as JSON")
        parser.add_argument(
            "--default-region",
            choices=Region.values,
            help="the ITL 1 region for buyers whose data names none we recognise",
        )

    def handle(self, *args, file, default_region, **options):
        path = Path(file)
        try:
            text = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}") from None
        try:
            report = import_package(text, default_region=default_region)
        except ImportRefused as refused:
            raise CommandError(f"Nothing was imported from {file}.\n{refused}") from None
        for skipped in report.skipped:
            self.stdout.write(f"skipped {skipped}")
        for note in report.notes:
            self.stdout.write(f"note: {note}")
        self.stdout.write(self.style.SUCCESS(report.summary()))
