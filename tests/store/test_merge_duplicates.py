"""merge_duplicate_articles on a database filled before identity (issue #11): the same articles
twice, found, merged with their curation, and the index following."""

from __future__ import annotations

import hashlib
import io
import json
import shutil

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from search.index.base import SearchQuery
from search.store.models import Article, ArticleActor, ArticleLocation, IndexTask
from tests.conftest import CORPUS, SEEDS, corpus_path, import_into_db

pytestmark = pytest.mark.django_db(transaction=True)
BEFORE = ("search", "0005_passages")


def _old_copy(apps, article_id: int, path: str, **changes) -> int:  # type: ignore[no-untyped-def]
    """What importing the article again from `path` did before identity: a second row."""
    OldArticle, OldParagraph = apps.get_model("search", "Article"), apps.get_model("search", "Paragraph")
    OldLink = apps.get_model("search", "ArticleActor")
    article = OldArticle.objects.get(pk=article_id)
    paragraphs = list(OldParagraph.objects.filter(article_id=article_id))
    links = list(OldLink.objects.filter(article_id=article_id))
    article.pk = None
    article.source_key = hashlib.sha256(path.encode()).hexdigest()
    article.source_file = path
    for name, value in changes.items():
        setattr(article, name, value)
    article.save()
    for paragraph in paragraphs:
        paragraph.pk, paragraph.article_id = None, article.pk
        paragraph.save()
    for link in links[: len(links) // 2]:  # its own actors: some of them
        link.pk, link.article_id = None, article.pk
        link.save()
    return article.pk


def verify() -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("verify_index", stdout=out)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue()
    return 0, out.getvalue()


def test_merge_on_a_database_made_before_identity(tmp_path, backend):
    folder = tmp_path / "corpus"
    shutil.copytree(CORPUS, folder)
    import_into_db(folder)
    records = []
    with open(corpus_path("allsides", "sample2000.jsonl")) as fh:
        for line in fh:
            record = json.loads(line)
            if len(record["content_original"]) > 800 and record["url"].startswith("https://"):
                records.append(record)
            if len(records) == 3:
                break
    (tmp_path / "export.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    import_into_db(tmp_path / "export.jsonl", actors=False)
    first = {number: Article.objects.get(source_file=str(folder / name)).pk for number, name in SEEDS.items()}
    record = Article.objects.get(url=records[0]["url"])

    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    apps = executor.loader.project_state([BEFORE]).apps
    try:
        # the old importer, given a copied folder and a second export with the URL written otherwise
        copy0 = _old_copy(apps, first["000"], str(tmp_path / "copy" / SEEDS["000"]), title="A curator's better title")
        copy3 = _old_copy(apps, first["003"], str(tmp_path / "copy" / SEEDS["003"]), hidden=True)
        variant = "http://" + records[0]["url"].removeprefix("https://").upper().split("/", 1)[0].lower() + "/" + records[0]["url"].split("/", 3)[3] + "?utm_source=feed"
        meta = {**record.raw_meta, "url": variant}
        copy_record = _old_copy(apps, record.pk, str(tmp_path / "export-2.jsonl"), raw_meta=meta, url=variant)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    copies = [copy0, copy3, copy_record]
    from search.index.outbox import enqueue

    enqueue(copies)  # the old import indexed them
    call_command("run_index_worker", "--once", stdout=io.StringIO())
    assert Article.objects.count() == 5 + 3 + 3 and backend.doc_count() == 10  # copy3 is hidden

    out = io.StringIO()
    call_command("merge_duplicate_articles", "--dry-run", stdout=out)
    assert "3 groups, 3 articles would be merged away" in out.getvalue()
    assert Article.objects.count() == 11

    actors_before = set(ArticleActor.objects.filter(article_id__in=[first["000"], copy0]).values_list("actor_id", flat=True))
    out = io.StringIO()
    call_command("merge_duplicate_articles", stdout=out)
    text = out.getvalue()
    assert "3 groups, 3 articles merged away" in text
    assert f"merged {copy0} into {first['000']} (same outlet and text); title from {copy0} (a curator's edit)" in text
    assert f"merged {copy3} into {first['003']} (same outlet and text); kept hidden: {copy3} was hidden" in text
    assert f"merged {copy_record} into {record.pk} (same URL)" in text
    assert Article.objects.count() == 8 and not Article.objects.filter(pk__in=copies).exists()
    survivor = Article.objects.get(pk=first["000"])
    assert survivor.title == "A curator's better title"
    assert Article.objects.get(pk=first["003"]).hidden
    assert set(ArticleActor.objects.filter(article=survivor).values_list("actor_id", flat=True)) == actors_before
    assert ArticleLocation.objects.get(path=str(tmp_path / "copy" / SEEDS["000"])).article_id == survivor.pk
    # the index follows: merged-away ids leave, the survivors are indexed again
    assert IndexTask.objects.exists()
    call_command("run_index_worker", "--once", stdout=io.StringIO())
    assert verify()[0] == 0
    assert backend.search(SearchQuery(text="title:curator's")).total == 1
    assert backend.doc_count() == 7  # 8 articles, the hidden seed 003 out
    # nothing left to merge; the copied folder imported now is all unchanged
    out = io.StringIO()
    call_command("merge_duplicate_articles", stdout=out)
    assert "0 groups, 0 articles merged away" in out.getvalue()


def test_merge_finds_a_copy_stored_without_its_outlet(tmp_path, backend):
    """A database where an older version stored 002 twice: once with the outlet metadata.csv
    names, once from a copy of the file without the manifest. The merge makes them one, the
    survivor keeps the outlet; a copy under another named outlet (syndication) stays apart."""
    from search.ingest.identity import identity_of

    import_into_db(CORPUS, actors=False)
    original = Article.objects.get(source_file=str(CORPUS / SEEDS["002"]))
    assert original.outlet is not None

    def stored_copy(path: str, meta: dict) -> int:
        copy = Article.objects.get(pk=original.pk)
        ident = identity_of(copy.raw_kind, copy.raw_text, meta, hashlib.sha256(path.encode()).hexdigest())
        copy.pk, copy.source_file, copy.source_key, copy.raw_meta = None, path, ident.location_key, meta
        copy.url_key, copy.record_key, copy.text_key, copy.bare_text_key = ident.url_key, ident.record_key, ident.text_key, ident.bare_text_key
        copy.outlet = None
        copy.save()
        return copy.pk

    bare = stored_copy(str(tmp_path / "bare" / SEEDS["002"]), {})
    syndicated = stored_copy(str(tmp_path / "wire" / SEEDS["002"]), {"outlet": "Wire Service"})
    out = io.StringIO()
    call_command("merge_duplicate_articles", stdout=out)
    assert f"merged {bare} into {original.pk} (same text, one copy naming no outlet)" in out.getvalue()
    assert not Article.objects.filter(pk=bare).exists() and Article.objects.filter(pk=syndicated).exists()
    assert Article.objects.get(pk=original.pk).outlet.name == "The Independent"
