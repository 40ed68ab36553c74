from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from accountability import demo as accountability_demo
from accounts import demo as accounts_demo
from commissioning import demo as commissioning_demo
from commissioning import demo_contract_management, demo_renewals, demo_tendering
from providers import demo as providers_demo


class Command(BaseCommand):
    help = (
        "Loads the demo organisations and users. Safe to run again: it updates, never duplicates."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            default=settings.DEMO_PASSWORD,
            help="Password for every demo login (default: the DEMO_PASSWORD setting).",
        )

    @transaction.atomic
    def handle(self, *args, password, **options):
        commissioners = commissioning_demo.seed()
        providers = providers_demo.seed()
        logins = accounts_demo.seed(
            commissioners=commissioners, providers=providers, password=password
        )
        api_keys = accounts_demo.seed_api_keys()
        call_command("load_cpv", verbosity=0)
        tenders = demo_tendering.seed(commissioners=commissioners, providers=providers)
        complaints = accountability_demo.seed()
        # Contract management counts the complaints and escalations above, so it comes after.
        demo_contract_management.seed()
        demo_renewals.seed()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {len(commissioners)} commissioners, {len(providers)} "
                f"providers, {len(logins)} users, {tenders} new tenders, {complaints} new "
                "complaints."
            )
        )
        self.stdout.write(f"\nDemo logins (password for all: {password})")
        width = max(len(email) for email, _ in logins)
        for email, description in logins:
            self.stdout.write(f"  {email.ljust(width)}  {description}")
        self.stdout.write('\nDemo API keys (see README, "Using the API")')
        for email, secret in api_keys:
            self.stdout.write(f"  {email.ljust(width)}  {secret}")
