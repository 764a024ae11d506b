"""Prefix, wildcard and fuzzy expansion from the cached word lists against Whoosh's own: the
lists read from the index in process, and those the writer prepared at its commit (mapped)."""

from __future__ import annotations

import pytest
from whoosh import query as wq

from search.index.whoosh.vocabulary import Vocabulary

pytestmark = pytest.mark.corpora

QUERIES = [
    wq.Prefix("body", "immig"),
    wq.Prefix("title", "tru"),
    wq.Prefix("body", "zzzzq"),
    wq.Wildcard("body", "wh?te"),
    wq.Wildcard("body", "*ation"),
    wq.Wildcard("body", "pres*dent*"),
    wq.Wildcard("body", "[ab]ill"),
    wq.FuzzyTerm("body", "presidnt", maxdist=2, prefixlength=1),
    wq.FuzzyTerm("body", "kavanagh", maxdist=2, prefixlength=1),
    wq.FuzzyTerm("body", "trmup", maxdist=2, prefixlength=1),  # a swap of two letters is one edit
    wq.FuzzyTerm("body", "senat", maxdist=1, prefixlength=0),
    wq.FuzzyTerm("title", "biden", maxdist=1, prefixlength=3),
    wq.FuzzyTerm("outlet", "fox", maxdist=1, prefixlength=1),
    wq.TermRange("body", "abc", "abd"),
    wq.TermRange("title", "tr", "trump", startexcl=True, endexcl=True),
    wq.TermRange("title", "trump", "trumps"),
    wq.TermRange("body", None, "ab"),
    wq.TermRange("body", "zy", None),
]


@pytest.mark.parametrize("source", ["read", "prepared"])
@pytest.mark.parametrize("query", QUERIES, ids=repr)
def test_expansion_equals_whooshs(engine, query, source):
    with engine.searcher() as searcher:
        reader = searcher.reader()
        expected = sorted(b if isinstance(b, bytes) else b.encode() for b in query._btexts(reader))
        ready = engine.prepared_files(searcher) if source == "prepared" else None
        assert source == "read" or ready is not None
        read: list[str] = []
        found = Vocabulary(reader, ready.words if ready else None, on_read=read.append).expand(query)
    assert found is not None and sorted(found) == expected
    assert read == ([] if source == "prepared" else [query.fieldname])


def test_most_expansions_find_words(engine):
    with engine.searcher() as searcher:
        vocabulary = Vocabulary(searcher.reader())
        assert sum(bool(vocabulary.expand(q)) for q in QUERIES) >= len(QUERIES) - 1
        assert b"trump" in vocabulary.expand(wq.FuzzyTerm("body", "trmup", maxdist=2, prefixlength=1))


def test_other_queries_are_left_to_whoosh(engine):
    with engine.searcher() as searcher:
        vocabulary = Vocabulary(searcher.reader())
        assert vocabulary.expand(wq.Term("body", "trump")) is None
        assert vocabulary.expand(wq.Regex("body", "tr.mp")) is None
