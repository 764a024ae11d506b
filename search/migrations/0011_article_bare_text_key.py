"""Article.bare_text_key: the article's text without its outlet, so a copy of a file that names no
outlet (the manifest that named it left behind) is found to be the same article.

Filled from what each article keeps (raw kind and text), as 0006 filled text_key. Articles that
are already stored twice this way are merged by `python manage.py merge_duplicate_articles`.
"""

from __future__ import annotations

from django.db import migrations, models

from search.ingest.identity import identity_of

CHUNK = 1000


def backfill(apps, schema_editor):  # type: ignore[no-untyped-def]
    Article = apps.get_model("search", "Article")
    ids = list(Article.objects.order_by("id").values_list("id", flat=True))
    for start in range(0, len(ids), CHUNK):
        articles = list(Article.objects.filter(id__in=ids[start : start + CHUNK]).only("id", "raw_kind", "raw_text"))
        for article in articles:
            article.bare_text_key = identity_of(article.raw_kind, article.raw_text, {}, "").bare_text_key
        Article.objects.bulk_update(articles, ["bare_text_key"])


class Migration(migrations.Migration):

    dependencies = [
        ("search", "0010_pg_search"),
    ]

    operations = [
        migrations.AddField(
            model_name="article",
            name="bare_text_key",
            field=models.CharField(blank=True, db_index=True, default="", editable=False, max_length=64),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
