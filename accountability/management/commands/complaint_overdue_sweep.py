from django.core.management.base import BaseCommand

from accountability.services.handling import complaints_sweep_overdue


class Command(BaseCommand):
    help = "Flags complaints past their due date and tells the commissioners' managers, once."

    def handle(self, *args, **options):
        flagged = complaints_sweep_overdue()
        self.stdout.write(self.style.SUCCESS(f"{flagged} complaint(s) flagged as overdue."))
