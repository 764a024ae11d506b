"""The engine contract on both engines (the shared suite): query language, analysis, filters,
sort, totals, malformed queries, highlighting, and seeing committed changes."""

from __future__ import annotations

import datetime as dt

import pytest

from search.index.base import SearchQuery
from tests.conftest import BOTH_ENGINES

pytestmark = [pytest.mark.django_db, BOTH_ENGINES]


def ids(backend, text: str, **kwargs) -> set[int]:
    results = backend.search(SearchQuery(text=text, limit=50, **kwargs))
    assert results.total == len(results.hits)
    return {hit.article_id for hit in results.hits}


def numbers(seeds, found: set[int]) -> set[str]:
    return {n for n, a in seeds.items() if a.pk in found}


def test_accent_folding_both_ways(seeds, backend):
    assert numbers(seeds, ids(backend, "Linkevicius")) == {"001", "002"}
    assert numbers(seeds, ids(backend, "Linkevičius")) == {"001", "002"}


def test_us_is_not_a_stop_word_and_equals_u_s(seeds, backend):
    found = numbers(seeds, ids(backend, "US"))
    assert {"000", "001", "003", "004"} <= found  # 000 writes only "U.S." / "USA" ... and United States
    assert numbers(seeds, ids(backend, "U.S.")) == found


def test_or_and_not(seeds, backend):
    assert numbers(seeds, ids(backend, "Lavrov OR Moskalkova")) == {"000", "001"}
    assert numbers(seeds, ids(backend, "Lavrov AND Moskalkova")) == set()
    assert numbers(seeds, ids(backend, "Zakharova NOT Lavrov")) == {"001"}


def test_phrase(seeds, backend):
    assert numbers(seeds, ids(backend, '"State Department spokesperson"')) == {"000", "001"}
    assert numbers(seeds, ids(backend, "“State Department spokesperson”")) == {"000", "001"}  # curly quotes


def test_fuzzy_finds_misspelling(seeds, backend):
    assert numbers(seeds, ids(backend, "Kadyrov")) == {"000", "001", "002", "003"}
    assert numbers(seeds, ids(backend, "Kadyrov~")) == {"000", "001", "002", "003", "004"}  # 004 writes Kadrov


def test_fields_and_wildcards(seeds, backend):
    assert numbers(seeds, ids(backend, "outlet:independent")) == {"002"}
    assert numbers(seeds, ids(backend, 'outlet:"The Independent"')) == {"002"}
    assert numbers(seeds, ids(backend, "author:wilford")) == {"002"}
    assert numbers(seeds, ids(backend, "title:visas")) == {"001", "004"}
    assert numbers(seeds, ids(backend, "Linkevi*")) == {"001", "002"}


def test_date_range_in_query_and_filter(seeds, backend):
    assert numbers(seeds, ids(backend, "date:[2017-05-19 to 2017-05-21]")) == {"002"}
    assert numbers(seeds, ids(backend, "", date_from=dt.date(2017, 5, 1), date_to=dt.date(2017, 5, 18))) == {"004"}


def test_outlet_filter_is_exact(seeds, backend):
    assert numbers(seeds, ids(backend, "", outlets=("The Independent",))) == {"002"}
    assert ids(backend, "", outlets=("independent",)) == set()


def test_theresa_may_keeps_may(seeds, backend):
    assert numbers(seeds, ids(backend, '"Theresa May"')) == {"002"}


def test_empty_query_lists_newest_first_undated_last(seeds, backend):
    results = backend.search(SearchQuery(text="", sort="date"))
    order = [h.article_id for h in results.hits]
    assert results.total == 5
    assert order[:2] == [seeds["002"].pk, seeds["004"].pk]
    oldest = [h.article_id for h in backend.search(SearchQuery(sort="oldest")).hits]
    assert oldest[:2] == [seeds["004"].pk, seeds["002"].pk]


def test_pagination_and_total(seeds, backend):
    first = backend.search(SearchQuery(text="chechnya", limit=2))
    second = backend.search(SearchQuery(text="chechnya", offset=2, limit=2))
    assert first.total == second.total == 5
    assert len(first.hits) == 2 and not {h.article_id for h in first.hits} & {h.article_id for h in second.hits}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ('"unclosed', "quote was not closed"),
        ("title:", "needs something after it"),
        ("AND", "only operators"),
        ("*", "only wildcards"),
        ("(chechnya", "Brackets"),
        ("chechnya)", "Brackets"),
        ("!!!", "no letters or digits"),
        ("x" * 3000, "longer than"),
    ],
)
def test_malformed_queries_explained(seeds, backend, query, message):
    results = backend.search(SearchQuery(text=query))
    assert any(message in m for m in results.messages), results.messages


def test_match_spans_marks_phrase_not_single_words(seeds, backend):
    text = "The State Department said the United States would act."
    spans = backend.match_spans('"State Department"', text)
    assert [text[s:e] for s, e in spans] == ["State Department"]


def test_searcher_sees_deletions_committed_by_another_writer(seeds, backend):
    target = seeds["002"].pk
    assert target in {h.article_id for h in backend.search(SearchQuery(text="author:wilford")).hits}
    writer = backend.open_writer()
    writer.delete([target])
    writer.commit()
    # the same thread, the same (cached) searcher: it must notice the commit
    results = backend.search(SearchQuery(text="author:wilford", facets=True))
    assert results.total == 0 and results.facets.outlets == []


def test_searcher_sees_replaced_documents_once(seeds, backend):
    from search.index.documents import documents_for
    from search.store.models import Article

    backend.search(SearchQuery(text="chechnya"))
    for _ in range(2):
        writer = backend.open_writer()
        writer.update(documents_for(Article.objects.values_list("id", flat=True)))
        writer.commit()
    ids = [h.article_id for h in backend.search(SearchQuery(text="chechnya", limit=50)).hits]
    assert sorted(ids) == sorted(a.pk for a in seeds.values())


def test_within_limits_matches_to_the_given_articles(seeds, backend):
    """Saved searches run over an import's new articles only (SearchQuery.within)."""
    everywhere = numbers(seeds, ids(backend, "Kadyrov"))
    assert everywhere == {"000", "001", "002", "003"}
    some = (seeds["001"].pk, seeds["003"].pk, seeds["004"].pk)
    assert numbers(seeds, ids(backend, "Kadyrov", within=some)) == {"001", "003"}
    assert ids(backend, "Kadyrov", within=()) == set()
    results = backend.search(SearchQuery(text="Kadyrov", within=some, limit=1))
    assert results.total == 2 and len(results.hits) == 1


WITHIN_QUERIES = [  # (text, filters): every kind of query and filter
    ("Kadyrov", {}),
    ("chechnya visas", {}),
    ("Lavrov OR Moskalkova", {}),
    ("Zakharova NOT Lavrov", {}),
    ("NOT Lavrov", {}),
    ('"State Department spokesperson"', {}),
    ("Linkevi*", {}),
    ("Kadyrov~", {}),
    ("title:visas", {}),
    ("date:[2017-05-19 to 2017-05-21] OR visas", {}),
    ("", {}),
    ("chechnya", {"sort": "date"}),
    ("chechnya", {"sort": "oldest"}),
    ("chechnya", {"date_from": dt.date(2017, 5, 1), "date_to": dt.date(2017, 5, 20)}),
    ("chechnya", {"undated": True, "date_from": dt.date(2017, 5, 19)}),
    ("", {"outlets": ("The Independent", "RFE/RL")}),
    ("chechnya", {"exclude_outlets": ("The Independent",)}),
    ("chechnya", {"actors": "Human Rights Watch"}),
    ("chechnya", {"exclude_actors": "European Parliament"}),
]


@pytest.mark.parametrize(("text", "filters"), WITHIN_QUERIES)
def test_within_equals_the_full_search_filtered(seeds, backend, text, filters):
    """`within` gives exactly the full search's hits among those articles: same order, same scores."""
    from search.store.models import Actor

    filters = dict(filters)
    for key in ("actors", "exclude_actors"):  # an actor of the seeds, by name
        if key in filters:
            filters[key] = tuple(Actor.objects.filter(name=filters[key]).values_list("pk", flat=True))
            assert filters[key]
    full = backend.search(SearchQuery(text=text, limit=50, **filters))
    assert full.hits and full.total == len(full.hits)
    for some in ((seeds["001"].pk, seeds["003"].pk, seeds["004"].pk), (seeds["000"].pk,), tuple(a.pk for a in seeds.values())):
        expected = [(hit.article_id, hit.score) for hit in full.hits if hit.article_id in some]
        found = backend.search(SearchQuery(text=text, limit=50, within=some, **filters))
        assert [(hit.article_id, hit.score) for hit in found.hits] == expected
        assert found.total == len(expected)
