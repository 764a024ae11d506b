"""API tokens, and the two roles as groups: readers (search, read, export) and curators (also
the admin's curation edits). Curators still need "staff status" to enter the admin."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def create_roles(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    from search.store.access import ensure_roles

    # Permissions are normally created after all migrations; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    ensure_roles(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"), schema_editor.connection.alias)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.using(schema_editor.connection.alias).filter(name__in=["readers", "curators"]).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('search', '0006_article_identity'),
        ('auth', '0012_alter_user_first_name_max_length'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ApiToken',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(help_text="What the token is for, e.g. 'nightly export script'.", max_length=100)),
                ('prefix', models.CharField(editable=False, help_text='The first characters of the key, to tell tokens apart.', max_length=8)),
                ('key_hash', models.CharField(editable=False, max_length=64, unique=True)),
                ('created', models.DateTimeField(auto_now_add=True)),
                ('last_used', models.DateTimeField(blank=True, editable=False, null=True)),
                ('revoked', models.BooleanField(default=False, help_text='A revoked token is refused with 401.')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='api_tokens', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'API token',
                'ordering': ['-created'],
                'permissions': [('read_archive', 'Can search, read and export the archive')],
            },
        ),
        migrations.RunPython(create_roles, remove_roles),
    ]
