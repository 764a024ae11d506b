"""NumPy matching and scoring against Whoosh's own matchers, on real articles.

The index (the `engine` fixture of tests/index/conftest.py) holds 900 AllSides articles in
several segments, with deleted and replaced documents. For each query, score_query() must find
exactly the documents Whoosh's searcher finds, with the same BM25F scores, whether prefix,
wildcard and fuzzy terms are expanded by Whoosh or by search.index.whoosh.vocabulary.
"""

from __future__ import annotations

import numpy as np
import pytest
from whoosh import query as wq

from search.index.base import SearchQuery
from search.index.whoosh.scoring import OutOfTime, score_query
from tests.index.conftest import ARTICLES

pytestmark = pytest.mark.corpora

QUERIES = [
    "trump",
    "president trump",
    "trump OR biden",
    "trump NOT biden",
    "NOT trump",
    "(senate OR house) AND vote",
    "title:trump",
    "title:trump^3 OR body:trump",
    "outlet:fox",
    "author:smith",
    '"white house"',
    '"supreme court" justice',
    '"the president said"',
    '"white house"~3',
    '"president said"~5',
    '"trump said"~100000',
    '"united states of america"',
    '"president trump" OR "white house"',
    '"news conference"^2 OR mueller',
    "immig*",
    "elect* AND NOT trump",
    "wh?te",
    "Kavanagh~",
    "presdent~1 AND senate",
    "trump ANDMAYBE russia",
    "congress^2",
    "nosuchwordinanyarticle",
    '"nosuchword house"',
]


@pytest.fixture(autouse=True)
def whoosh_union_as_on_large_segments(monkeypatch):
    """Whoosh ORs a wildcard's words with a preloading matcher that scores every match 1.0 on
    segments of up to 5,000 documents, and with BM25F sums on larger ones: its choice depends
    on segment size. The test index has small segments, so Whoosh is told to use the
    large-segment matcher, which is what real archives get (and what score_query does)."""
    from whoosh import query as wq

    monkeypatch.setattr(wq.Or, "matcher_type", wq.Or.DEFAULT_MATCHER)


def _whoosh(searcher, parsed) -> dict[int, float]:
    return {hit.docnum: hit.score for hit in searcher.search(parsed, limit=None)}


def test_index_has_several_segments_and_deletions(engine):
    with engine.searcher() as searcher:
        assert len(searcher.leaf_searchers()) >= 2
        assert searcher.doc_count() < searcher.doc_count_all()


@pytest.mark.parametrize("expansion", ["whoosh", "vocabulary"])
@pytest.mark.parametrize("text", QUERIES)
def test_matches_and_scores_equal_whooshs(engine, text, expansion):
    parsed, _ = engine.parse(text)
    with engine.searcher() as searcher:
        arrays = engine.facet_arrays(searcher)
        expected = _whoosh(searcher, parsed)
        expand = engine.vocabulary(searcher).expand if expansion == "vocabulary" else None
        scored = score_query(searcher, parsed, arrays.live, expand=expand)
    assert scored is not None, f"{parsed!r} should be evaluated with NumPy"
    found = np.flatnonzero(scored.mask).tolist()
    assert sorted(expected) == found
    assert scored.scores[found] == pytest.approx([expected[d] for d in found], rel=1e-9, abs=1e-12)


def test_the_queries_match_something(engine):
    """Most of the list must match (an empty match set on both sides proves little)."""
    matching = 0
    with engine.searcher() as searcher:
        for text in QUERIES:
            parsed, _ = engine.parse(text)
            matching += bool(_whoosh(searcher, parsed))
    assert matching >= len(QUERIES) - 3


def test_ranges_are_left_to_whoosh(engine):
    parsed, _ = engine.parse("date:[2017-01-01 to 2018-01-01] OR trump")
    with engine.searcher() as searcher:
        assert score_query(searcher, parsed, engine.facet_arrays(searcher).live) is None
    assert engine.search(SearchQuery(text="date:[2017-01-01 to 2018-01-01] OR trump")).total > 0


def test_ranked_page_equals_whooshs_order(engine):
    for text in ('"white house"', "immig*", "trump OR biden"):
        parsed, _ = engine.parse(text)
        with engine.searcher() as searcher:
            ids = engine.facet_arrays(searcher).article_ids
            expected = [int(ids[hit.docnum]) for hit in searcher.search(parsed, limit=20)]
        assert [hit.article_id for hit in engine.search(SearchQuery(text=text, limit=20)).hits] == expected


def test_deadline_stops_an_expanding_query(engine):
    parsed, _ = engine.parse("t*")
    with engine.searcher() as searcher, pytest.raises(OutOfTime):
        score_query(searcher, parsed, engine.facet_arrays(searcher).live, deadline=0.0)


def test_a_term_standing_for_too_many_words_is_refused_with_a_message(engine, monkeypatch):
    """As Lucene's clause limit: a term standing for thousands of words would take seconds to
    search, so the search says so instead (and a longer prefix works)."""
    from search.index.whoosh import backend as whoosh_backend, scoring as whoosh_scoring

    results = engine.search(SearchQuery(text="[a TO z]"))  # every word of title and body
    assert results.total == 0 and any("different words" in m and "more letters" in m for m in results.messages)
    with engine.searcher() as searcher:
        words = len(engine.vocabulary(searcher).expand(wq.Prefix("body", "t")))
    assert 100 < words <= whoosh_scoring.MAX_EXPANSION
    for module in (whoosh_scoring, whoosh_backend):  # a lower limit, to see it on this small index
        monkeypatch.setattr(module, "MAX_EXPANSION", 100)
    results = engine.search(SearchQuery(text="t*"))
    assert results.total == 0 and any(m.startswith("“t*” stands for") and "at most 100." in m for m in results.messages)
    assert engine.search(SearchQuery(text="trum*")).total > 0


def _within_masks(searcher, live: np.ndarray) -> dict[str, np.ndarray]:
    """Document sets as `within` gives them: the newest segment (an import's new articles), a
    few documents inside the longest segment (posting blocks before and after them are
    skipped), and one document of each segment."""
    segments = [(offset, sub.doc_count_all()) for sub, offset in searcher.leaf_searchers()]
    newest = np.zeros(live.size, dtype=bool)
    offset, count = segments[-1]
    newest[offset : offset + count] = True
    inside = np.zeros(live.size, dtype=bool)
    offset, count = max(segments, key=lambda segment: segment[1])
    inside[offset + count // 3 : offset + count // 2 : 7] = True
    one_each = np.zeros(live.size, dtype=bool)
    one_each[[offset + count // 2 for offset, count in segments]] = True
    return {"newest segment": newest & live, "inside a segment": inside & live, "one per segment": one_each & live}


@pytest.mark.parametrize("text", QUERIES)
def test_within_equals_the_full_scoring_restricted(engine, text):
    """Matching only among some documents skips segments and posting blocks, yet gives exactly
    the full matching's documents among them, with the same scores."""
    parsed, _ = engine.parse(text)
    with engine.searcher() as searcher:
        arrays = engine.facet_arrays(searcher)
        expand = engine.vocabulary(searcher).expand
        full = score_query(searcher, parsed, arrays.live, expand=expand)
        for name, within in _within_masks(searcher, arrays.live).items():
            scored = score_query(searcher, parsed, arrays.live, expand=expand, within=within)
            found = np.flatnonzero(scored.mask)
            assert found.tolist() == np.flatnonzero(full.mask & within).tolist(), name
            assert scored.scores[found].tolist() == full.scores[found].tolist(), name


def test_the_within_sets_hold_matches(engine):
    """The document sets above hold matches of most queries (no match proves little)."""
    with engine.searcher() as searcher:
        arrays = engine.facet_arrays(searcher)
        masks = _within_masks(searcher, arrays.live)
        assert all(mask.any() for mask in masks.values())
        for name, within in masks.items():
            matching = 0
            for text in QUERIES:
                parsed, _ = engine.parse(text)
                matching += bool((score_query(searcher, parsed, arrays.live).mask & within).any())
            assert matching >= len(QUERIES) // 2, name


@pytest.mark.parametrize("text", ["trump OR biden", '"white house"', "immig*", "Kavanagh~", "date:[2017-01-01 to 2018-01-01] OR trump", ""])
def test_search_within_equals_the_full_search_filtered(engine, text):
    with engine.searcher() as searcher:
        arrays = engine.facet_arrays(searcher)
        within = _within_masks(searcher, arrays.live)["inside a segment"]
        article_ids = tuple(arrays.article_ids[within].tolist())
    full = engine.search(SearchQuery(text=text, limit=ARTICLES))
    expected = [(hit.article_id, hit.score) for hit in full.hits if hit.article_id in set(article_ids)]
    found = engine.search(SearchQuery(text=text, limit=ARTICLES, within=article_ids))
    assert [(hit.article_id, hit.score) for hit in found.hits] == expected
    assert found.total == len(expected) > 0


def test_within_finds_replaced_articles_and_ignores_deleted_and_unknown_ids(engine):
    """Articles 11-20 were replaced (their first documents deleted), 5 was deleted, 99999 never was."""
    replaced = tuple(range(11, 21))
    text = "white house"  # the replaced documents' titles say "White House update"
    full = {hit.article_id for hit in engine.search(SearchQuery(text=text, limit=ARTICLES)).hits}
    found = engine.search(SearchQuery(text=text, limit=ARTICLES, within=(*replaced, 5, 99999)))
    assert [hit.article_id for hit in found.hits if hit.article_id not in replaced] == []
    assert {hit.article_id for hit in found.hits} == set(replaced) == full & set(replaced)
    assert found.total == len(replaced)
    assert engine.search(SearchQuery(text="", limit=ARTICLES, within=(5, 99999))).total == 0
