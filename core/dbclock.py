"""The database's clock: deadlines are judged by it, never by a browser's or a worker's."""

from datetime import datetime

from django.db import connection


def db_now() -> datetime:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement_timestamp()")
        return cursor.fetchone()[0]
