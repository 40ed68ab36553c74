"""Inserting rows in bulk and learning which ones were new.

`bulk_create(ignore_conflicts=True)` skips rows a unique constraint refuses but does not say
which, so a job that emails or raises an event for "the rows it inserted" would announce
every row it tried, including those another run inserted a moment before. This inserts with
`ON CONFLICT DO NOTHING RETURNING`, which PostgreSQL answers with exactly the rows this
statement wrote.
"""

from collections.abc import Sequence

from django.db import connection


def bulk_insert_new(objs: list, *, key: Sequence[str]) -> list:
    """Inserts `objs` (unsaved, of one model with an automatic primary key) in one statement,
    skipping any that a unique constraint refuses, and returns the ones this statement
    inserted, their primary keys set. `key` names the fields (as attributes, e.g.
    "contract_id") that tell `objs` apart, usually the unique constraint's."""
    if not objs:
        return []
    opts = type(objs[0])._meta
    fields = [f for f in opts.concrete_fields if f is not opts.pk]
    quote = connection.ops.quote_name
    placeholders = "(" + ", ".join(["%s"] * len(fields)) + ")"
    params = [
        field.get_db_prep_save(field.pre_save(obj, add=True), connection)
        for obj in objs
        for field in fields
    ]
    key_columns = [quote(opts.get_field(name).column) for name in key]
    # Only the model's own quoted names are formatted in; every value is a parameter.
    sql = (
        f"INSERT INTO {quote(opts.db_table)} ({', '.join(quote(f.column) for f in fields)}) "  # noqa: S608
        f"VALUES {', '.join([placeholders] * len(objs))} "
        f"ON CONFLICT DO NOTHING RETURNING {quote(opts.pk.column)}, {', '.join(key_columns)}"
    )
    by_key = {tuple(getattr(obj, name) for name in key): obj for obj in objs}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    inserted = []
    for pk, *values in rows:
        obj = by_key[tuple(values)]
        obj.pk = pk
        obj._state.adding = False
        inserted.append(obj)
    return inserted
