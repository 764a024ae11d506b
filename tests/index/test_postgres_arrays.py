"""The postgres engine's facet arrays (search.index.postgres.arrays): the same answers as
counting in SQL, and kept in step with the database block by block."""

from __future__ import annotations

import itertools

import pytest
from django.db import connection

from search.index.base import SearchQuery
from search.index.postgres import arrays as pg_arrays
from search.store.curation import set_hidden
from search.store.models import Actor, Article
from tests.conftest import CORPUS, corpus_path, import_into_db

pytestmark = [pytest.mark.parametrize("engine_name", ["postgres"], indirect=True)]

QUERIES = ["", "trump", "obama OR clinton", '"white house"', "tax*", "elect~", "outlet:cnn", "title:police", "NOT trump",
           "president AND congress", "zzzznothing"]


def _both(backend, query: SearchQuery, monkeypatch):  # type: ignore[no-untyped-def]
    """The query's results over the arrays, and counted in SQL (the path of `within` and of a
    snapshot older than the process's arrays)."""
    with_arrays = backend.search(query)
    with monkeypatch.context() as patch:
        patch.setattr(pg_arrays.CACHE, "arrays", lambda cursor, database: None)
        in_sql = backend.search(query)
    return with_arrays, in_sql


def _same(a, b) -> None:  # type: ignore[no-untyped-def]
    assert (a.total, a.uncollapsed_total, a.messages) == (b.total, b.uncollapsed_total, b.messages)
    assert [h.article_id for h in a.hits] == [h.article_id for h in b.hits]
    assert [round(h.score, 6) if h.score is not None else None for h in a.hits] == [
        round(h.score, 6) if h.score is not None else None for h in b.hits
    ]
    if a.facets is None or b.facets is None:
        assert a.facets is b.facets
        return
    for name in ("outlets", "actors", "days", "undated", "outlet_values", "actor_values", "outlet_days", "first"):
        assert getattr(a.facets, name) == getattr(b.facets, name), name


@pytest.mark.django_db
def test_arrays_and_sql_give_the_same_results_on_real_news(backend, monkeypatch):
    """Every option the search page uses, over the clusters corpus (many outlets, copies, dated
    and undated articles, names found by NER)."""
    report = import_into_db(corpus_path("clusters").resolve())
    assert report.imported > 400
    set_hidden(list(Article.objects.order_by("pk").values_list("pk", flat=True)[:7]), True)
    outlets = [o for o, _ in backend.search(SearchQuery(facets=True, limit=0)).facets.outlets[:3]]
    actors = list(Actor.objects.order_by("pk").values_list("pk", flat=True)[:3])
    assert len(outlets) == 3 and len(actors) == 3
    options = [
        {},
        {"sort": "newest", "offset": 20},
        {"sort": "oldest", "collapse": True},
        {"collapse": True, "coverage": True, "facet_size": 5},
        {"outlets": (outlets[0],), "actors": (actors[0],)},
        {"exclude_outlets": (outlets[1],), "exclude_actors": (actors[1],), "undated": True},
        {"date_from": __import__("datetime").date(2015, 1, 1), "outlets": tuple(outlets[:2]), "coverage": True},
    ]
    compared = 0
    for text, extra in itertools.product(QUERIES, options):
        a, b = _both(backend, SearchQuery(text=text, facets=True, **extra), monkeypatch)
        _same(a, b)
        compared += a.total > 0
    assert compared > 40


@pytest.mark.django_db(transaction=True)
def test_a_process_keeps_its_arrays_and_reloads_only_changed_blocks(backend, monkeypatch):
    """Outside a writing transaction the arrays are kept between searches, reloaded when the
    generation moves (only the blocks written), and never taken from a newer snapshot."""
    pg_arrays.CACHE.clear()
    import_into_db(corpus_path("clusters").resolve(), actors=False)
    loads: list[object] = []
    real = pg_arrays.load_blocks
    monkeypatch.setattr(pg_arrays, "load_blocks", lambda cursor, blocks=None: loads.append(blocks) or real(cursor, blocks))
    everything = backend.search(SearchQuery(facets=True, facet_size=1000))
    assert loads == [None]  # first search: every block
    backend.search(SearchQuery(text="police", facets=True))
    assert loads == [None]  # same generation: kept
    target = Article.objects.order_by("-pk").first()
    set_hidden([target.pk], True)  # the writer's transaction moves the generation
    after = backend.search(SearchQuery(facets=True, facet_size=1000))
    assert loads[1:] == [[target.pk >> pg_arrays.BLOCK_BITS]]
    assert after.total == everything.total - 1
    assert sum(c for _, c in after.facets.outlets) == sum(c for _, c in everything.facets.outlets) - bool(target.outlet_name)
    set_hidden([target.pk], False)
    assert backend.search(SearchQuery(facets=True)).total == everything.total
    # A rebuild empties the table (TRUNCATE): every process loads everything again.
    from django.core.management import call_command

    call_command("rebuild_index", verbosity=0)
    loads.clear()
    assert backend.search(SearchQuery(facets=True)).total == everything.total
    assert loads == [None]
    # A snapshot older than the arrays (another request saw a newer generation) is counted in SQL.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE search_pggeneration SET generation = generation - 1")
    loads.clear()
    assert backend.search(SearchQuery(facets=True)).total == everything.total
    assert loads == []


@pytest.mark.django_db(transaction=True)
def test_a_new_worker_loads_its_arrays_in_the_background_once(backend, monkeypatch):
    """gunicorn.conf.py warms each new worker: the arrays are loaded in a thread (with its own
    connection), and the first search keeps them. Each actor entry is held once: the blocks are
    views of the assembled arrays."""
    import numpy as np

    from search.index import warm_in_background

    import_into_db(CORPUS)  # the five seeds, with their actors
    pg_arrays.CACHE.clear()
    warm_in_background().join(timeout=60)
    assert len(pg_arrays.CACHE._kept) == 1
    kept = next(iter(pg_arrays.CACHE._kept.values()))
    assert kept.facets.actor_ids.size and kept.facets.actor_ids.dtype == np.int32
    assert all(np.shares_memory(block.actor_ids, kept.facets.actor_ids) for block in kept.blocks.values() if block.actor_ids.size)
    loads: list[object] = []
    real = pg_arrays.load_blocks
    monkeypatch.setattr(pg_arrays, "load_blocks", lambda cursor, blocks=None: loads.append(blocks) or real(cursor, blocks))
    assert backend.search(SearchQuery(facets=True)).total == Article.objects.filter(hidden=False).count()
    assert loads == []
