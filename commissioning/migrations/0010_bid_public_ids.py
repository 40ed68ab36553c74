"""Random public ids for bids and bid documents, shown in URLs, the API and references instead
of the sequence ids (whose gaps told a bidder how many other bids had arrived).

The column's database default, gen_random_uuid(), is volatile, so PostgreSQL gives each
existing row its own id as it adds the column (and rows inserted by raw SQL get one too); the
tables and their integer keys stay as they are.
"""

import uuid

import django.contrib.postgres.functions
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("commissioning", "0009_single_line_titles_and_names"),
    ]

    operations = [
        migrations.AddField(
            model_name="bid",
            name="public_id",
            field=models.UUIDField(
                db_default=django.contrib.postgres.functions.RandomUUID(),
                default=uuid.uuid4,
                editable=False,
                unique=True,
            ),
        ),
        migrations.AddField(
            model_name="biddocument",
            name="public_id",
            field=models.UUIDField(
                db_default=django.contrib.postgres.functions.RandomUUID(),
                default=uuid.uuid4,
                editable=False,
                unique=True,
            ),
        ),
    ]
