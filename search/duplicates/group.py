"""From pairwise passages to groups: one group per piece of text shared by two or more articles.

Passages are found between pairs of paragraphs (A~B, B~C, ...). Each end of a passage is an
occurrence: a word interval of a paragraph (of an exact-duplicate class representative). Two
occurrences in the same paragraph are the same text when they overlap by at least `min_words`
words and by at least `min_overlap` of the longer one; occurrences linked by a passage or by such
an overlap fall into one group (union-find). The "share of the longer" rule matters: a long
paragraph copied whole by two outlets contains many quotes that other articles share too, and
a mere overlap would chain them all into one meaningless group; here the copy of the paragraph
is one group and each quote inside it another.

Exact-duplicate paragraphs were matched only through their class representative; every copy
gets the representative's occurrences back when the groups are assembled.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher

import numpy as np

from search.duplicates.align import Passages, _bits, _pack
from search.duplicates.arrays import components, count_distinct, run_starts
from search.duplicates.index import ShingleIndex
from search.duplicates.model import PassageGroup, Settings, Span


def exact_representatives(index: ShingleIndex, settings: Settings, rows: np.ndarray | None = None) -> np.ndarray:
    """Representatives of whole paragraphs copied in 2..max_articles articles, long enough."""
    classes = index.classes
    reps = np.flatnonzero(classes.rep == np.arange(len(index))) if rows is None else np.unique(classes.rep[rows])
    reps = reps[(classes.articles[reps] >= 2) & (classes.articles[reps] <= settings.max_articles)]
    counts = index.word_counts[reps]
    reps, counts = reps[counts >= settings.min_words], counts[counts >= settings.min_words]
    start, end = index.span_chars(reps, np.zeros_like(counts), counts)
    long_enough: np.ndarray = reps[end - start >= settings.min_chars]
    return long_enough


@dataclass(frozen=True)
class Occurrences:
    """Distinct word intervals on representative rows, with the group each belongs to."""

    row: np.ndarray
    first: np.ndarray
    end: np.ndarray
    group: np.ndarray  # component label

    def __len__(self) -> int:
        return len(self.row)


def link(passages: Passages, exact_reps: np.ndarray, word_counts: np.ndarray, settings: Settings) -> Occurrences:
    """Occurrences of the passages (and whole exact-duplicate paragraphs), grouped."""
    n = len(passages)
    rows = np.concatenate((passages.x, passages.y, exact_reps))
    first = np.concatenate((passages.a0, passages.b0, np.zeros(len(exact_reps), dtype=np.int64)))
    end = np.concatenate((passages.a1, passages.b1, word_counts[exact_reps]))
    if not len(rows):
        z = np.zeros(0, dtype=np.int64)
        return Occurrences(z, z, z, z)
    # Distinct intervals: identical ones (one quote matched by several articles) are one node.
    change = np.ones(len(rows), dtype=bool)
    packed = _pack((rows, _bits(int(rows.max()))), (first, _bits(int(first.max()))), (end, _bits(int(end.max()))))
    if packed is not None:  # one stable argsort of packed keys: the order lexsort would give, faster
        order = np.argsort(packed, kind="stable")
        packed = packed[order]
        change[1:] = packed[1:] != packed[:-1]
    else:  # pragma: no cover - gigantic corpora only
        key = np.stack((rows, first, end))
        order = np.lexsort(key[::-1])
        change[1:] = (np.diff(key[:, order], axis=1) != 0).any(axis=0)
    node = np.empty(len(rows), dtype=np.int64)
    node[order] = np.cumsum(change) - 1
    unique = order[change]
    r, f, e = rows[unique], first[unique], end[unique]  # sorted by (row, first, end)
    left, right = _overlap_edges(r, f, e, settings)
    group = components(len(r), np.concatenate((node[:n], left)), np.concatenate((node[n : 2 * n], right)))
    return Occurrences(row=r, first=f, end=e, group=group)


def _overlap_edges(
    row: np.ndarray, first: np.ndarray, end: np.ndarray, settings: Settings
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of intervals (sorted by row, first) that are the same text, see the module doc.

    Compares each interval with the following ones while they start before it ends, so the
    work is the number of overlapping pairs, not the square of the intervals per paragraph.
    """
    left, right = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
    length = end - first
    active = np.arange(len(row) - 1)
    distance = 1
    while len(active):
        other = active + distance
        inside = other < len(row)
        active, other = active[inside], other[inside]
        overlapping = (row[other] == row[active]) & (first[other] < end[active])
        active, other = active[overlapping], other[overlapping]
        shared = np.minimum(end[active], end[other]) - first[other]
        same = (shared >= settings.min_words) & (
            shared >= settings.min_overlap * np.maximum(length[active], length[other])
        )
        left.append(active[same])
        right.append(other[same])
        distance += 1
    return np.concatenate(left), np.concatenate(right)


def assemble(
    index: ShingleIndex, occurrences: Occurrences, only_articles: set[int] | None = None, similarity: bool = True
) -> list[PassageGroup]:
    """PassageGroups of the linked occurrences, with their members' similarity to the first
    (NaN without `similarity`).

    Occurrences are copied onto every paragraph of their exact-duplicate class, and those of one
    group overlapping in one paragraph are united into one member span.
    """
    if not len(occurrences):
        return []
    member_row, owner = index.classes.members(occurrences.row)
    group, first, end = occurrences.group[owner], occurrences.first[owner], occurrences.end[owner]
    group, member_row, first, end = _unite(group, member_row, first, end)
    start, stop = index.span_chars(member_row, first, end)
    article = index.para_article[member_row]

    keep = _shared_groups(group, index.article_code[member_row], article, only_articles)
    order = np.lexsort((start, index.para_id[member_row], article, group))
    order = order[keep[order]]
    groups = [
        _group(index, member_row[part], first[part], end[part], start[part], stop[part], similarity)
        for part in np.split(order, run_starts(group[order])[1:])
        if len(part)
    ]
    groups.sort(key=lambda g: g.members[0][0])
    return groups


def _unite(
    group: np.ndarray, row: np.ndarray, first: np.ndarray, end: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One member per stretch of overlapping intervals of one group in one paragraph."""
    order = np.lexsort((first, row, group))
    g, r, f, e = group[order], row[order], first[order], end[order]
    new = np.ones(len(g), dtype=bool)
    if len(g) > 1:
        same = (g[1:] == g[:-1]) & (r[1:] == r[:-1])
        # Running maximum of `end` within each (group, row) run: offsetting every run above
        # the previous one lets a single global maximum.accumulate do it.
        run = np.cumsum(np.concatenate(([True], ~same)))
        reach = np.maximum.accumulate(run * (int(e.max()) + 1) + e) - run * (int(e.max()) + 1)
        new[1:] = ~same | (f[1:] >= reach[:-1])
    starts = np.flatnonzero(new)
    return g[starts], r[starts], f[starts], np.maximum.reduceat(e, starts)


def _shared_groups(
    group: np.ndarray, article_code: np.ndarray, article: np.ndarray, only_articles: set[int] | None
) -> np.ndarray:
    """Members of groups spanning 2+ articles (and touching `only_articles`, when given)."""
    n_articles = count_distinct(group, article_code, int(group.max()) + 1)
    keep: np.ndarray = n_articles[group] >= 2
    if only_articles is not None:
        touched = np.zeros(len(n_articles), dtype=bool)
        touched[group[np.isin(article, np.fromiter(only_articles, dtype=np.int64))]] = True
        keep &= touched[group]
    return keep


def _group(
    index: ShingleIndex, rows: np.ndarray, first: np.ndarray, end: np.ndarray, start: np.ndarray, stop: np.ndarray,
    similarity: bool = True,
) -> PassageGroup:
    """One group; members are already in order, the first one is the representative."""
    if not similarity:
        spans = zip(index.para_article[rows].tolist(), index.para_id[rows].tolist(), start.tolist(), stop.tolist(), strict=True)
        return PassageGroup(members=[(Span(*span), float("nan")) for span in spans], exact=False)
    base = index.para_offset[rows] + first
    words = [index.word_hash[b:e] for b, e in zip(base.tolist(), (base + end - first).tolist(), strict=True)]
    similar = _Similarity(words[0])
    members = [
        (Span(int(index.para_article[row]), int(index.para_id[row]), int(a), int(b)), similar(w))
        for row, a, b, w in zip(rows.tolist(), start.tolist(), stop.tolist(), words, strict=True)
    ]
    return PassageGroup(members=members, exact=similar.all_identical)


class _Similarity:
    """difflib ratio of normalised word lists against one representative, with fast paths.

    Identical lists score 1.0 and a list contained in the other scores 2*short/(a+b), which is
    what SequenceMatcher would say; only real rewordings pay for the full comparison, and the
    representative's index (SequenceMatcher's second sequence) is built once per group.
    """

    def __init__(self, ref: np.ndarray) -> None:
        self.ref = ref
        self.ref_bytes = ref.tobytes()
        self.matcher: SequenceMatcher[int] | None = None
        self.all_identical = True

    def __call__(self, words: np.ndarray) -> float:
        if len(words) == len(self.ref) and words.tobytes() == self.ref_bytes:
            return 1.0
        self.all_identical = False
        short, long_ = (words, self.ref) if len(words) < len(self.ref) else (self.ref, words)
        if _contains(long_.tobytes(), short.tobytes(), short.itemsize):
            return round(2 * len(short) / (len(words) + len(self.ref)), 4)
        if self.matcher is None:
            self.matcher = SequenceMatcher(None, [], self.ref.tolist(), autojunk=False)
        self.matcher.set_seq1(words.tolist())
        return round(self.matcher.ratio(), 4)


def _contains(haystack: bytes, needle: bytes, itemsize: int) -> bool:
    """`needle` occurs in `haystack` at a whole-item boundary."""
    at = haystack.find(needle)
    while at != -1:
        if at % itemsize == 0:
            return True
        at = haystack.find(needle, at + 1)
    return False
