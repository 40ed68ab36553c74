"""Runs the escalation triggers over every live contract with upheld complaints or missed
KPIs (daily, from the scheduled jobs). Proposals only: officers decide."""

from django.core.management.base import BaseCommand

from accountability.services.escalation import evaluate_triggers_for_due_contracts


class Command(BaseCommand):
    help = "Proposes escalation for contracts whose triggers fired."

    def add_arguments(self, parser):
        parser.add_argument("--chunk-size", type=int, default=500)

    def handle(self, *args, chunk_size, **options):
        created = evaluate_triggers_for_due_contracts(chunk_size=chunk_size)
        self.stdout.write(f"{created} escalation proposal(s) created.")
