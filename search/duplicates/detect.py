"""Duplicate and near-duplicate passage detection: the entry point.

    index = ShingleIndex.build(paras)          # or ShingleIndex.load(path)
    groups = find_groups(index)                # every shared passage in the corpus
    index.add(new_paras)
    groups = find_groups(index, {new ids})     # only groups involving the new articles

How it works (details in the modules named):
- tokens: normalised words (NFKC, casefold, punctuation dropped) hashed to 32-bit ids, with the
  character offsets of each word in the original text, vectorised over many paragraphs;
- index: word 5-gram shingles as sorted 64-bit keys, plus exact-duplicate classes of paragraphs;
- align: shared shingles (in 2..max_articles articles) chained along diagonals into passages,
  tolerating a few inserted or changed words, kept from min_words/min_chars;
- group: occurrences of the same text (overlapping substantially in one paragraph) and the
  passages between them linked into groups (union-find), similarity to the first member.

The incremental mode looks up the new articles' paragraphs, then every other paragraph that
ends up in one of their groups, until the groups stop growing; its groups are those a full pass
would report for the new articles (the tests check this), at the cost of a few index look-ups.
"""

from __future__ import annotations

import numpy as np

from search.duplicates.align import Passages, all_matches, passages, segment_passages
from search.duplicates.chains import frontier_segments
from search.duplicates.group import Occurrences, assemble, exact_representatives, link
from search.duplicates.index import ShingleIndex
from search.duplicates.model import Para, PassageGroup, Settings, Span

__all__ = ["Para", "PassageGroup", "Settings", "ShingleIndex", "Span", "find_groups"]


def find_groups(
    index: ShingleIndex, only_articles: set[int] | None = None, settings: Settings | None = None, similarity: bool = True
) -> list[PassageGroup]:
    """Passages shared by two or more articles, grouped; see the module docstring.

    only_articles=None: every group in the corpus (full pass); otherwise only groups involving
    at least one of these articles, compared against the whole index. similarity=False: callers
    that only need the spans skip comparing each member with the first (members carry NaN,
    `exact` is False).
    """
    settings = settings or Settings()
    if not len(index):
        return []
    if only_articles is None:
        found = passages(index, all_matches(index, settings), settings)
        exact = exact_representatives(index, settings)
        return assemble(index, link(found, exact, index.word_counts, settings), similarity=similarity)
    return assemble(index, _walk(index, only_articles, settings), only_articles, similarity)


def _walk(index: ShingleIndex, articles: set[int], settings: Settings) -> Occurrences:
    """The occurrences of every group touching `articles`, exactly as a full pass links them.

    Start by looking up the articles' own paragraphs; link what was found; every paragraph in a
    group touching the articles that has not been looked up yet may bring more occurrences into
    that group, so look it up too, and repeat until the groups stop growing. Only paragraphs of
    those groups are ever visited, not everything reachable through any shared phrase.
    """
    classes = index.classes
    touched_reps = np.zeros(len(index), dtype=bool)
    touched_reps[classes.rep[index.rows_of_articles(articles)]] = True
    frontier = np.flatnonzero(touched_reps)
    done = np.zeros(len(index), dtype=bool)
    found: list[Passages] = []
    linked = link(Passages.concat([]), frontier[:0], index.word_counts, settings)
    while len(frontier):
        found.append(segment_passages(index, frontier_segments(index, frontier, done, settings), settings))
        done[frontier] = True
        exact = exact_representatives(index, settings, np.flatnonzero(done))
        linked = link(Passages.concat(found), exact, index.word_counts, settings)
        relevant = np.zeros(int(linked.group.max(initial=-1)) + 1, dtype=bool)
        relevant[linked.group[touched_reps[linked.row]]] = True
        rows = np.unique(linked.row[relevant[linked.group]])
        frontier = rows[~done[rows]]
    return linked
