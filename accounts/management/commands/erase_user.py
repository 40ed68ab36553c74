from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from accounts.services import user_erase
from core.errors import DomainError


class Command(BaseCommand):
    help = (
        "Meets a person's erasure request: anonymises their account (name, email, password, "
        "API keys, sessions) and closes it, keeping what they did and the audit log whole. "
        "The same as staff's page at /staff/person_erase/."
    )

    def add_arguments(self, parser):
        parser.add_argument("email", help="the person's email address")
        parser.add_argument("--reason", required=True, help="kept in the audit log")
        parser.add_argument(
            "--by", required=True, metavar="STAFF_EMAIL", help="the member of staff acting"
        )

    def handle(self, *args, email, reason, by, **options):
        staff = User.objects.filter(email__iexact=by, is_active=True, is_staff=True).first()
        if staff is None:
            raise CommandError(f"--by must be an active member of staff's email, not {by}.")
        person = User.objects.filter(email__iexact=email).first()
        if person is None:
            raise CommandError(f"No account has the email address {email}.")
        try:
            erased = user_erase(user=person, actor=staff, reason=reason)
        except DomainError as error:
            raise CommandError(error.message) from error
        self.stdout.write(
            self.style.SUCCESS(f"Erased: the account is now {erased.full_name}, and closed.")
        )
