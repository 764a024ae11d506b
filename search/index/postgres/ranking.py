"""Relevance on the postgres engine: ts_rank_cd over the text and names vectors, in two steps."""

from __future__ import annotations

from search.index.postgres.translate import Translation

# ts_rank_cd weights for {D, C, B, A}: title (A) counts twice as much as body (the lead, C, and
# the rest, B), as on Whoosh.
RANK_WEIGHTS = "{0.1, 0.5, 0.5, 1.0}"
# Two-step ranking: the matches are ordered by their lead vector (title and first LEAD_WORDS
# words, kept in the table's row; models.PgDocument.lead_vector), then the best RERANK by their
# whole text. Reading a whole vector costs about 15 us (it is stored apart, compressed), so a
# broad query (35,000 matches at 37.5k articles) spent 0.5 s on ranking alone; with at most
# RERANK matches ranking is exact.
RERANK = 1000
RANK_NORMALIZATION = 1  # divide by 1 + log(document length): long articles do not win by size


def rank(translation: Translation, lead: bool = False) -> tuple[str, list[object]]:
    """The relevance of row `d`: over its whole text, or its title and lead only (`lead`)."""
    terms: list[str] = []
    params: list[object] = []
    for column, queries in sorted(translation.rank.items()):
        vector = "lead_vector" if lead and column == "text_vector" else column
        terms.append(f"ts_rank_cd('{RANK_WEIGHTS}', d.{vector}, %s::tsquery, {RANK_NORMALIZATION})")
        params.append(" | ".join(f"({q})" for q in queries))
    return (" + ".join(terms) if terms else "0"), params
