from django.core.management.base import BaseCommand, CommandError

from core.selectors import audit_chain_check


class Command(BaseCommand):
    help = "Recomputes the audit log's hash chain; fails if any entry was changed or removed."

    def handle(self, *args, **options):
        check = audit_chain_check()
        if not check.intact:
            for problem in check.problems:
                self.stderr.write(problem)
            raise CommandError(
                f"The audit log has been tampered with: {len(check.problems)} problem(s) "
                f"in {check.entries} entries."
            )
        self.stdout.write(self.style.SUCCESS(f"The audit log is intact ({check.entries} entries)."))
