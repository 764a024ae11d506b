"""A search over the process's facet arrays (arrays.py): PostgreSQL finds and ranks, NumPy counts.

One statement returns the ids of the matching articles (with their title-step scores when the page
is by relevance); the selections, collapsing, totals, facets, who covered it first and pages by
date come from the arrays, as on Whoosh. A page by relevance is then ranked in two steps, as
the SQL-only path does (ranking.RERANK): the best RERANK results by their title, then
those by their whole text, in a second statement over at most RERANK rows. A query for
everything runs no statement at all.
"""

from __future__ import annotations

import numpy as np

from search.index.base import Hit, SearchQuery, SearchResults
from search.index.postgres.arrays import Arrays
from search.index.postgres import ranking
from search.index.postgres.ranking import rank
from search.index.postgres.translate import Translation


def search(cursor, query: SearchQuery, translation: Translation, everything: bool, arrays: Arrays,  # type: ignore[no-untyped-def]
           messages: list[str]) -> SearchResults:
    facets = arrays.facets
    by_relevance = query.sort == "relevance" and not everything and bool(query.limit)
    two_steps = by_relevance and "text_vector" in translation.rank
    if everything:
        base = facets.live.copy()
        scores = None
    else:
        cond_sql, cond_params = translation.cond.as_sql()
        rank_sql, rank_params = rank(translation, first_step=two_steps) if by_relevance else ("0", [])
        cursor.execute(
            f"SELECT array_agg(d.article_id), array_agg(({rank_sql})::float8) FROM search_pgdocument d WHERE {cond_sql}",
            [*rank_params, *cond_params],
        )
        ids, first = cursor.fetchone()
        base = np.zeros(facets.size, dtype=bool)
        scores = np.zeros(facets.size, dtype=np.float64)
        if ids:
            ids_array = np.array(ids, dtype=np.int64)
            at = np.searchsorted(facets.article_ids, ids_array).clip(0, max(facets.size - 1, 0))
            known = facets.article_ids[at] == ids_array if facets.size else np.zeros(ids_array.size, dtype=bool)
            base[at[known]] = True
            if by_relevance:
                scores[at[known]] = np.array(first, dtype=np.float64)[known]
    results, counts, total, uncollapsed = facets.select(base, query)
    hits: list[Hit] = []
    if total and query.limit:
        if by_relevance and scores is not None:
            hits = _ranked(cursor, facets, results, scores, query, translation, two_steps)
        else:
            hits = facets.by_date(results, query)
    return SearchResults(total=total, hits=hits, messages=messages, facets=counts, uncollapsed_total=uncollapsed)


def _ranked(cursor, facets, results, scores, query, translation, two_steps) -> list[Hit]:  # type: ignore[no-untyped-def]
    docs = np.flatnonzero(results)
    ids = facets.article_ids[docs]
    first = scores[docs]
    days = facets.days[docs]
    # Equal scores (a title without the query's words, a prefix-only query) go newest first, so a
    # broad query's second step reranks this year's articles rather than the oldest imported.
    order = np.lexsort((ids, -days, days == 0, -first))
    end = query.offset + query.limit
    if not two_steps:
        page = order[query.offset : end]
        return [Hit(int(i), float(s)) for i, s in zip(ids[page].tolist(), first[page].tolist(), strict=True)]
    best = order[: ranking.RERANK]
    full_sql, full_params = rank(translation)
    cursor.execute(
        f"SELECT d.article_id, ({full_sql})::float8 FROM search_pgdocument d WHERE d.article_id = ANY(%s)",
        [*full_params, ids[best].tolist()],
    )
    full = dict(cursor.fetchall())
    position = {int(i): n for n, i in enumerate(ids[best].tolist())}
    best_rows = sorted(
        ((full.get(int(i), float(s)), int(i)) for i, s in zip(ids[best].tolist(), first[best].tolist(), strict=True)),
        key=lambda row: (-row[0], position[row[1]]),
    )
    page_rows = [(i, f) for f, i in best_rows[query.offset : end]]
    if end > len(best_rows):
        rest = order[max(ranking.RERANK, query.offset) : end]
        page_rows += [(int(i), float(s)) for i, s in zip(ids[rest].tolist(), first[rest].tolist(), strict=True)]
    return [Hit(i, s) for i, s in page_rows]
