"""Words of paragraphs for matching: normalised word hashes plus their character offsets.

Matching needs normalised words (NFKC, casefolded, quote styles unified, punctuation dropped),
while the passages we report must be character-exact in the ORIGINAL text. So we never build a
normalised string: we scan the original characters, map each one to its normalised code point
with lookup tables and keep every word's original start and end.

Everything is vectorised over many paragraphs joined with a separator, because a Python loop over
the ~36 million words of a large corpus alone would eat the time budget. Paragraphs containing a
character whose normalisation is not one character (ligatures, "ß", combining marks, characters
outside the Basic Multilingual Plane) take a slower per-character Python path that produces the
same arrays, so a sentence hashes the same way whichever path its paragraph took.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

_BMP = 0x10000
_SEP = "\x00"  # joins paragraphs; never a word character, opener or closer
_CHUNK_CHARS = 4_000_000  # characters tokenised per vectorised batch (bounds temporary memory)

# Apostrophes inside a word ("don't", "Trump’s") join it instead of splitting it; every style
# hashes the same because joiners are skipped when hashing.
_JOINERS = "'\u2019\u2018\u02bc`\u2032"
# Punctuation glued to a passage's first/last word is part of the reported span, so a quoted
# sentence is reported as “…urgency.” rather than …urgency.
_OPENERS = "\"'\u201c\u2018\u201e\u201a\u00ab\u2039([{"
_CLOSERS = ".!?\u2026\"'\u201d\u2019\u00bb\u203a)]}"
_MAX_GLUE = 3  # at most this many glued punctuation characters on each side

_U64 = np.uint64
_CHAR_MULT = _U64(0x100000001B3)


def mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: spreads polynomial hashes over all 64 bits (wrapping arithmetic)."""
    x = x + _U64(0x9E3779B97F4A7C15)
    x ^= x >> _U64(30)
    x *= _U64(0xBF58476D1CE4E5B9)
    x ^= x >> _U64(27)
    x *= _U64(0x94D049BB133111EB)
    x ^= x >> _U64(31)
    return x


def powers(base: np.uint64, n: int) -> np.ndarray:
    """base**k mod 2**64 for k in 0..n-1."""
    out = np.full(max(n, 1), base, dtype=_U64)
    out[0] = 1
    return np.cumprod(out, dtype=_U64)


@dataclass(frozen=True)
class Tokens:
    """Words of a batch of texts, in order; `counts[t]` words belong to text t."""

    word_hash: np.ndarray  # uint32, hash of the normalised word
    word_start: np.ndarray  # uint32, offset of the word (with glued opening punctuation)
    word_end: np.ndarray  # uint32, end of the word (with glued closing punctuation), exclusive
    counts: np.ndarray  # int64, words per text


@dataclass(frozen=True)
class _Tables:
    norm: np.ndarray  # uint32[BMP]: normalised code point of a character
    word: np.ndarray  # bool[BMP]: the normalised character is a letter or digit
    special: np.ndarray  # bool[BMP]: needs the slow path (not a 1:1 normalisation)
    joiner: np.ndarray  # bool[BMP], indexed by normalised code point
    opener: np.ndarray  # bool[BMP], indexed by original code point
    closer: np.ndarray  # bool[BMP], indexed by original code point


def _is_word_char(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "LNM"


@lru_cache(maxsize=1)
def _tables() -> _Tables:
    """Per-character normalisation tables for the Basic Multilingual Plane (built once, ~0.1 s)."""
    norm = np.arange(_BMP, dtype=np.uint32)
    word = np.zeros(_BMP, dtype=bool)
    special = np.zeros(_BMP, dtype=bool)
    for cp in range(_BMP):
        if 0xD800 <= cp < 0xE000:  # lone surrogates: not text
            continue
        ch = chr(cp)
        folded = unicodedata.normalize("NFKC", ch).casefold()
        # Marks may compose with their neighbours and Hangul jamo compose into syllables, so
        # per-character mapping is only exact for characters that map to exactly one character
        # and take part in no composition.
        if len(folded) != 1 or unicodedata.category(ch)[0] == "M" or 0x1100 <= cp < 0x1200:
            special[cp] = True
            continue
        norm[cp] = ord(folded)
        word[cp] = _is_word_char(folded)
    return _Tables(
        norm=norm,
        word=word,
        special=special,
        joiner=_char_set(_JOINERS),
        opener=_char_set(_OPENERS),
        closer=_char_set(_CLOSERS),
    )


def _char_set(chars: str) -> np.ndarray:
    table = np.zeros(_BMP, dtype=bool)
    table[[ord(c) for c in chars]] = True
    return table


def _lookup(table: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """table[codes] for BMP codes, False for code points beyond it."""
    inside = codes < _BMP
    return table[np.where(inside, codes, 0)] & inside


def _segment(codes: np.ndarray, word: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Words in a normalised character array: (hash uint32, first char index, last char index + 1).

    A word is a run of letters/digits, possibly joined by apostrophes; it hashes as a polynomial
    over its letters (joiners skipped), so "don’t" == "don't" == "dont".
    """
    inword = word.copy()
    if len(codes) > 2:
        inword[1:-1] |= _lookup(_tables().joiner, codes[1:-1]) & word[:-2] & word[2:]
    edge = np.diff(inword.view(np.int8), prepend=np.int8(0), append=np.int8(0))
    starts = np.flatnonzero(edge == 1)
    ends = np.flatnonzero(edge == -1)
    if not len(starts):
        empty = np.zeros(0, dtype=np.int64)
        return np.zeros(0, dtype=np.uint32), empty, empty
    letters = np.flatnonzero(word)  # counted characters, grouped by word
    first = np.cumsum(word, dtype=np.int64)[starts] - 1  # index into `letters` of each word start
    length = np.diff(np.append(first, len(letters)))
    pos = np.arange(len(letters), dtype=np.int64) - np.repeat(first, length)
    contrib = codes[letters].astype(_U64) * powers(_CHAR_MULT, int(length.max()))[pos]
    hashed = mix64(np.add.reduceat(contrib, first) ^ length.astype(_U64))
    return (hashed >> _U64(32)).astype(np.uint32), starts, ends


def _slow_normalise(text: str, offset: int) -> tuple[list[int], list[bool], list[int], list[int]]:
    """Normalised code points of `text`, each with the original [start, end) it came from.

    Each base character is normalised together with the combining marks that follow it, so
    composition works and every output character maps back to whole original characters.
    """
    codes: list[int] = []
    word: list[bool] = []
    starts: list[int] = []
    ends: list[int] = []
    i, n = 0, len(text)
    while i < n:
        j = i + 1
        while j < n and unicodedata.category(text[j])[0] == "M":
            j += 1
        cluster = text[i:j]
        try:
            folded = unicodedata.normalize("NFKC", cluster).casefold()
        except UnicodeError:  # pragma: no cover - lone surrogates
            folded = " "
        for ch in folded:
            codes.append(ord(ch))
            word.append(_is_word_char(ch))
            starts.append(offset + i)
            ends.append(offset + j)
        i = j
    return codes, word, starts, ends


def _slow_words(texts: Sequence[str], offsets: Sequence[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Words of the texts needing the slow path, with offsets in the joined original string."""
    codes: list[int] = []
    word: list[bool] = []
    starts: list[int] = []
    ends: list[int] = []
    for text, offset in zip(texts, offsets):
        c, w, s, e = _slow_normalise(text, offset)
        codes += c + [0]
        word += w + [False]
        starts += s + [offset + len(text)]
        ends += e + [offset + len(text)]
    hashed, first, last = _segment(np.array(codes, dtype=np.uint32), np.array(word, dtype=bool))
    return hashed, np.array(starts, dtype=np.int64)[first], np.array(ends, dtype=np.int64)[last - 1]


def _glue(cps: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Widen word offsets over adjacent opening/closing punctuation (the separator stops it)."""
    tables = _tables()
    for _ in range(_MAX_GLUE):
        starts = np.where(_lookup(tables.opener, cps[starts - 1]), starts - 1, starts)
        ends = np.where(_lookup(tables.closer, cps[ends]), ends + 1, ends)
    return starts, ends


def _tokenize_chunk(texts: Sequence[str]) -> Tokens:
    tables = _tables()
    if not texts:
        none = np.zeros(0, dtype=np.uint32)
        return Tokens(none, none, none, np.zeros(0, dtype=np.int64))
    # A leading separator makes `start - 1` valid; a trailing one makes `end` valid.
    joined = _SEP + _SEP.join(texts) + _SEP
    cps = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    text_start = np.concatenate(([1], 1 + np.cumsum(lengths + 1)[:-1])).astype(np.int64)

    inside = cps < _BMP
    bmp = np.where(inside, cps, 0)
    needs_slow = tables.special[bmp] | ~inside
    slow = np.flatnonzero(np.logical_or.reduceat(needs_slow, text_start - 1))
    word = tables.word[bmp] & inside
    for t in slow:
        word[text_start[t] : text_start[t] + lengths[t]] = False

    hashed, starts, ends = _segment(tables.norm[bmp], word)
    if len(slow):
        s_hash, s_start, s_end = _slow_words([texts[t] for t in slow], text_start[slow].tolist())
        hashed = np.concatenate((hashed, s_hash))
        starts = np.concatenate((starts, s_start))
        ends = np.concatenate((ends, s_end))
        order = np.argsort(starts, kind="stable")
        hashed, starts, ends = hashed[order], starts[order], ends[order]

    starts, ends = _glue(cps, starts, ends)
    owner = np.searchsorted(text_start, starts, side="right") - 1
    base = text_start[owner]
    return Tokens(
        word_hash=hashed,
        word_start=(starts - base).astype(np.uint32),
        word_end=(ends - base).astype(np.uint32),
        counts=np.bincount(owner, minlength=len(texts)).astype(np.int64),
    )


def tokenize(texts: Sequence[str]) -> Tokens:
    """Words of every text, in chunks of a few million characters to bound temporary memory."""
    parts: list[Tokens] = []
    begin, size = 0, 0
    for i, text in enumerate(texts):
        size += len(text) + 1
        if size >= _CHUNK_CHARS:
            parts.append(_tokenize_chunk(texts[begin : i + 1]))
            begin, size = i + 1, 0
    if begin < len(texts) or not parts:
        parts.append(_tokenize_chunk(texts[begin:]))
    if len(parts) == 1:
        return parts[0]
    return Tokens(
        word_hash=np.concatenate([p.word_hash for p in parts]),
        word_start=np.concatenate([p.word_start for p in parts]),
        word_end=np.concatenate([p.word_end for p in parts]),
        counts=np.concatenate([p.counts for p in parts]),
    )


def words_of(text: str) -> list[tuple[int, int, int]]:
    """(hash, start, end) of each word of one text; handy for tests and evaluation."""
    tokens = tokenize([text])
    return list(zip(tokens.word_hash.tolist(), tokens.word_start.tolist(), tokens.word_end.tolist()))
