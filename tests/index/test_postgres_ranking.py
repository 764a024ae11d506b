"""The postgres engine's two-step ranking (title first, then the whole text of the best RERANK
matches) and the vectors it reads."""

from __future__ import annotations

import pytest
from django.db import connection

from search.index.base import SearchQuery
from search.index.postgres import ranking as pg_ranking
from search.index.postgres.analysis import LEAD_WORDS, prepare, stem_analyzer

pytestmark = [pytest.mark.django_db, pytest.mark.parametrize("engine_name", ["postgres"], indirect=True)]


def _full_ranking(tsquery: str) -> list[int]:
    """Every match ordered by ts_rank_cd over its whole text, as ranking was before two steps."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT article_id FROM search_pgdocument WHERE text_vector @@ %s::tsquery ORDER BY "
            f"ts_rank_cd('{pg_ranking.RANK_WEIGHTS}', text_vector, %s::tsquery, {pg_ranking.RANK_NORMALIZATION}) DESC, article_id",
            [tsquery, tsquery],
        )
        return [row[0] for row in cursor.fetchall()]


def _ids(backend, text: str) -> list[int]:  # type: ignore[no-untyped-def]
    return [hit.article_id for hit in backend.search(SearchQuery(text=text, limit=50)).hits]


def test_ranking_is_exact_when_the_matches_fit_in_the_second_step(seeds, backend, monkeypatch):
    for word in ("kadyrov", "chechnya", "putin"):
        assert _ids(backend, word) == _full_ranking(f"'{stem_analyzer()(word).__next__().text}'")
    # With a second step smaller than the matches, the best of the title ranking come first,
    # in the order of their whole text, then the rest by their title: the same articles.
    monkeypatch.setattr(pg_ranking, "RERANK", 2)
    two = _ids(backend, "kadyrov")
    assert sorted(two) == sorted(_full_ranking("'kadyrov'")) and len(two) == 4
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT article_id, ts_rank_cd('{pg_ranking.RANK_WEIGHTS}', text_vector, 'kadyrov', 1) FROM search_pgdocument WHERE article_id = ANY(%s)",
            [two[:2]],
        )
        full = dict(cursor.fetchall())
    assert full[two[0]] >= full[two[1]]


def _body_words(article) -> list[str]:  # type: ignore[no-untyped-def]
    return prepare(article.body).split(" ")


def test_the_title_vector_holds_the_title_only_and_phrases_cross_the_leads_end(seeds, backend):
    article = max(seeds.values(), key=lambda a: len(_body_words(a)))
    words = _body_words(article)
    assert len(words) > LEAD_WORDS + 50
    stem = stem_analyzer()
    title = {next(iter(stem(w))).text for w in prepare(article.title).split(" ")}
    body = [next(iter(stem(w))).text for w in words]
    in_title = next(s for s in sorted(title) if s.isalpha())
    body_only = next(s for s in body if s not in title and s.isalpha())
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT title_vector @@ %s::tsquery, title_vector @@ %s::tsquery, text_vector @@ %s::tsquery FROM search_pgdocument WHERE article_id = %s",
            [f"'{in_title}'", f"'{body_only}'", f"'{body_only}'", article.pk],
        )
        assert cursor.fetchone() == (True, False, True)
    # The last word of the lead and the first after it are still a phrase, in any field.
    phrase = f'"{words[LEAD_WORDS - 1]} {words[LEAD_WORDS]}"'
    assert article.pk in _ids(backend, phrase)
    assert article.pk in _ids(backend, "body:" + phrase)
    assert article.pk in _ids(backend, f"body:{words[2]}") and article.pk in _ids(backend, f"body:{words[LEAD_WORDS + 20]}")


def test_an_or_of_words_is_one_tsquery_without_field_labels(seeds, backend):
    """Labels (title A, body BC) make the GIN index recheck every match's whole vector."""
    translation, _, _ = backend.translate("kremlin OR kadyrov OR chech*")
    assert translation.cond.kind == "ts" and ":" not in translation.cond.tsquery
    assert set(_ids(backend, "kremlin OR kadyrov")) == set(_ids(backend, "kremlin")) | set(_ids(backend, "kadyrov"))


def test_equal_first_step_scores_rerank_the_newest_articles(seeds, backend, monkeypatch):
    """A `body:` query scores nothing by title: with a second step of one article, the one
    reranked (and so first) is the newest match, not the first imported."""
    from search.store.models import Article

    matches = _ids(backend, "body:kadyrov")
    assert len(matches) > 1
    dated = Article.objects.filter(id__in=matches, published__isnull=False).order_by("-published", "id")
    newest = dated.first()
    assert newest is not None and newest.pk != min(matches)
    monkeypatch.setattr(pg_ranking, "RERANK", 1)
    assert _ids(backend, "body:kadyrov")[0] == newest.pk
