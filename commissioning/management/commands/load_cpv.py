import csv
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from commissioning.models import CpvCode

DEFAULT_FILE = Path(__file__).resolve().parents[2] / "data" / "cpv_services_subset.csv"


class Command(BaseCommand):
    help = "Loads CPV codes from a CSV with columns code,description (default: the shipped subset)."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default=str(DEFAULT_FILE))

    @transaction.atomic
    def handle(self, *args, file, **options):
        path = Path(file)
        if not path.exists():
            raise CommandError(f"No CPV file at {path}")
        with path.open(newline="", encoding="utf-8") as handle:
            rows = [
                CpvCode(code=row["code"].strip(), description=row["description"].strip())
                for row in csv.DictReader(handle)
            ]
        CpvCode.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["code"], update_fields=["description"]
        )
        self.stdout.write(self.style.SUCCESS(f"{len(rows)} CPV codes loaded from {path.name}."))
