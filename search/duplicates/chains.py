"""Segments of a frontier look-up straight from the shingle runs, without listing every match.

`frontier_matches` lists every shingle match (x, i, y, j) of the frontier rows; `segments` then
chains them along diagonals. When many paragraphs carry the same text (wire copy, a press release
in 500 articles) that is the square of the copies times the words of the text: millions of matches,
nearly all of them inside a segment. A match starts a segment exactly when the shingles one word
before, (x, i-1) and (y, j-1), do not match, and ends one exactly when those one word after do
not. Whether two entries of a run match one word before only depends on the runs of their
predecessor entries (the rows and so every row-level rule are the same), so the starts are the
pairs of a run whose predecessors are in different runs, and the ends likewise with successors.
Sorted by (pair, diagonal, i), the k-th start and the k-th end bound the k-th segment. The result
is the `Segments` that `segments(frontier_matches(...))` gives, at the cost of the segments.
"""

from __future__ import annotations

import numpy as np

from search.duplicates.align import Segments, _bits, _max_occurrences, _pack, _run_entries, _RunEntries, min_matches
from search.duplicates.arrays import ranges, run_starts
from search.duplicates.index import SHINGLE, ShingleIndex, shingle_keys
from search.duplicates.model import Settings

_TABLE_WORDS_PER_ENTRY = 32  # neighbours through a table of every word up to this many words per entry
_MAX_PAIR_CODE_BITS = 30  # pairs sorted by their code x * rows + y up to this size, else by rank


def frontier_segments(index: ShingleIndex, rows: np.ndarray, done: np.ndarray, settings: Settings) -> Segments | None:
    """`segments(frontier_matches(index, rows, done, settings), settings)`, computed from the
    segment ends instead of every match (see the module docstring)."""
    base = index.para_offset[rows]
    counts = index.para_offset[rows + 1] - base
    keys, _ = shingle_keys(index.word_hash[ranges(base, counts)], np.concatenate(([0], np.cumsum(counts))))
    keys = np.sort(index.shingle_hash_bits(keys))  # sorted, distinct: fewer look-ups, in memory order
    lo, hi = index.lookup(keys[run_starts(keys)])
    lo, first = np.unique(lo, return_index=True)
    length = hi[first] - lo
    keep = (length >= 2) & (length <= _max_occurrences(settings))
    entries = _run_entries(index, lo[keep], length[keep], settings)
    if not len(entries.run):
        return None
    in_frontier = np.zeros(len(index), dtype=bool)
    in_frontier[rows] = True
    word = index.para_offset[entries.row] + entries.pos
    starts = _boundary_matches(index, entries, _neighbour_run(entries, word, -1, len(index.word_hash)), in_frontier, done)
    ends = _boundary_matches(index, entries, _neighbour_run(entries, word, +1, len(index.word_hash)), in_frontier, done)
    return _paired(starts, ends, in_frontier, settings)


def _neighbour_run(entries: _RunEntries, word: np.ndarray, step: int, n_words: int) -> np.ndarray:
    """The run of the entry `step` words away in the same paragraph, or a code of its own
    (n_runs + entry number) when there is none: such an entry matches no neighbour."""
    n = len(word)
    if n_words <= _TABLE_WORDS_PER_ENTRY * n:  # a small index: a table of every word's entry
        table = np.full(n_words + 2, -1, dtype=np.int64)  # slot w + 1 for word w: -1 and n_words fit
        table[word + 1] = np.arange(n)
        other = table[word + step + 1]
        found = other >= 0
        other = np.maximum(other, 0)
    else:
        order = np.argsort(word)
        sorted_word = word[order]
        at = np.minimum(np.searchsorted(sorted_word, word + step), n - 1)
        other = order[at]
        found = sorted_word[at] == word + step
    found &= entries.row[other] == entries.row
    n_runs = int(entries.run.max()) + 1
    return np.where(found, entries.run[other], n_runs + np.arange(n))


def _boundary_matches(
    index: ShingleIndex, entries: _RunEntries, neighbour: np.ndarray, in_frontier: np.ndarray, done: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Matches (query in the frontier, partner not done, same run) whose neighbour entries are in
    different runs, filtered and oriented as `_finish` does: (x, i, y, j), maybe twice."""
    width = int(neighbour.max()) + 1
    group = entries.run * width + neighbour  # (run, neighbour's run): one block of partners each
    partners = np.flatnonzero(~done[entries.row])
    partners = partners[np.argsort(group[partners], kind="stable")]
    partner_group = group[partners]
    queries = np.flatnonzero(in_frontier[entries.row])
    q_run = entries.run[queries]
    run_lo = np.searchsorted(partner_group, q_run * width)
    run_hi = np.searchsorted(partner_group, (q_run + 1) * width)
    same_lo = np.searchsorted(partner_group, group[queries])
    same_hi = np.searchsorted(partner_group, group[queries], side="right")
    before, after = same_lo - run_lo, run_hi - same_hi
    left = np.concatenate((np.repeat(queries, before), np.repeat(queries, after)))
    right = partners[np.concatenate((ranges(run_lo, before), ranges(same_hi, after)))]
    row, pos = entries.row, entries.pos
    single = index.classes.articles[row] == 1
    code = index.article_code[row]
    keep = (row[left] != row[right]) & ~(single[left] & single[right] & (code[left] == code[right]))
    left, right = left[keep], right[keep]
    swap = row[left] > row[right]
    left, right = np.where(swap, right, left), np.where(swap, left, right)
    return row[left], pos[left], row[right], pos[right]


def _paired(
    starts: tuple[np.ndarray, ...], ends: tuple[np.ndarray, ...], in_frontier: np.ndarray, settings: Settings
) -> Segments | None:
    """Segments from their first and last matches, numbered and filtered as `segments` does."""
    n_rows = len(in_frontier)
    s_pair, s_diag, s_i = _sorted_unique(n_rows, *starts)
    e_pair, e_diag, e_i = _sorted_unique(n_rows, *ends)
    if len(s_pair) != len(e_pair) or (s_pair != e_pair).any() or (s_diag != e_diag).any() or (e_i < s_i).any():
        raise AssertionError("segment starts and ends do not pair up")  # pragma: no cover
    first = run_starts(s_pair)
    pair_x, pair_y = s_pair[first] // n_rows, s_pair[first] % n_rows
    new_pair = np.zeros(len(s_pair), dtype=bool)
    new_pair[first] = True
    pid = np.cumsum(new_pair) - 1
    # frontier_matches lists a pair of two frontier rows from both sides: `segments` counts its
    # matches twice when it drops the pairs with fewer than min_matches, so count them so too.
    copies = np.where(in_frontier[pair_x] & in_frontier[pair_y], 2, 1)
    matches = np.bincount(pid, weights=e_i - s_i + 1, minlength=len(first)) * copies
    kept = matches >= min_matches(settings)
    if not kept.any():
        return None
    new_id = np.cumsum(kept) - 1
    keep = kept[pid]
    return Segments(pair_x[kept], pair_y[kept], new_id[pid[keep]], s_diag[keep], s_i[keep], e_i[keep] + SHINGLE)


def _sorted_unique(
    n_rows: int, x: np.ndarray, i: np.ndarray, y: np.ndarray, j: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct (pair code x * n_rows + y, diagonal, i), sorted: one sort of packed keys, with the
    pair codes themselves when they are short enough, else with their ranks (a large index)."""
    pair = x * n_rows + y
    diag = j - i
    if not len(pair):
        return pair, diag, i
    shift = -int(diag.min())
    d_bits, i_bits = _bits(int(diag.max()) + shift), _bits(int(i.max()))
    codes = None
    if _bits(n_rows * n_rows) <= _MAX_PAIR_CODE_BITS:
        packed = _pack((pair, _bits(n_rows * n_rows)), (diag + shift, d_bits), (i, i_bits))
    else:
        codes = np.sort(pair)
        codes = codes[run_starts(codes)]
        packed = _pack((np.searchsorted(codes, pair), _bits(len(codes))), (diag + shift, d_bits), (i, i_bits))
    if packed is not None:
        packed = np.sort(packed)
        packed = packed[run_starts(packed)]
        rank = packed >> (d_bits + i_bits)
        return rank if codes is None else codes[rank], ((packed >> i_bits) & ((1 << d_bits) - 1)) - shift, packed & ((1 << i_bits) - 1)
    order = np.lexsort((i, diag, pair))  # pragma: no cover - gigantic paragraphs only
    pair, diag, i = pair[order], diag[order], i[order]
    distinct = np.ones(len(pair), dtype=bool)
    distinct[1:] = (pair[1:] != pair[:-1]) | (diag[1:] != diag[:-1]) | (i[1:] != i[:-1])
    return pair[distinct], diag[distinct], i[distinct]
