"""The words of a field, read once per index reader, for expanding prefix, wildcard and fuzzy
terms.

Whoosh expands `word~` by walking the term dictionary from disk and computing an edit distance
in Python for every word sharing the prefix (thousands of words: a quarter of a second on
AllSides), once for the search and again for the highlighter. Here each field's words are read
into a sorted list the first time one is needed, the words sharing a prefix are a slice of it,
and rapidfuzz computes the distances in C++ with the same metric as Whoosh (optimal string
alignment: a swap of two neighbouring letters is one edit). Expansions are kept for the
reader's lifetime, so the highlighter reuses the search's. The index writer prepares the word
lists at each commit (search.index.whoosh.prepared): given them, no field is read here.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Mapping, Sequence

from rapidfuzz.distance import OSA
from rapidfuzz.process import cdist
from whoosh import query as wq
from whoosh.fields import ID, KEYWORD, TEXT
from whoosh.reading import IndexReader

_LAST = "\U0010ffff"  # sorts after every character: the end of a prefix's slice


def read_words(reader: IndexReader, fieldname: str) -> list[bytes]:
    """Every word of the field as index bytes, sorted (the term dictionary's own order).

    Each segment's words, then one sorted union: Whoosh's own merge of the segments' term lists
    steps through them in Python, one word at a time."""
    readers = list(reader.leaf_readers()) if not reader.is_atomic() else [(reader, 0)]
    words: set[bytes] = set()
    for leaf, _offset in readers:
        words.update(leaf.lexicon(fieldname))
    return sorted(words)


class Vocabulary:
    def __init__(
        self,
        reader: IndexReader,
        prepared: Mapping[str, Sequence[str]] | None = None,
        on_read: Callable[[str], None] | None = None,
    ) -> None:
        """`prepared`: sorted word lists of some fields, read from the index no more; `on_read`
        is told of each field whose words are read here instead."""
        self.reader = reader
        self._words: dict[str, Sequence[str]] = dict(prepared or {})
        self._expansions: dict[tuple[object, ...], list[bytes]] = {}
        self._on_read = on_read

    def words(self, fieldname: str) -> Sequence[str]:
        """Every word of the field, sorted (the term dictionary's own order, decoded)."""
        if fieldname not in self._words:
            self._words[fieldname] = [btext.decode("utf-8") for btext in read_words(self.reader, fieldname)]
            if self._on_read is not None:
                self._on_read(fieldname)
        return self._words[fieldname]

    def _holds_words(self, fieldname: str) -> bool:
        """Fields whose terms are words (UTF-8 text), not encoded numbers or dates."""
        schema = self.reader.schema
        return fieldname in schema and isinstance(schema[fieldname], TEXT | KEYWORD | ID)

    def starting_with(self, fieldname: str, prefix: str) -> list[str]:
        words = self.words(fieldname)
        if not prefix:
            return words if isinstance(words, list) else list(words[:])
        return list(words[bisect_left(words, prefix) : bisect_left(words, prefix + _LAST)])

    def expand(self, query: wq.Query) -> list[bytes] | None:
        """The words (as index bytes) a prefix, wildcard or fuzzy term stands for, the same as
        Whoosh's own expansion; None for other queries and fields of other kinds."""
        kind = type(query)
        if kind is wq.TermRange:
            return self._term_range(query)
        if kind not in (wq.Prefix, wq.Wildcard, wq.FuzzyTerm) or not isinstance(query.text, str):
            return None
        fieldname = query.fieldname
        if not self._holds_words(fieldname):
            return None
        key = (kind, fieldname, query.text, getattr(query, "maxdist", None), getattr(query, "prefixlength", None))
        if key not in self._expansions:
            self._expansions[key] = [word.encode("utf-8") for word in self._expand(query)]
        return self._expansions[key]

    def _term_range(self, query: wq.TermRange) -> list[bytes] | None:
        """[a TO c]: the words between, as TermRange._btexts walks the term dictionary."""
        fieldname = query.fieldname
        if not self._holds_words(fieldname):
            return None
        if not all(bound is None or isinstance(bound, str) for bound in (query.start, query.end)):
            return None
        words = self.words(fieldname)
        low = 0 if query.start is None else bisect_left(words, query.start)
        if query.start is not None and query.startexcl and low < len(words) and words[low] == query.start:
            low += 1
        high = len(words) if query.end is None else bisect_left(words, query.end)
        if query.end is not None and not query.endexcl and high < len(words) and words[high] == query.end:
            high += 1
        return [word.encode("utf-8") for word in words[low:high]]

    def _expand(self, query: wq.Prefix | wq.Wildcard | wq.FuzzyTerm) -> list[str]:
        fieldname, text = query.fieldname, query.text
        if isinstance(query, wq.Prefix):
            return self.starting_with(fieldname, text)
        if isinstance(query, wq.Wildcard):
            pattern = re.compile(query._get_pattern())  # noqa: SLF001 - Whoosh's own glob translation
            return [word for word in self.starting_with(fieldname, query._find_prefix(text)) if pattern.match(word)]  # noqa: SLF001
        candidates = self.starting_with(fieldname, text[: query.prefixlength])
        if not candidates:
            return []
        limit = int(query.maxdist)
        distances = cdist([text], candidates, scorer=OSA.distance, score_cutoff=limit, workers=1)[0]
        return [word for word, distance in zip(candidates, distances.tolist(), strict=True) if distance <= limit]
