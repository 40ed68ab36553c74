import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from commissioning.ocds import build
from commissioning.ocds.export import export_releases


class Command(BaseCommand):
    help = (
        "Writes every published tender's OCDS releases as one release package (or, with "
        "--jsonl, one release per line), streamed with flat memory."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help="the file to write (default: standard output)")
        parser.add_argument("--jsonl", action="store_true", help="JSON Lines: a release a line")
        parser.add_argument(
            "--validate",
            action="store_true",
            help="check every release against the OCDS 1.1.5 schema (slower); fails if any "
            "is invalid",
        )
        parser.add_argument("--chunk-size", type=int, default=500)

    def handle(self, *args, output, jsonl, validate, chunk_size, **options):
        stream = open(output, "w", encoding="utf-8") if output else sys.stdout  # noqa: SIM115
        total = build.published_tenders().count()
        show = self.stderr.isatty() if hasattr(self.stderr, "isatty") else False
        try:
            with tqdm(
                total=total, unit="tender", desc="OCDS export", file=self.stderr, disable=not show
            ) as progress:
                written, problems = export_releases(
                    stream.write,
                    uri=build.public_url("/api/ocds/releases/"),
                    jsonl=jsonl,
                    check=validate,
                    chunk_size=chunk_size,
                    on_tender=progress.update,
                )
        finally:
            if output:
                stream.close()
        for problem in problems[:50]:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"{len(problems)} schema problems in {written} releases")
        self.stderr.write(f"{written} releases from {total} tenders written")
