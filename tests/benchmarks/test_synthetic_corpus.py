"""The synthetic corpus for benchmarks at scale: deterministic, AllSides-shaped, and what the fast
loader stores is what the real importer would have stored."""

from __future__ import annotations

import gzip
import io
import json
import re
import statistics
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.http import QueryDict

from benchmarks import synthetic_corpus as sc
from benchmarks.synthetic_dataset import load
from search.index.base import SearchQuery
from search.ingest.dates import parse_date
from search.query.params import SearchParams
from search.query.results import run_search
from search.store.importer import Importer
from search.store.models import Article, ArticleActor, ArticleCopy, Paragraph

SAMPLE_SIZE = 1500


@pytest.fixture(scope="module")
def sample() -> list[sc.SyntheticArticle]:
    return list(sc.articles(SAMPLE_SIZE, seed=7))


# --- determinism -----------------------------------------------------------------------------


def test_same_records_every_time_and_prefix_of_larger_corpora() -> None:
    small = list(sc.generate(120, seed=3))
    assert list(sc.generate(120, seed=3)) == small
    assert list(sc.generate(300, seed=3))[:120] == small
    assert list(sc.generate(5, seed=4)) != small[:5]


def test_an_article_out_of_order_is_the_streamed_one() -> None:
    streamed = list(sc.generate(300, seed=3))
    fresh = sc.SyntheticCorpus(3)  # nothing cached: its sources are made on demand
    assert [fresh.article(i).record() for i in (299, 150, 0)] == [streamed[i] for i in (299, 150, 0)]


def test_written_file_is_byte_identical_and_reads_back(tmp_path: Path) -> None:
    first, second = tmp_path / "a.jsonl.gz", tmp_path / "b.jsonl.gz"
    sc.write_jsonl(40, first, seed=2)
    sc.write_jsonl(40, second, seed=2)
    assert first.read_bytes() == second.read_bytes()
    with gzip.open(first, "rt", encoding="utf-8") as fh:
        assert [json.loads(line) for line in fh] == list(sc.generate(40, seed=2))


# --- distributions ---------------------------------------------------------------------------


def test_outlets_are_zipf_distributed(sample: list[sc.SyntheticArticle]) -> None:
    counts = sorted(Counter(a.outlet.name for a in sample).values(), reverse=True)
    assert 0.08 * SAMPLE_SIZE < counts[0] < 0.25 * SAMPLE_SIZE
    assert counts[0] > 20 * statistics.median(counts)
    assert 150 < len(counts) <= sc.OUTLETS
    assert len({sc.outlet(rank).name for rank in range(sc.OUTLETS)}) == sc.OUTLETS


def test_lengths_and_dates_look_like_allsides(sample: list[sc.SyntheticArticle]) -> None:
    paragraphs = [len(a.paragraphs) for a in sample]
    words = [len(text.split()) for a in sample for text in a.texts]
    assert 15 <= statistics.median(paragraphs) <= 30 and max(paragraphs) <= sc.MAX_PARAGRAPHS
    assert 25 <= statistics.median(words) <= 45 and min(words) >= sc.MIN_PARAGRAPH_WORDS
    assert 7 <= statistics.median(len(a.title.split()) for a in sample) <= 13
    undated = sum(not a.date_text for a in sample) / SAMPLE_SIZE
    assert 0.08 < undated < 0.15
    assert {a.published.year for a in sample if a.published} == set(range(2011, 2021))


def test_dates_read_as_the_importer_reads_them(sample: list[sc.SyntheticArticle]) -> None:
    bad = [a for a in sample if a.date_text and not re.fullmatch(r"20[12]\d-\d\d-\d\d", a.date_text) or "-02-30" in a.date_text]
    assert bad, "the sample should hold a few bad dates"
    for article in sample:
        assert parse_date(article.date_text)[0] == article.published, article.date_text


def test_actors_are_named_in_the_text_as_often_as_counted(sample: list[sc.SyntheticArticle]) -> None:
    for article in sample[:300]:
        text = f"{article.title}\n{article.content}"
        for found, mentions in article.actors().items():
            # In full at least once, unless only a copied paragraph names it (by surname, as its source did).
            assert found.name in text or article.copy is not None
            assert len(re.findall(rf"\b{re.escape(found.short)}\b", text)) >= mentions
    in_articles = Counter(found for a in sample for found in a.actors())
    top = in_articles.most_common(1)[0][1]
    assert 0.05 * SAMPLE_SIZE < top < 0.4 * SAMPLE_SIZE
    assert len(in_articles) > SAMPLE_SIZE  # new names keep coming, as with NER on real news


def test_copied_paragraphs_appear_in_an_earlier_article(sample: list[sc.SyntheticArticle]) -> None:
    copies = [a for a in sample if a.copy is not None]
    partial = sum(not a.copy.whole for a in copies) / SAMPLE_SIZE
    assert 0.07 < partial < 0.13
    assert 0.005 < sum(a.copy.whole for a in copies) / SAMPLE_SIZE < 0.04
    for article in copies:
        source = sample[article.copy.source]
        assert source.index < article.index
        assert article.copy.whole == (len(article.copy.positions) == len(article.paragraphs))
        for position in article.copy.positions:
            copied = article.texts[position]
            assert any(_lightly_edited(copied, original) for original in source.texts)


def _lightly_edited(copy: str, original: str) -> bool:
    """Verbatim, with an attribution in front, or with one word changed."""
    if copy == original or copy.endswith(" " + original):
        return True
    ours, theirs = copy.split(" "), original.split(" ")
    return len(ours) == len(theirs) and sum(a != b for a, b in zip(ours, theirs, strict=True)) == 1


# --- the real importer and the fast loader ---------------------------------------------------------


@pytest.mark.django_db
def test_importer_stores_what_the_loader_stores(tmp_path: Path) -> None:
    path = tmp_path / "synthetic.jsonl"
    sc.write_jsonl(100, path, seed=2)
    report = Importer(actors=False).run([path])
    assert (report.imported, len(report.rejected), report.boilerplate_articles) == (100, 0, 0)
    load(100, seed=2)
    imported = _by_line(Article.objects.filter(source_file=str(path.resolve())))
    loaded = _by_line(Article.objects.filter(source_file="synthetic:seed=2"))
    assert len(imported) == len(loaded) == 100
    fields = (
        "title", "outlet_id", "published", "date_precision", "authors", "url",
        "content_hash", "raw_kind", "raw_text", "raw_meta", "import_warnings", "url_key", "record_key", "text_key",
    )  # fmt: skip
    for line, article in imported.items():
        other = loaded[line]
        assert [getattr(article, f) for f in fields] == [getattr(other, f) for f in fields], line
        assert _paragraphs(article) == _paragraphs(other), line
    # The importer found the reprints by their shared passages; the loader knew them.
    found = {(_line(c.article_id), _line(c.source_id)) for c in ArticleCopy.objects.filter(article__in=imported.values())}
    known = {(_line(c.article_id), _line(c.source_id)) for c in ArticleCopy.objects.filter(article__in=loaded.values())}
    assert known and found == known


def _by_line(articles) -> dict[int, Article]:  # type: ignore[no-untyped-def]
    return {a.source_line: a for a in articles}


def _line(article_id: int) -> int:
    return Article.objects.get(pk=article_id).source_line


def _paragraphs(article: Article) -> list[tuple[str, str, bool]]:
    return list(Paragraph.objects.filter(article=article).order_by("position").values_list("text", "text_hash", "boilerplate"))


@pytest.mark.django_db
def test_loaded_corpus_is_searchable_with_facets_matching_the_database(backend) -> None:  # type: ignore[no-untyped-def]
    figures = load(300, seed=11)
    assert figures.articles == 300 and figures.copies > 0
    call_command("rebuild_index", stdout=io.StringIO())
    results = backend.search(SearchQuery(facets=True, facet_size=100_000, limit=0))
    assert results.total == 300 and results.facets is not None
    outlets = Article.objects.values_list("outlet__name").annotate(n=Count("id"))
    assert dict(results.facets.outlets) == dict(outlets)
    actors = ArticleActor.objects.values_list("actor_id").annotate(n=Count("article_id"))
    assert dict(results.facets.actors) == dict(actors)
    days = Article.objects.exclude(published=None).values_list("published").annotate(n=Count("id"))
    assert results.facets.days == dict(days)
    assert results.facets.undated == Article.objects.filter(published=None).count()
    copies = ArticleCopy.objects.values("article_id").distinct().count()
    assert backend.search(SearchQuery(collapse=True, limit=0)).total == 300 - copies

    article = Article.objects.order_by("id")[5]
    word = max(re.findall(r"[a-z]{6,}", article.title.lower()), key=len)
    assert article.pk in [hit.article_id for hit in backend.search(SearchQuery(text=word, limit=300)).hits]
    page = run_search(SearchParams.from_query(QueryDict(f"q={word}")))
    assert page.total and "<mark>" in page.rows[0].snippet_html + page.rows[0].title_html
