"""Makes (or brings up to date) the database role the application connects as.

Migrations run as the role that owns the tables; the web server, the Celery worker and the
beat connect as this one, which owns nothing. A role that does not own a table cannot alter
it, disable its triggers, or truncate it, so the audit log's guards hold against the
application itself and against anyone who takes it over. Run this after every `migrate` (the
compose file's `migrate` service does), so new tables are granted too.
"""

import os

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

# The audit log's tables: the application adds to them and seals entries, nothing more.
AUDIT_TABLES = (
    "core_auditentry",
    "core_auditchainhead",
    "core_auditcheckpoint",
    "core_auditholdrelease",
)
# The columns the sealer writes; the triggers check it writes nothing else.
SEALING_COLUMNS = ("position", "previous_hash", "entry_hash", "key_id", "sealed_at")
HEAD_COLUMNS = ("position", "entry_hash", "mac", "key_id", "updated_at")


class Command(BaseCommand):
    help = "Creates or updates the application's database role: no ownership, narrow grants."

    def add_arguments(self, parser):
        parser.add_argument("role", help="the role's name, e.g. civicmarkets_app")
        parser.add_argument(
            "--password-env",
            metavar="VARIABLE",
            help="set the role's password from this environment variable (never an argument)",
        )

    def handle(self, *args, role, password_env=None, **options):
        password = None
        if password_env:
            password = os.environ.get(password_env)
            if not password:
                raise CommandError(f"The environment variable {password_env} is empty or unset.")
        q = connection.ops.quote_name
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = %s", [role])
            found = cursor.fetchone()
            if found is None:
                cursor.execute(f"CREATE ROLE {q(role)} LOGIN")
                self.stdout.write(f"Created the role {role}.")
            elif any(found):
                raise CommandError(
                    f"The role {role} is a superuser or bypasses row security: the "
                    "application must connect as a role without such rights."
                )
            if password is not None:
                cursor.execute(f"ALTER ROLE {q(role)} LOGIN PASSWORD %s", [password])
            cursor.execute(
                "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner "
                "WHERE r.rolname = %s",
                [role],
            )
            if cursor.fetchone()[0]:
                raise CommandError(
                    f"The role {role} owns tables here: migrate as another role (the owner), "
                    "and let the application connect as one that owns nothing."
                )
            database = q(connection.settings_dict["NAME"])
            for statement in (
                f"GRANT CONNECT ON DATABASE {database} TO {q(role)}",
                f"GRANT USAGE ON SCHEMA public TO {q(role)}",
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {q(role)}",
                f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {q(role)}",
                # The application never migrates.
                f"REVOKE INSERT, UPDATE, DELETE ON django_migrations FROM {q(role)}",
                f"REVOKE ALL ON {', '.join(AUDIT_TABLES)} FROM {q(role)}",
                f"GRANT SELECT, INSERT ON {', '.join(AUDIT_TABLES)} TO {q(role)}",
                f"GRANT UPDATE ({', '.join(SEALING_COLUMNS)}) ON core_auditentry TO {q(role)}",
                f"GRANT UPDATE ({', '.join(HEAD_COLUMNS)}) ON core_auditchainhead TO {q(role)}",
            ):
                cursor.execute(statement)
        self.stdout.write(
            self.style.SUCCESS(
                f"The role {role} may use the application's tables; it may only add to the "
                "audit log (and seal its entries), and owns nothing."
            )
        )
