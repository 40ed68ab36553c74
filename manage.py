#!/usr/bin/env python
"""Django's command-line utility for CivicMarkets."""

import os
import sys

# Commands that only read the models sign nothing and need no server: they run in a bare
# checkout (as the before-stop hook runs `makemigrations --check`) without the settings
# production insists on. Every other command still needs SECRET_KEY and DATABASE_URL.
MODEL_ONLY_COMMANDS = {"makemigrations", "showmigrations", "sqlmigrate"}


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicmarkets.settings.base")
    if len(sys.argv) > 1 and sys.argv[1] in MODEL_ONLY_COMMANDS:
        os.environ.setdefault("SECRET_KEY", f"not-used-by-{sys.argv[1]}")
        os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/civicmarkets")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
