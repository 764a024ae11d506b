"""Article identity: url_key, record_key, text_key and every place an article was read from.

The keys of stored articles are computed from what they keep (raw kind, text and metadata); a
record id was never stored, so record_key fills in when the record is next imported. Articles
that the new rule makes one are left as they are here: `python manage.py merge_duplicate_articles`
merges them (it reports first, with --dry-run).
"""

from __future__ import annotations

import django.db.models.deletion
from django.db import migrations, models

from search.ingest.identity import identity_of

CHUNK = 1000


def backfill(apps, schema_editor):  # type: ignore[no-untyped-def]
    Article = apps.get_model("search", "Article")
    ArticleLocation = apps.get_model("search", "ArticleLocation")
    ids = list(Article.objects.order_by("id").values_list("id", flat=True))
    for start in range(0, len(ids), CHUNK):
        articles = list(Article.objects.filter(id__in=ids[start : start + CHUNK]).only("id", "raw_kind", "raw_text", "raw_meta", "source_key", "source_file", "source_line", "url"))
        for article in articles:
            meta = article.raw_meta if isinstance(article.raw_meta, dict) else {}
            ident = identity_of(article.raw_kind, article.raw_text, meta, article.source_key)
            if not ident.url_key and article.url:  # an HTML page's own link, found when it was cleaned
                ident = ident.with_url(article.url)
            article.url_key, article.text_key = ident.url_key, ident.text_key
        Article.objects.bulk_update(articles, ["url_key", "text_key"])
        ArticleLocation.objects.bulk_create(
            [ArticleLocation(key=a.source_key, article_id=a.id, path=a.source_file[:1000], line=a.source_line) for a in articles],
            ignore_conflicts=True,
        )


class Migration(migrations.Migration):

    dependencies = [
        ('search', '0005_passages'),
    ]

    operations = [
        migrations.AddField(
            model_name='article',
            name='record_key',
            field=models.CharField(blank=True, db_index=True, default='', editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name='article',
            name='text_key',
            field=models.CharField(blank=True, db_index=True, default='', editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name='article',
            name='url_key',
            field=models.CharField(blank=True, db_index=True, default='', editable=False, max_length=64),
        ),
        migrations.AlterField(
            model_name='article',
            name='source_key',
            field=models.CharField(db_index=True, editable=False, max_length=64),
        ),
        migrations.CreateModel(
            name='ArticleLocation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.CharField(max_length=64, unique=True)),
                ('path', models.CharField(max_length=1000)),
                ('line', models.PositiveIntegerField(blank=True, null=True)),
                ('article', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='locations', to='search.article')),
            ],
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
    ]
