"""From shared shingles to passages: which paragraph pairs share text, and where.

1. Shingle matches. A shingle key present in 2..max_articles articles pairs up its occurrences
   (only between representatives of exact-duplicate classes: copies add nothing but work).
   A full pass scans runs of equal keys in the sorted index; an incremental pass looks the
   shingles of a few "frontier" paragraphs up with `searchsorted`.
2. Segments. Matches of one paragraph pair on one diagonal (same offset j - i) with consecutive
   positions chain into a segment: words [i, i_last + 5) in x align with the same words in y.
3. Passages. Segments of a pair whose ends are at most `max_gap` words apart on both sides are
   joined (a substituted word, a few inserted words such as "MEPs said:"), so one reworded
   sentence stays one passage. Passages shorter than `min_words` / `min_chars` are dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from search.duplicates.arrays import components, count_distinct, ranges, run_starts
from search.duplicates.index import SHINGLE, ShingleIndex, shingle_keys
from search.duplicates.model import Settings

_JOIN_WINDOW = 8  # a segment may join any of the 8 segments before it (skips stray matches)


@dataclass(frozen=True)
class Matches:
    """Shingle matches: shingle at word i of row x equals the one at word j of row y (x < y)."""

    x: np.ndarray
    i: np.ndarray
    y: np.ndarray
    j: np.ndarray

    @classmethod
    def empty(cls) -> Matches:
        z = np.zeros(0, dtype=np.int64)
        return cls(z, z, z, z)


@dataclass(frozen=True)
class Passages:
    """Aligned passages: words [a0, a1) of row x ~ words [b0, b1) of row y."""

    x: np.ndarray
    a0: np.ndarray
    a1: np.ndarray
    y: np.ndarray
    b0: np.ndarray
    b1: np.ndarray

    @classmethod
    def concat(cls, parts: list[Passages]) -> Passages:
        if not parts:
            z = np.zeros(0, dtype=np.int64)
            return cls(z, z, z, z, z, z)
        return cls(*(np.concatenate([getattr(p, f) for p in parts]) for f in cls.__dataclass_fields__))

    def __len__(self) -> int:
        return len(self.x)


# -- 1. shingle matches --------------------------------------------------------------------------


@dataclass(frozen=True)
class _RunEntries:
    """Occurrences of some shingle runs that may pair: grouped by run, representatives only."""

    run: np.ndarray  # index into the runs asked for, ascending
    row: np.ndarray
    pos: np.ndarray

    def take(self, keep: np.ndarray) -> _RunEntries:
        return _RunEntries(self.run[keep], self.row[keep], self.pos[keep])


def _run_entries(index: ShingleIndex, starts: np.ndarray, lengths: np.ndarray, settings: Settings) -> _RunEntries:
    """Entries of the runs whose shingle is in 2..max_articles articles that can be in a passage.

    Exact copies are left to their class representative. An entry with no other such entry
    within SHINGLE + max_gap words in its paragraph cannot be part of a passage of two or more
    matches, so it is dropped before any pairing: most shared shingles are isolated common
    phrases, and this keeps the number of pairs small without changing the result.
    """
    entry = ranges(starts, lengths)
    run = np.repeat(np.arange(len(starts)), lengths)
    word = index.shingle_word(entry)
    row = index.row_of_word(word)
    articles = count_distinct(run, index.article_code[row], len(starts))
    keep = ((articles >= 2) & (articles <= settings.max_articles))[run]
    keep &= index.classes.rep[row] == row
    entries = _RunEntries(run[keep], row[keep], word[keep] - index.para_offset[row[keep]])
    if settings.min_words > SHINGLE:
        entries = entries.take(_has_neighbour(entries.row, entries.pos, SHINGLE + settings.max_gap))
    return entries


def _has_neighbour(row: np.ndarray, pos: np.ndarray, reach: int) -> np.ndarray:
    """Entries with another entry of the same row at most `reach` positions away."""
    order = np.argsort((row << 32) | pos)
    r, p = row[order], pos[order]
    close = (r[1:] == r[:-1]) & (p[1:] - p[:-1] <= reach)
    near = np.zeros(len(r), dtype=bool)
    near[1:] |= close
    near[:-1] |= close
    keep = np.empty(len(r), dtype=bool)
    keep[order] = near
    return keep


def _max_occurrences(settings: Settings) -> int:
    return settings.max_articles * settings.max_occurrences_per_article


def all_matches(index: ShingleIndex, settings: Settings) -> Matches:
    """Every cross-article shingle match in the index that may be part of a passage (full pass)."""
    if len(index.shingles) < 2:
        return Matches.empty()
    same = _same_as_next(index)  # runs of True mark keys occurring twice or more
    edge = np.diff(same.view(np.int8), prepend=np.int8(0), append=np.int8(0))
    starts = np.flatnonzero(edge == 1)
    lengths = np.flatnonzero(edge == -1) - starts + 1
    keep = lengths <= _max_occurrences(settings)
    entries = _run_entries(index, starts[keep], lengths[keep], settings)
    left, right = _pairs_within_runs(entries.run)
    return _finish(index, entries, left, right)


def _same_as_next(index: ShingleIndex, chunk: int = 1 << 22) -> np.ndarray:
    """same[k]: entries k and k+1 hold the same shingle (chunked: no index-sized temporaries)."""
    packed, mask = index.shingles, ~index.index_mask
    same = np.empty(len(packed) - 1, dtype=bool)
    for lo in range(0, len(same), chunk):
        hi = min(lo + chunk, len(same))
        same[lo:hi] = ((packed[lo + 1 : hi + 1] ^ packed[lo:hi]) & mask) == 0
    return same


def _pairs_within_runs(run: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All (a, b), a < b, of entries in the same run; loops over the distance, not the pairs."""
    n = len(run)
    if n == 0:
        z = np.zeros(0, dtype=np.int64)
        return z, z
    starts = run_starts(run)
    lengths = np.diff(np.append(starts, n))
    after = np.repeat(starts + lengths, lengths) - np.arange(n) - 1  # partners after each entry
    active = np.flatnonzero(after > 0)
    left, right = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
    distance = 1
    while len(active):
        left.append(active)
        right.append(active + distance)
        distance += 1
        active = active[after[active] >= distance]
    return np.concatenate(left), np.concatenate(right)


def frontier_matches(index: ShingleIndex, rows: np.ndarray, done: np.ndarray, settings: Settings) -> Matches:
    """Cross-article shingle matches of the representative `rows` with the whole index.

    Partners in rows marked `done` are skipped: their matches were found when they were looked up.
    """
    base = index.para_offset[rows]
    counts = index.para_offset[rows + 1] - base
    keys, _ = shingle_keys(index.word_hash[ranges(base, counts)], np.concatenate(([0], np.cumsum(counts))))
    lo, hi = index.lookup(keys)
    lo, first = np.unique(lo, return_index=True)
    length = hi[first] - lo
    keep = (length >= 2) & (length <= _max_occurrences(settings))
    entries = _run_entries(index, lo[keep], length[keep], settings)
    in_frontier = np.zeros(len(index), dtype=bool)
    in_frontier[rows] = True
    queries = np.flatnonzero(in_frontier[entries.row])
    partners = np.flatnonzero(~done[entries.row])
    # Partners grouped by run: run r owns partners[offset[r] : offset[r] + size[r]].
    size = np.bincount(entries.run[partners], minlength=int(entries.run.max(initial=-1)) + 1)
    offset = np.cumsum(size) - size
    per_query = size[entries.run[queries]]
    right = partners[ranges(offset[entries.run[queries]], per_query)]
    left = np.repeat(queries, per_query)
    return _finish(index, entries, left, right)


def _finish(index: ShingleIndex, entries: _RunEntries, left: np.ndarray, right: np.ndarray) -> Matches:
    """Matches between entries `left` and `right`, minus those inside one paragraph or one
    article (unless an exact copy elsewhere makes them cross-article), oriented x < y."""
    single = index.classes.articles[entries.row] == 1
    code = index.article_code[entries.row]
    keep = (entries.row[left] != entries.row[right]) & ~(single[left] & single[right] & (code[left] == code[right]))
    left, right = left[keep], right[keep]
    swap = entries.row[left] > entries.row[right]
    left, right = np.where(swap, right, left), np.where(swap, left, right)
    return Matches(x=entries.row[left], i=entries.pos[left], y=entries.row[right], j=entries.pos[right])


# -- 2./3. segments and passages -----------------------------------------------------------------


def _bits(n: int) -> int:
    return max(int(n).bit_length(), 1)


def _pack(*fields: tuple[np.ndarray, int]) -> np.ndarray | None:
    """Non-negative int fields packed into one int64 sort key (None when they need > 63 bits)."""
    if sum(bits for _, bits in fields) > 63:
        return None
    packed = np.zeros(len(fields[0][0]), dtype=np.int64)
    for values, bits in fields:
        packed <<= bits
        packed |= values
    return packed


def _by_pair(m: Matches, min_matches: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Matches grouped by paragraph pair, pairs with fewer than `min_matches` dropped.

    Most pairs share a single stray shingle (a common phrase) and can never make a passage, so
    pruning them first keeps the later sorts small. Returns (pair id, pair x, pair y, i, j).
    """
    pair_key = (m.x << 32) | m.y
    order = np.argsort(pair_key)
    sorted_key = pair_key[order]
    starts = run_starts(sorted_key)
    lengths = np.diff(np.append(starts, len(order)))
    kept = lengths >= min_matches
    keep = np.repeat(kept, lengths)
    pid = np.repeat(np.arange(int(kept.sum())), lengths[kept])
    order = order[keep]
    pairs = sorted_key[starts[kept]]
    return pid, pairs >> 32, pairs & 0xFFFFFFFF, m.i[order], m.j[order]


def _sort_matches(pid: np.ndarray, i: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unique matches sorted by (pair, diagonal, i): (pair id, diagonal, i)."""
    diag = j - i
    shift = -int(diag.min())
    d_bits, i_bits = _bits(int(diag.max()) + shift), _bits(int(i.max()))
    packed = _pack((pid, _bits(int(pid.max()))), (diag + shift, d_bits), (i, i_bits))
    if packed is not None:
        packed = np.sort(packed)
        packed = packed[run_starts(packed)]
        return (
            packed >> (d_bits + i_bits),
            ((packed >> i_bits) & ((1 << d_bits) - 1)) - shift,
            packed & ((1 << i_bits) - 1),
        )
    order = np.lexsort((i, diag, pid))  # pragma: no cover - gigantic paragraphs only
    pid, diag, i = pid[order], diag[order], i[order]
    keep = np.ones(len(pid), dtype=bool)
    keep[1:] = (pid[1:] != pid[:-1]) | (diag[1:] != diag[:-1]) | (i[1:] != i[:-1])
    return pid[keep], diag[keep], i[keep]


@dataclass(frozen=True)
class Segments:
    """Maximal runs of consecutive matches on one diagonal of one paragraph pair: words
    [a0, a1) of row pair_x[pid] align with words [a0 + diag, a1 + diag) of row pair_y[pid].
    Pairs are numbered in order of (x, y); segments are sorted by (pid, diag, a0)."""

    pair_x: np.ndarray
    pair_y: np.ndarray
    pid: np.ndarray
    diag: np.ndarray
    a0: np.ndarray
    a1: np.ndarray


def min_matches(settings: Settings) -> int:
    """One shingle covers SHINGLE words: a passage of min_words needs two matches or more."""
    return 2 if settings.min_words > SHINGLE else 1


def segments(matches: Matches, settings: Settings) -> Segments | None:
    """The segments of the matches (None when no pair has enough matches)."""
    pid, pair_x, pair_y, i, j = _by_pair(matches, min_matches(settings))
    if not len(pid):
        return None
    pid, diag, i = _sort_matches(pid, i, j)
    # Segments: maximal runs of consecutive i on one diagonal of one pair.
    brk = np.ones(len(pid), dtype=bool)
    brk[1:] = (pid[1:] != pid[:-1]) | (diag[1:] != diag[:-1]) | (i[1:] != i[:-1] + 1)
    first = np.flatnonzero(brk)
    last = np.append(first[1:], len(pid)) - 1
    return Segments(pair_x, pair_y, pid[first], diag[first], i[first], i[last] + SHINGLE)


def passages(index: ShingleIndex, matches: Matches, settings: Settings) -> Passages:
    """Chain matches into segments, join segments into passages, keep the long enough ones."""
    return segment_passages(index, segments(matches, settings), settings)


def segment_passages(index: ShingleIndex, segs: Segments | None, settings: Settings) -> Passages:
    """Join segments into passages, keep the long enough ones."""
    if segs is None or not len(segs.pid):
        return Passages.concat([])
    pair_x, pair_y, seg_pid, seg_d, a0, a1 = segs.pair_x, segs.pair_y, segs.pid, segs.diag, segs.a0, segs.a1
    packed = _pack((seg_pid, _bits(int(seg_pid.max()))), (a0, _bits(int(a0.max()))))
    order = np.argsort(packed) if packed is not None else np.lexsort((a0, seg_pid))
    seg_pid, seg_d, a0, a1 = seg_pid[order], seg_d[order], a0[order], a1[order]
    b0, b1 = a0 + seg_d, a1 + seg_d

    label = components(len(a0), *_join_edges(seg_pid, a0, a1, b0, b1, settings.max_gap))
    # Labels are the smallest member, so each passage's segments are contiguous here already
    # except when a join skipped over a stray segment: a stable sort puts them together.
    order = np.argsort(label, kind="stable")
    starts = run_starts(label[order])
    comp_pid = seg_pid[order][starts]
    out = Passages(
        x=pair_x[comp_pid],
        a0=np.minimum.reduceat(a0[order], starts),
        a1=np.maximum.reduceat(a1[order], starts),
        y=pair_y[comp_pid],
        b0=np.minimum.reduceat(b0[order], starts),
        b1=np.maximum.reduceat(b1[order], starts),
    )
    return _long_enough(index, out, settings)


def _join_edges(
    pid: np.ndarray, a0: np.ndarray, a1: np.ndarray, b0: np.ndarray, b1: np.ndarray, max_gap: int
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of segments (sorted by pair, a0) close enough on both sides to be one passage."""
    left, right = [], []
    overlap = -(SHINGLE - 1)  # shifted alignments around an edit may overlap a little
    for k in range(1, _JOIN_WINDOW + 1):
        s = np.arange(len(pid) - k)
        t = s + k
        gap_a, gap_b = a0[t] - a1[s], b0[t] - b1[s]
        ok = (pid[s] == pid[t]) & (gap_a >= overlap) & (gap_a <= max_gap) & (gap_b >= overlap) & (gap_b <= max_gap)
        left.append(s[ok])
        right.append(t[ok])
        if not (pid[s] == pid[t]).any():
            break
    return np.concatenate(left), np.concatenate(right)


def _long_enough(index: ShingleIndex, p: Passages, settings: Settings) -> Passages:
    keep = np.flatnonzero((p.a1 - p.a0 >= settings.min_words) & (p.b1 - p.b0 >= settings.min_words))
    p = Passages(*(getattr(p, f)[keep] for f in Passages.__dataclass_fields__))
    xs, xe = index.span_chars(p.x, p.a0, p.a1)
    ys, ye = index.span_chars(p.y, p.b0, p.b1)
    long_enough = (xe - xs >= settings.min_chars) & (ye - ys >= settings.min_chars)
    short = np.flatnonzero(~long_enough)
    if settings.is_quote is not None and len(short):
        pid = index.para_id
        spans = [(int(pid[r]), int(a), int(b)) for r, a, b in zip(p.x[short], xs[short], xe[short], strict=True)]
        spans += [(int(pid[r]), int(a), int(b)) for r, a, b in zip(p.y[short], ys[short], ye[short], strict=True)]
        quoted = np.array(settings.is_quote(spans), dtype=bool)
        long_enough[short] = quoted[: len(short)] & quoted[len(short) :]
    keep = np.flatnonzero(long_enough)
    return Passages(*(getattr(p, f)[keep] for f in Passages.__dataclass_fields__))
