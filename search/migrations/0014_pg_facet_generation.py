from django.db import migrations, models

# The postgres engine's index version, for the facet arrays each web process keeps
# (search.index.postgres.arrays): a sequence (never rolled back, never reused, kept through
# TRUNCATE) and the one row writers bump. A no-op on SQLite.


def create_sequence(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE SEQUENCE IF NOT EXISTS search_pggeneration_seq")


def drop_sequence(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP SEQUENCE IF EXISTS search_pggeneration_seq")


class Migration(migrations.Migration):

    dependencies = [
        ('search', '0013_pg_lead_vector'),
    ]

    operations = [
        migrations.CreateModel(
            name='PgGeneration',
            fields=[
                ('id', models.SmallIntegerField(default=1, primary_key=True, serialize=False)),
                ('generation', models.BigIntegerField(default=0)),
                ('pruned_to', models.BigIntegerField(default=0)),
            ],
            options={
                'required_db_vendor': 'postgresql',
            },
        ),
        migrations.CreateModel(
            name='PgChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('generation', models.BigIntegerField()),
                ('block', models.IntegerField()),
            ],
            options={
                'required_db_vendor': 'postgresql',
                'indexes': [models.Index(fields=['generation'], name='search_pgchange_generation')],
            },
        ),
        migrations.RunPython(create_sequence, drop_sequence),
    ]
