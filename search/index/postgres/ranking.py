"""Relevance on the postgres engine, in two steps: ts_rank by title, then ts_rank_cd by whole text."""

from __future__ import annotations

from search.index.postgres.translate import Translation

# Weights for {D, C, B, A} (both steps): title (A) counts twice as much as body (its first words,
# C, and the rest, B), as on Whoosh.
RANK_WEIGHTS = "{0.1, 0.5, 0.5, 1.0}"
# Two-step ranking, as search engines rerank: every match by its title (models.PgDocument.
# title_vector, about 140 bytes kept in the table's row), then the best RERANK by their whole
# text (stored apart and compressed: about 15 us to read one). Scoring every match's whole text
# cost 0.5 s for a broad query at 37.5k articles (35,000 matches); the title-and-lead vector used
# before kept 1.1 kB in every row instead of about 140 bytes, so the table had 1.7 times the pages
# and the first step took three times as long (at 200,000 articles 0.36 s for 173,000 matches,
# against 0.11 s by title). Equal first-step scores (no query word in the title) go newest
# first. On the benchmark's 99 queries with results at 37.5k, the first page is the one an exact
# ranking of every match gives for 72 (by title and lead, 1,000 reranked: 71 of 100), and shares
# 88% of its articles with it (benchmarks/ranking_agreement.py).
RERANK = 2000
RANK_NORMALIZATION = 1  # divide by 1 + log(document length): long articles do not win by size
# The first step uses the cheaper function: ts_rank weighs each query word's occurrences;
# ts_rank_cd (cover density, the second step's) walks the spans that cover the query, which
# costs about three times as much.
FIRST_STEP_FUNCTION = "ts_rank"


def rank(translation: Translation, first_step: bool = False) -> tuple[str, list[object]]:
    """The relevance of row `d`: over its whole text, or its title only (`first_step`)."""
    terms: list[str] = []
    params: list[object] = []
    for column, queries in sorted(translation.rank.items()):
        vector = "title_vector" if first_step and column == "text_vector" else column
        function = FIRST_STEP_FUNCTION if first_step else "ts_rank_cd"
        terms.append(f"{function}('{RANK_WEIGHTS}', d.{vector}, %s::tsquery, {RANK_NORMALIZATION})")
        params.append(" | ".join(f"({q})" for q in queries))
    return (" + ".join(terms) if terms else "0"), params
