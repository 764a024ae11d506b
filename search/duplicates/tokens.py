"""Words of paragraphs for matching: normalised word hashes plus their character offsets.

Matching needs normalised words (NFKC, casefolded, quote styles unified, punctuation dropped),
while the passages we report must be character-exact in the ORIGINAL text. So we never build a
normalised string: we scan the original characters, map each one to its normalised code point
with lookup tables and keep every word's original start and end.

Everything is vectorised over many paragraphs joined with a separator, because a Python loop over
the ~36 million words of a large corpus alone would eat the time budget. Paragraphs containing a
character whose normalisation is not one character (ligatures, "ß", combining marks, emoji and
everything else outside the Basic Multilingual Plane; not "…", which is punctuation either way)
take a slower per-character Python path that produces the same arrays, so a sentence hashes the
same way whichever path its paragraph took.
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
_JOINERS = "'\u2019\u2018\u02bc`\u2032."
# Punctuation glued to a passage's first/last word is part of the reported span, so a quoted
# sentence is reported as “…urgency.” rather than …urgency.
_OPENERS = "\"'\u201c\u2018\u201e\u201a\u00ab\u2039([{"
_CLOSERS = ".!?\u2026\"'\u201d\u2019\u00bb\u203a)]}"
_MAX_GLUE = 3  # at most this many glued punctuation characters on each side

_U64 = np.uint64

# Bits of the per-character class table.
_WORD = 1  # the normalised character is a letter, digit or mark
_SPECIAL = 2  # normalisation is not one-to-one: the paragraph takes the slow path
_JOIN = 4  # the normalised character is an apostrophe
_OPEN = 8  # opening punctuation (original character)
_CLOSE = 16  # closing punctuation (original character)


def mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: spreads polynomial hashes over all 64 bits (wrapping arithmetic)."""
    x = x + _U64(0x9E3779B97F4A7C15)
    x ^= x >> _U64(30)
    x *= _U64(0xBF58476D1CE4E5B9)
    x ^= x >> _U64(27)
    x *= _U64(0x94D049BB133111EB)
    x ^= x >> _U64(31)
    return x


def fmix32(x: np.ndarray) -> np.ndarray:
    """murmur3's 32-bit finaliser (wrapping arithmetic on uint32)."""
    x = x ^ (x >> np.uint32(16))
    x *= np.uint32(0x85EBCA6B)
    x ^= x >> np.uint32(13)
    x *= np.uint32(0xC2B2AE35)
    x ^= x >> np.uint32(16)
    return x


class Powers:
    """base**k and base**-k modulo 2**bits, cached and grown on demand (cumprod is slow).

    Both tables are replaced together in one assignment, so threads sharing the cache never see
    one grown and the other not.
    """

    def __init__(self, dtype: type[np.unsignedinteger], base: int) -> None:
        self.dtype = dtype
        self.base = base
        self.inverse = pow(base, -1, 2 ** (8 * np.dtype(dtype).itemsize))  # base is odd
        self.tables = (np.ones(0, dtype=dtype), np.ones(0, dtype=dtype))

    def get(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        up, down = self.tables
        if len(up) < n:
            size = max(n, 2 * len(up), 1 << 20)
            up, down = self._powers(self.base, size), self._powers(self.inverse, size)
            self.tables = (up, down)
        return up[:n], down[:n]

    def _powers(self, base: int, n: int) -> np.ndarray:
        out = np.full(n, base, dtype=self.dtype)
        out[0] = 1
        return np.cumprod(out, dtype=self.dtype)


WORD_POWERS = Powers(np.uint32, 0x01000193)  # polynomial over a word's letters
SEQ_POWERS = Powers(np.uint64, 0x100000001B3)  # polynomial over a paragraph's words


@dataclass(frozen=True)
class Tokens:
    """Words of a batch of texts, in order; `counts[t]` words belong to text t."""

    word_hash: np.ndarray  # uint32, hash of the normalised word
    word_start: np.ndarray  # uint32, offset of the word (with glued opening punctuation)
    word_end: np.ndarray  # uint32, end of the word (with glued closing punctuation), exclusive
    counts: np.ndarray  # int64, words per text


@dataclass(frozen=True)
class _Tables:
    cls: np.ndarray  # uint8[0x110000]: class bits of each original code point
    norm: np.ndarray  # uint16[0x110000]: normalised code point of a non-special character


def _is_word_char(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "LNM"


@lru_cache(maxsize=1)
def _tables() -> _Tables:
    """Per-character normalisation tables (built once, ~0.1 s).

    Characters beyond the Basic Multilingual Plane are all "special" (rare in news: emoji).
    """
    cls = np.full(0x110000, _SPECIAL, dtype=np.uint8)
    norm = np.zeros(0x110000, dtype=np.uint16)
    for cp in range(_BMP):
        bits, code = _classify(cp)
        cls[cp] = bits
        norm[cp] = code
    for ch in _OPENERS:
        cls[ord(ch)] |= _OPEN
    for ch in _CLOSERS:
        cls[ord(ch)] |= _CLOSE
    return _Tables(cls=cls, norm=norm)


def _classify(cp: int) -> tuple[int, int]:
    """(class bits, normalised code point) of one BMP character."""
    if 0xD800 <= cp < 0xE000:  # lone surrogates: not text
        return 0, 0x20
    ch = chr(cp)
    folded = unicodedata.normalize("NFKC", ch).casefold()
    if not any(_is_word_char(c) for c in folded) and unicodedata.category(ch)[0] != "M":
        # Pure punctuation/space ("…" -> "..."): dropped for matching whatever it expands to.
        return (_JOIN if folded in _JOINERS else 0), ord(folded) if len(folded) == 1 else 0x20
    # Marks may compose with their neighbours and Hangul jamo compose into syllables, so a
    # per-character mapping is only exact for characters that map to exactly one character.
    if len(folded) != 1 or ord(folded) >= _BMP or unicodedata.category(ch)[0] == "M" or 0x1100 <= cp < 0x1200:
        return _SPECIAL, 0
    return _WORD, ord(folded)


def _segment(codes: np.ndarray, word: np.ndarray, joiner: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Words in a normalised character sequence: (hash uint32, first char index, end char index).

    `codes[i]` is the normalised code point of character i where `word[i]`; `joiner` holds the
    indices of apostrophes. A word is a run of letters/digits, possibly joined by apostrophes; it hashes as a
    polynomial over its letters only, so "don’t" == "don't" == "dont". The first and last
    characters of `word` must be False (separators).
    """
    inword = word
    inner = joiner[word[joiner - 1] & word[joiner + 1]] if len(joiner) else joiner
    if len(inner):
        inword = word.copy()
        inword[inner] = True
    starts = np.flatnonzero(inword[1:] > inword[:-1]) + 1
    ends = np.flatnonzero(inword[:-1] > inword[1:]) + 1
    if not len(starts):
        empty = np.zeros(0, dtype=np.int64)
        return np.zeros(0, dtype=np.uint32), empty, empty
    letters_per_word = ends - starts
    if len(inner):
        letters_per_word -= np.bincount(np.searchsorted(starts, inner, side="right") - 1, minlength=len(starts))
    first = np.zeros(len(starts), dtype=np.int64)  # index of each word's first letter among all letters
    np.cumsum(letters_per_word[:-1], out=first[1:])
    letter_codes = codes[word].astype(np.uint32)
    up, down = WORD_POWERS.get(len(letter_codes))
    letter_codes *= up  # letter k weighs P**k; dividing by P**first makes it position-independent
    hashed = np.add.reduceat(letter_codes, first, dtype=np.uint32) * down[first]
    hashed ^= letters_per_word.astype(np.uint32) * np.uint32(0x9E3779B1)
    return fmix32(hashed), starts, ends


def _slow_normalise(text: str, offset: int) -> tuple[list[int], list[bool], list[int], list[int]]:
    """Normalised code points of `text`, each with the original [start, end) it came from.

    Each base character is normalised together with the combining marks that follow it, so
    composition works and every output character maps back to whole original characters. Plain
    characters use the same tables as the fast path, so both paths hash a word identically.
    """
    tables = _tables()
    codes: list[int] = []
    word: list[bool] = []
    starts: list[int] = []
    ends: list[int] = []
    i, n = 0, len(text)
    while i < n:
        j = i + 1
        while j < n and unicodedata.category(text[j])[0] == "M":
            j += 1
        cp = ord(text[i])
        if j == i + 1 and not tables.cls[cp] & _SPECIAL:
            folded = chr(tables.norm[cp]) if tables.cls[cp] & _WORD else ("'" if tables.cls[cp] & _JOIN else " ")
        else:
            try:
                folded = unicodedata.normalize("NFKC", text[i:j]).casefold()
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
    codes: list[int] = [0]
    word: list[bool] = [False]
    starts: list[int] = [0]
    ends: list[int] = [0]
    for text, offset in zip(texts, offsets, strict=True):
        c, w, s, e = _slow_normalise(text, offset)
        codes += [*c, 0]
        word += [*w, False]
        starts += [*s, offset + len(text)]
        ends += [*e, offset + len(text)]
    code_arr = np.array(codes, dtype=np.uint32)
    joiner = np.flatnonzero(np.isin(code_arr, [ord(c) for c in _JOINERS]))
    hashed, first, last = _segment(code_arr, np.array(word, dtype=bool), joiner)
    return hashed, np.array(starts, dtype=np.int64)[first], np.array(ends, dtype=np.int64)[last - 1]


def _glue(cls: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> None:
    """Widen word offsets, in place, over adjacent opening/closing punctuation.

    The separators around every text are neither, so a text's span never leaves it.
    """
    moving = np.flatnonzero(cls[starts - 1] & _OPEN)
    for _ in range(_MAX_GLUE):
        starts[moving] -= 1
        moving = moving[(cls[starts[moving] - 1] & _OPEN) > 0]
    moving = np.flatnonzero(cls[ends] & _CLOSE)
    for _ in range(_MAX_GLUE):
        ends[moving] += 1
        moving = moving[(cls[ends[moving]] & _CLOSE) > 0]


def _tokenize_chunk(texts: Sequence[str]) -> Tokens:
    if not texts:
        none = np.zeros(0, dtype=np.uint32)
        return Tokens(none, none, none, np.zeros(0, dtype=np.int64))
    tables = _tables()
    # A leading separator makes `start - 1` valid; a trailing one makes `end` valid.
    joined = _SEP + _SEP.join(texts) + _SEP
    cps = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    text_start = np.empty(len(texts), dtype=np.int64)
    text_start[0] = 1
    np.cumsum(lengths[:-1] + 1, out=text_start[1:])
    text_start[1:] += 1

    cls = tables.cls[cps]
    slow = np.flatnonzero(np.bitwise_or.reduceat(cls, text_start - 1) & _SPECIAL)
    for t in slow:  # their words come from the slow path
        cls[text_start[t] : text_start[t] + lengths[t]] &= ~np.uint8(_WORD | _JOIN)
    word = (cls & _WORD).view(bool)
    joiner = np.flatnonzero(cls & _JOIN)
    hashed, starts, ends = _segment(tables.norm[cps], word, joiner)
    if len(slow):
        s_hash, s_start, s_end = _slow_words([texts[t] for t in slow.tolist()], text_start[slow].tolist())
        hashed = np.concatenate((hashed, s_hash))
        starts = np.concatenate((starts, s_start))
        ends = np.concatenate((ends, s_end))
        order = np.argsort(starts, kind="stable")
        hashed, starts, ends = hashed[order], starts[order], ends[order]
    counts = np.diff(np.searchsorted(starts, np.append(text_start, len(cps))))
    base = np.repeat(text_start, counts)
    _glue(cls, starts, ends)
    starts -= base
    ends -= base
    return Tokens(
        word_hash=hashed,
        word_start=starts.astype(np.uint32),
        word_end=ends.astype(np.uint32),
        counts=counts.astype(np.int64),
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
