"""What only the Whoosh engine does: one writer holding a lock, and scores equal to Whoosh's own."""

from __future__ import annotations

import pytest

from search.index.base import IndexLocked, SearchQuery
from search.index.whoosh.schema import news_analyzer

pytestmark = [pytest.mark.django_db, pytest.mark.parametrize("engine_name", ["whoosh"], indirect=True)]


def test_analyzer_reads_u_s_as_us_and_keeps_us(engine_name):
    assert [t.text for t in news_analyzer()("the U.S. and the US")] == ["us", "us"]


def test_writer_lock_gives_clear_message(seeds, backend):
    writer = backend.open_writer()
    try:
        with pytest.raises(IndexLocked, match="unlock_index"):
            backend.open_writer(timeout=0)
    finally:
        writer.cancel()


@pytest.mark.parametrize("text", ['"European Parliament"', "chech*", "Kadrov~", '"human rights" OR kadyrov', "gay", "putin kadyrov"])
def test_ranking_and_totals_agree_with_whooshs_own_search(seeds, backend, text, monkeypatch):
    """The NumPy scoring (search.index.whoosh.scoring) gives Whoosh's own order, scores and
    total on the seeds, at any page offset. (Whoosh scores a wildcard's matches 1.0 on segments
    under 5,000 documents and by BM25F on larger ones; it is told to do the latter here, as
    tests/index/test_whoosh_scoring.py explains.)"""
    from whoosh import query as wq

    monkeypatch.setattr(wq.Or, "matcher_type", wq.Or.DEFAULT_MATCHER)
    parsed, _ = backend.parse(text)
    with backend.searcher() as searcher:
        expected = [(int(hit["id"]), round(hit.score, 6)) for hit in searcher.search(parsed, limit=None)]
    for offset, limit in ((0, 50), (1, 2)):
        results = backend.search(SearchQuery(text=text, offset=offset, limit=limit))
        assert results.total == len(expected) > 0
        assert [(hit.article_id, round(hit.score, 6)) for hit in results.hits] == expected[offset : offset + limit]
