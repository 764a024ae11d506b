"""The shingle index: every paragraph seen so far, as arrays, so new articles compare incrementally.

Per paragraph (a "row") we keep its ids, its words' hashes and character offsets and a content
hash; per word 5-gram ("shingle") a 64-bit key, kept sorted so that looking a shingle up, or
finding every shingle shared by two or more paragraphs, is a `searchsorted` or a scan for equal
neighbours. The index never stores text: spans are rebuilt from the word offsets.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from os import PathLike
from pathlib import Path

import numpy as np

from search.duplicates.arrays import count_distinct, dense_codes, ranges, run_starts
from search.duplicates.model import Para
from search.duplicates.tokens import SEQ_POWERS, mix64, tokenize

SHINGLE = 5  # words per shingle
FORMAT_VERSION = 2  # 2: dotted abbreviations are one word ("I.R.S." = "IRS")
_MIN_INDEX_BITS = 24  # word-index field of packed shingles; widened as the corpus grows
_SHINGLE_MULT = np.uint64(0x9E3779B97F4A7C15)
_BATCH_PARAS = 20_000  # paragraphs tokenised per batch in `build`
_SHINGLE_CHUNK_WORDS = 2_000_000  # words whose shingles are computed at once

_U64 = np.uint64


def shingle_keys(word_hash: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Keys of every word 5-gram inside a paragraph, with the index of its first word.

    `offsets` is the CSR boundary array of the paragraphs over `word_hash`. Shingles crossing a
    paragraph boundary are dropped: they are exactly those starting in the last K-1 words.
    """
    n = len(word_hash) - SHINGLE + 1
    if n <= 0:
        return np.zeros(0, dtype=_U64), np.zeros(0, dtype=np.int64)
    words = word_hash.astype(_U64)
    keys = words[:n].copy()
    for k in range(1, SHINGLE):
        keys *= _SHINGLE_MULT
        keys += words[k : k + n]
    # One xor-shift-multiply round: the packed index keeps only the high bits, which must
    # depend on every word (the last word alone only reaches the low bits of the polynomial).
    keys ^= keys >> _U64(29)
    keys *= _U64(0xBF58476D1CE4E5B9)
    valid = np.ones(n, dtype=bool)
    tail = (offsets[1:, None] - np.arange(1, SHINGLE)[None, :]).ravel()
    valid[tail[(tail >= 0) & (tail < n)]] = False
    first = np.flatnonzero(valid)
    return keys[first], first


def content_hashes(word_hash: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each paragraph's normalised word sequence (0 for paragraphs without words).

    Equal hashes mean "identical after normalisation": the exact-duplicate test.
    """
    out = np.zeros(len(counts), dtype=_U64)
    nonempty = counts > 0
    if not nonempty.any():
        return out
    first = np.concatenate(([0], np.cumsum(counts)[:-1]))[nonempty]
    codes = word_hash.astype(_U64) + _U64(1)
    up, down = SEQ_POWERS.get(len(codes))
    sums = np.add.reduceat(codes * up, first) * down[first]
    out[nonempty] = mix64(sums ^ counts[nonempty].astype(_U64)) | _U64(1)
    return out


@dataclass
class _Batch:
    """Arrays for a list of new paragraphs, before they join the index."""

    para_id: np.ndarray
    para_article: np.ndarray
    counts: np.ndarray
    para_hash: np.ndarray
    word_hash: np.ndarray
    word_start: np.ndarray
    word_end: np.ndarray

    @classmethod
    def of(cls, paras: list[Para]) -> _Batch:
        tokens = tokenize([p.text for p in paras])
        return cls(
            para_id=np.fromiter((p.paragraph for p in paras), dtype=np.int64, count=len(paras)),
            para_article=np.fromiter((p.article for p in paras), dtype=np.int64, count=len(paras)),
            counts=tokens.counts,
            para_hash=content_hashes(tokens.word_hash, tokens.counts),
            word_hash=tokens.word_hash,
            word_start=tokens.word_start,
            word_end=tokens.word_end,
        )

    @classmethod
    def concat(cls, batches: list[_Batch]) -> _Batch:
        """One batch of many; each part's arrays are released as soon as they are copied."""
        fields = {}
        for name in cls.__dataclass_fields__:
            fields[name] = np.concatenate([getattr(b, name) for b in batches])
            for b in batches:
                setattr(b, name, None)
        return cls(**fields)


_FORKED: list[Para] = []  # the paragraphs forked workers tokenise (inherited, not pickled)


def _tokenize_range(bounds: tuple[int, int]) -> _Batch:
    return _Batch.of(_FORKED[bounds[0] : bounds[1]])


def _tokenize_all(paras: Iterable[Para], workers: int) -> _Batch:
    """Tokenise in batches, in forked worker processes when asked (the slowest part of a build).

    In one process the paragraphs are consumed batch by batch, so their texts need not all be in
    memory at once (a database cursor can feed a build of the whole corpus).
    """
    if workers <= 1:
        batches = [_Batch.of(chunk) for chunk in _chunks(paras, _BATCH_PARAS)]
    else:
        global _FORKED
        _FORKED = list(paras)
        bounds = [(i, min(i + _BATCH_PARAS, len(_FORKED))) for i in range(0, len(_FORKED), _BATCH_PARAS)]
        try:
            if len(bounds) < 2:
                batches = [_tokenize_range(b) for b in bounds]
            else:
                with multiprocessing.get_context("fork").Pool(workers) as pool:
                    batches = pool.map(_tokenize_range, bounds, chunksize=1)
        finally:
            _FORKED = []
    if not batches:
        return _Batch.of([])
    return batches[0] if len(batches) == 1 else _Batch.concat(batches)


def _chunks(items: Iterable[Para], size: int) -> Iterator[list[Para]]:
    chunk: list[Para] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@dataclass(frozen=True)
class Classes:
    """Paragraphs grouped by identical normalised content (exact duplicates).

    `rep[row]` is the first row with the same content; `articles[row]` the number of distinct
    articles holding that content (meaningful on representatives).
    """

    rep: np.ndarray
    articles: np.ndarray
    by_rep: np.ndarray  # rows sorted by (representative, row)
    rep_sorted: np.ndarray  # rep[by_rep]

    def members(self, reps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Every row of the classes of `reps` (representatives included): (row, index into reps)."""
        lo = np.searchsorted(self.rep_sorted, reps, side="left")
        hi = np.searchsorted(self.rep_sorted, reps, side="right")
        return self.by_rep[ranges(lo, hi - lo)], np.repeat(np.arange(len(reps)), hi - lo)


class ShingleIndex:
    """The corpus seen so far (see module docstring); `build`, `add`, `save`, `load`.

    Shingles live in ONE sorted uint64 array: the high bits are the shingle's hash, the low
    `index_bits` bits the global index of its first word. Sorting plain integers is ~10x faster
    than an argsort of keys, and half the memory; the price is a hash shortened to 64 - index_bits
    (~37) bits, whose rare collisions are stray single matches that never make a passage.
    """

    def __init__(self) -> None:
        self.para_id = np.zeros(0, dtype=np.int64)
        self.para_article = np.zeros(0, dtype=np.int64)
        self.para_offset = np.zeros(1, dtype=np.int64)  # CSR into the word arrays
        self.para_hash = np.zeros(0, dtype=_U64)
        self.word_hash = np.zeros(0, dtype=np.uint32)
        self.word_start = np.zeros(0, dtype=np.uint32)
        self.word_end = np.zeros(0, dtype=np.uint32)
        self.shingles = np.zeros(0, dtype=_U64)  # sorted: hash bits | first word index
        self.index_bits = _MIN_INDEX_BITS

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def build(cls, paras: Iterable[Para], workers: int = 1) -> ShingleIndex:
        """Index `paras`; `workers` > 1 tokenises in that many forked processes (scripts only)."""
        index = cls()
        index.add(paras, workers=workers)
        return index

    def add(self, paras: Iterable[Para], workers: int = 1) -> None:
        """Append paragraphs (ids must be new) and merge their shingles into the sorted array."""
        batch = _tokenize_all(paras, workers)
        if not len(batch.para_id):
            return
        self._check_new_ids(batch.para_id)
        self._append(batch)

    def _check_new_ids(self, ids: np.ndarray) -> None:
        ordered = np.sort(ids)
        if (ordered[1:] == ordered[:-1]).any() or np.isin(ids, self.para_id).any():
            raise ValueError("paragraph ids must be unique and not yet in the index")

    def _append(self, batch: _Batch) -> None:
        first_word = len(self.word_hash)
        offsets = np.concatenate(([0], np.cumsum(batch.counts)))
        for name, part in (
            ("para_id", batch.para_id),
            ("para_article", batch.para_article),
            ("para_offset", offsets[1:] + first_word),
            ("para_hash", batch.para_hash),
            ("word_hash", batch.word_hash),
            ("word_start", batch.word_start),
            ("word_end", batch.word_end),
        ):
            old = getattr(self, name)
            empty = len(old) == (1 if name == "para_offset" else 0)
            setattr(self, name, np.concatenate((old, part)) if not empty or name == "para_offset" else part)
        self._merge_shingles(batch.word_hash, offsets, first_word)
        for cached in ("classes", "article_code", "word_row"):
            self.__dict__.pop(cached, None)

    def _merge_shingles(self, word_hash: np.ndarray, offsets: np.ndarray, first_word: int) -> None:
        """Pack the new paragraphs' shingles and merge them into the sorted array."""
        needed = max(_MIN_INDEX_BITS, len(self.word_hash).bit_length() + 1)  # 2x headroom
        if needed > self.index_bits:  # widen the word-index field: re-pack and re-sort once
            word = self.shingles & self.index_mask
            self.index_bits = needed
            self.shingles = np.sort((self.shingles & ~self.index_mask) | word)
        packed = np.concatenate(list(self._packed_shingles(word_hash, offsets, first_word)))
        packed.sort()
        if not len(self.shingles):
            self.shingles = packed
        else:  # a linear merge instead of re-sorting the whole index
            self.shingles = np.insert(self.shingles, np.searchsorted(self.shingles, packed), packed)

    def _packed_shingles(self, word_hash: np.ndarray, offsets: np.ndarray, first_word: int) -> Iterator[np.ndarray]:
        """Packed shingles, a few million words at a time (bounds the temporary memory)."""
        yield np.zeros(0, dtype=_U64)
        begin = 0
        while begin < len(offsets) - 1:
            end = int(np.searchsorted(offsets, offsets[begin] + _SHINGLE_CHUNK_WORDS, side="right"))
            end = min(max(end, begin + 2), len(offsets)) - 1  # at least one paragraph
            lo, hi = int(offsets[begin]), int(offsets[end])
            keys, first = shingle_keys(word_hash[lo:hi], offsets[begin : end + 1] - lo)
            keys &= ~self.index_mask
            keys |= (first + (lo + first_word)).astype(_U64)
            yield keys
            begin = end

    @property
    def index_mask(self) -> np.uint64:
        return _U64((1 << self.index_bits) - 1)

    def shingle_hash_bits(self, packed: np.ndarray) -> np.ndarray:
        """The (shortened) hash part of packed shingles or of full shingle keys."""
        bits: np.ndarray = packed & ~self.index_mask
        return bits

    def shingle_word(self, entries: np.ndarray) -> np.ndarray:
        """Global index of the first word of the shingles at positions `entries`."""
        words: np.ndarray = (self.shingles[entries] & self.index_mask).astype(np.int64)
        return words

    def lookup(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """[lo, hi) of the entries holding each shingle key."""
        wanted = self.shingle_hash_bits(keys)
        lo = np.searchsorted(self.shingles, wanted, side="left")
        hi = np.searchsorted(self.shingles, wanted | self.index_mask, side="right")
        return lo, hi

    # -- persistence --------------------------------------------------------------------------

    _ARRAYS = (
        "para_id",
        "para_article",
        "para_offset",
        "para_hash",
        "word_hash",
        "word_start",
        "word_end",
        "shingles",
    )

    def save(self, path: str | PathLike[str]) -> None:
        """Write each array as an uncompressed .npy file in the folder `path` (created)."""
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        arrays = {"version": np.array([FORMAT_VERSION, SHINGLE, self.index_bits])}
        arrays.update((name, getattr(self, name)) for name in self._ARRAYS)
        for name, array in arrays.items():
            # A new file renamed over the old: arrays still mapped from the old file stay valid.
            tmp = folder / f"{name}.tmp.npy"
            np.save(tmp, array)
            os.replace(tmp, folder / f"{name}.npy")

    @classmethod
    def load(cls, path: str | PathLike[str], mmap: bool = True) -> ShingleIndex:
        """Read a folder written by save(). With `mmap` the arrays are mapped, not read: opening
        the index of a large corpus costs nothing, and only what a comparison touches is read."""
        folder = Path(path)
        if not folder.is_dir():
            raise ValueError(f"{folder} is not a shingle index folder")
        index = cls()
        version, shingle, index_bits = np.load(folder / "version.npy").tolist()
        if version != FORMAT_VERSION or shingle != SHINGLE:
            raise ValueError(f"index format {version}/{shingle}, expected {FORMAT_VERSION}/{SHINGLE}")
        for name in cls._ARRAYS:
            setattr(index, name, np.load(folder / f"{name}.npy", mmap_mode="r" if mmap else None, allow_pickle=False))
        index.index_bits = index_bits
        return index

    # -- lookups ------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.para_id)

    @property
    def word_counts(self) -> np.ndarray:
        return np.diff(self.para_offset)

    def row_of_word(self, word: np.ndarray) -> np.ndarray:
        rows: np.ndarray
        if len(word) > len(self.word_hash) // 16:  # many look-ups: one table beats binary search
            rows = self.word_row[word].astype(np.int64)
        else:
            rows = np.searchsorted(self.para_offset, word, side="right") - 1
        return rows

    @cached_property
    def word_row(self) -> np.ndarray:
        """Row of every word (int32; built on demand, not saved)."""
        return np.repeat(np.arange(len(self.para_id), dtype=np.int32), np.diff(self.para_offset))

    def rows_of_articles(self, articles: Iterable[int]) -> np.ndarray:
        wanted = np.fromiter(articles, dtype=np.int64)
        return np.flatnonzero(np.isin(self.para_article, wanted))

    def span_chars(self, rows: np.ndarray, first: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Character [start, end) of words [first, end) of each row."""
        base = self.para_offset[rows]
        return self.word_start[base + first].astype(np.int64), self.word_end[base + end - 1].astype(np.int64)

    @cached_property
    def article_code(self) -> np.ndarray:
        """Dense 0..k-1 code of each row's article (for counting distinct articles)."""
        return dense_codes(self.para_article)

    @cached_property
    def classes(self) -> Classes:
        """Exact-duplicate classes by content hash (recomputed after `add`; ~0.2 s per 1M rows)."""
        n = len(self.para_hash)
        order = np.argsort(self.para_hash, kind="stable")
        hashes = self.para_hash[order]
        starts = run_starts(hashes)
        sizes = np.diff(np.append(starts, n))
        rep = np.empty(n, dtype=np.int64)
        rep[order] = np.repeat(order[starts], sizes)  # stable sort: a class's first row leads
        rep[self.para_hash == 0] = np.flatnonzero(self.para_hash == 0)  # no words: never a copy
        articles = np.ones(n, dtype=np.int64)
        copies = np.flatnonzero(rep != np.arange(n))
        if len(copies):
            rows = np.union1d(copies, rep[copies])
            articles = np.maximum(count_distinct(rep[rows], self.article_code[rows], n), 1)
        by_rep = np.argsort(rep, kind="stable")
        return Classes(rep=rep, articles=articles, by_rep=by_rep, rep_sorted=rep[by_rep])
