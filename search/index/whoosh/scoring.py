"""Matching and BM25F scoring of a parsed Whoosh query with NumPy, over posting lists read a
block at a time.

Whoosh's matchers step through the matching documents one at a time in Python, which is what
made phrases, wildcards and fuzzy terms slow on large indexes. Here each term's posting list is
read into arrays (document numbers, weights, and for phrases the positions), scored with the
same BM25F formula, idf and field lengths as Whoosh's default weighting, and combined per
query node the way Whoosh's matchers combine scores (a union or an intersection adds its
children's scores, a boost multiplies). The tests check the matches and scores against Whoosh's
own on real articles. Queries of other kinds (ranges, odd nodes) give None: the caller lets
Whoosh match them.
"""

from __future__ import annotations

import itertools
import pickle
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from math import log

import numpy as np
from whoosh import query as wq
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.matching import ListMatcher
from whoosh.reading import TermNotFound
from whoosh.scoring import BM25F
from whoosh.searching import Searcher
from whoosh.util.numeric import _length_byte_cache

_BYTE_TO_LENGTH = np.asarray(_length_byte_cache, dtype=np.float64)
_INT_SIZE = 4  # a Positions value: 4 bytes of frequency, then the pickled position deltas


class Unsupported(Exception):
    """A query node this module does not evaluate: Whoosh's matchers do."""


class OutOfTime(Exception):
    """The query ran past its deadline."""


MAX_EXPANSION = 1024  # words one prefix, wildcard, fuzzy or range term may stand for


class TooBroad(Exception):
    """A prefix, wildcard, fuzzy or range term stands for more than MAX_EXPANSION words (as
    Lucene's limit on clauses: searching them all would take seconds)."""

    def __init__(self, term: str, words: int | None) -> None:
        super().__init__(term)
        self.term = term
        self.words = words  # None: more than MAX_EXPANSION, not counted further


@dataclass
class Postings:
    docs: np.ndarray  # int64 top-level document numbers, ascending
    weights: np.ndarray  # float64 term weight (frequency times field boost) per document
    values: list[bytes] | None = None  # encoded positions per document, when asked for
    df: int = 0  # the term's document frequency as Whoosh counts it (deleted documents included)


@dataclass
class Scored:
    mask: np.ndarray  # bool per document: matches (deleted documents excluded)
    scores: np.ndarray  # float64 per document, meaningful where mask is True


@dataclass
class ScoringContext:
    """One searcher's statistics; field lengths are read once per field."""

    searcher: Searcher
    live: np.ndarray  # the documents that can match
    deadline: float = float("inf")
    expand: Callable[[wq.Query], list[bytes] | None] | None = None  # a faster expansion than Whoosh's, when given
    restricted: bool = False  # `live` is a few documents (SearchQuery.within): postings outside them are dropped
    lengths: dict[str, np.ndarray] = field(default_factory=dict)  # field lengths read so far (may outlive one query: per reader)
    _live_docs: np.ndarray | None = None

    @property
    def size(self) -> int:
        return int(self.live.size)

    def live_span(self, offset: int, count: int) -> tuple[int, int] | None:
        """The first and last live document of the segment at `offset` (segment numbers), or None
        when it has none: its postings need not be read (only its document frequency)."""
        if self._live_docs is None:
            self._live_docs = np.flatnonzero(self.live)
        docs = self._live_docs
        lo, hi = np.searchsorted(docs, (offset, offset + count))
        if lo == hi:
            return None
        return int(docs[lo]) - offset, int(docs[hi - 1]) - offset

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise OutOfTime

    def field_lengths(self, fieldname: str) -> np.ndarray:
        """Each document's length in this field as Whoosh's scorer sees it (the stored byte
        decoded: lengths are kept approximately, with full precision for short fields)."""
        cached = self.lengths.get(fieldname)
        if cached is not None:
            return cached
        lengths = np.zeros(self.size, dtype=np.float64)
        for sub, offset in self.searcher.leaf_searchers():
            perdoc = sub.reader()._perdoc  # noqa: SLF001 - the W3 length column, read whole
            column = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)  # noqa: SLF001
            if column is None:
                lengths[offset : offset + sub.doc_count_all()] = 1.0  # Whoosh's default
                continue
            count = min(column._count, sub.doc_count_all())  # noqa: SLF001
            raw = np.frombuffer(column._dbfile.get(column._basepos, count), dtype=np.uint8)  # noqa: SLF001
            lengths[offset : offset + count] = _BYTE_TO_LENGTH[raw]
        self.lengths[fieldname] = lengths
        return lengths

    def postings(self, fieldname: str, btext: bytes, values: bool = False) -> Postings:
        docs: list[np.ndarray] = []
        weights: list[np.ndarray] = []
        kept: list[bytes] = []
        df = 0
        for sub, offset in self.searcher.leaf_searchers():
            segment = sub.reader()
            terms = getattr(segment, "_terms", None)
            if terms is None:
                raise Unsupported(type(segment).__name__)
            try:
                terminfo = terms.term_info(fieldname, btext)  # one lookup per segment
            except TermNotFound:
                continue
            df += terminfo.doc_frequency()
            span = self.live_span(offset, sub.doc_count_all())
            if span is None:
                continue
            first, last = span
            # The segment's postings from the first, deleted documents included (the live mask
            # drops them), without the reader's filter for deletions.
            matcher = terms._codec.postings_reader(terms._postfile, terminfo, segment.schema[fieldname].format)  # noqa: SLF001
            if isinstance(matcher, ListMatcher):  # short posting lists are kept inline
                ids = np.asarray(matcher._ids, dtype=np.int64)  # noqa: SLF001
                docs.append(ids + offset)
                weights.append(_list_weights(matcher, ids.size))
                if values:
                    kept.extend(matcher._values or [b""] * ids.size)  # noqa: SLF001
                continue
            if not isinstance(matcher, W3LeafMatcher):
                raise Unsupported(type(matcher).__name__)
            while matcher.is_active() and matcher._maxid < first:  # noqa: SLF001 - blocks before the first live document
                matcher._next_block()  # noqa: SLF001 - read no further than the block's header
            while matcher.is_active():  # one block at a time
                if matcher._ids is None:  # noqa: SLF001
                    matcher._read_ids()  # noqa: SLF001
                if matcher._weights is None:  # noqa: SLF001
                    matcher._read_weights()  # noqa: SLF001
                start = matcher._i  # noqa: SLF001
                docs.append(np.asarray(matcher._ids, dtype=np.int64)[start:] + offset)  # noqa: SLF001
                weights.append(np.asarray(matcher._weights, dtype=np.float64)[start:])  # noqa: SLF001
                if values:
                    if matcher._values is None:  # noqa: SLF001
                        matcher._read_values()  # noqa: SLF001
                    kept.extend(matcher._values[start:])  # noqa: SLF001
                if matcher._maxid >= last:  # noqa: SLF001 - the blocks after hold no live document
                    break
                matcher._next_block()  # noqa: SLF001
        if not docs:
            empty = np.zeros(0, dtype=np.int64)
            return Postings(empty, np.zeros(0, dtype=np.float64), [] if values else None, df=df)
        found = Postings(np.concatenate(docs), np.concatenate(weights), kept if values else None, df=df)
        return self._live_only(found) if self.restricted else found

    def _live_only(self, postings: Postings) -> Postings:
        """The postings of live documents only: with a few live documents, a phrase then decodes
        the positions of those alone."""
        keep = self.live[postings.docs]
        values = postings.values
        if values is not None:
            values = [value for value, kept in zip(values, keep.tolist(), strict=True) if kept]
        return Postings(postings.docs[keep], postings.weights[keep], values, df=postings.df)

    def bm25(self, fieldname: str, btext: bytes, postings: Postings) -> np.ndarray:
        """Whoosh's BM25F score of one term in each of its documents (same formula and order of
        operations as whoosh.scoring.bm25, so the same floating-point results)."""
        searcher = self.searcher
        weighting = searcher.weighting
        if not isinstance(weighting, BM25F):
            raise Unsupported(type(weighting).__name__)
        if not searcher.schema[fieldname].scorable:
            return postings.weights.copy()
        # WeightingModel.idf, with the document frequency summed while reading the postings
        # (Whoosh would look the term up in every segment again).
        idf = log(searcher.doc_count_all() / (postings.df + 1)) + 1
        avgfl = searcher.avg_field_length(fieldname) or 1
        B = weighting._field_B.get(fieldname, weighting.B)  # noqa: SLF001, N806
        K1 = weighting.K1  # noqa: N806
        tf = postings.weights
        fl = self.field_lengths(fieldname)[postings.docs]
        return idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * fl / avgfl)))


def _list_weights(matcher: ListMatcher, count: int) -> np.ndarray:
    """ListMatcher.weight() for every posting: one weight for all, one each, or 1.0."""
    if matcher._all_weights:  # noqa: SLF001
        return np.full(count, float(matcher._all_weights))  # noqa: SLF001
    if matcher._weights:  # noqa: SLF001
        return np.asarray(matcher._weights, dtype=np.float64)  # noqa: SLF001
    return np.ones(count, dtype=np.float64)


def score_query(
    searcher: Searcher,
    query: wq.Query,
    live: np.ndarray,
    deadline: float = float("inf"),
    expand: Callable[[wq.Query], list[bytes] | None] | None = None,
    within: np.ndarray | None = None,
    lengths: dict[str, np.ndarray] | None = None,
) -> Scored | None:
    """The matches and scores of `query` over all documents, or None when a node of it is of a
    kind evaluated only by Whoosh. Raises OutOfTime past `deadline` (time.monotonic()).
    `expand` may give the words of a prefix, wildcard or fuzzy term (see whoosh_vocabulary);
    when it gives None, Whoosh's own expansion is used.

    `within` (a mask of documents) restricts the matches to those documents, at a cost that
    follows them rather than the index: segments without any of them are not read, nor the
    blocks of a posting list before the first or after the last of them. The scores are those of
    the whole index (its document frequencies and field lengths).

    `lengths`: a dict kept for the searcher's reader, so its field lengths are read once, not per query."""
    if within is not None:
        live = live & within
    context = ScoringContext(searcher, live, deadline, expand, restricted=within is not None, lengths={} if lengths is None else lengths)
    try:
        scored = _evaluate(context, query)
    except Unsupported:
        return None
    scored.mask &= live
    return scored


def _empty(context: ScoringContext) -> Scored:
    return Scored(np.zeros(context.size, dtype=bool), np.zeros(context.size, dtype=np.float64))


def _boosted(scored: Scored, boost: float) -> Scored:
    if boost != 1.0:
        scored.scores *= boost
    return scored


def _evaluate(context: ScoringContext, query: wq.Query) -> Scored:
    context.check_time()
    kind = type(query)
    if kind is wq.Every:
        return Scored(context.live.copy(), np.zeros(context.size, dtype=np.float64))
    if query is wq.NullQuery or kind is type(wq.NullQuery):
        return _empty(context)
    if kind is wq.Term:
        return _boosted(_term(context, query.fieldname, query.text), query.boost)
    if kind is wq.Prefix and not query.text:
        raise Unsupported("an empty prefix: Whoosh matches every document with the field")
    if isinstance(query, wq.MultiTerm) and kind in (wq.Prefix, wq.Wildcard, wq.FuzzyTerm, wq.Regex, wq.Variations, wq.TermRange):
        return _expanded(context, query)
    if kind is wq.Phrase:
        return _boosted(_phrase(context, query), query.boost)
    if kind is wq.Not:
        inner = _evaluate(context, query.query)
        return Scored(context.live & ~inner.mask, np.full(context.size, float(query.boost)))
    if kind in (wq.And, wq.Or) and query.subqueries:
        if kind is wq.Or and (query.minmatch or query.scale):
            raise Unsupported("Or with minmatch or scale")
        children = [_evaluate(context, sub) for sub in query.subqueries]
        if len(children) == 1:  # Whoosh passes a single child through, without the boost
            return children[0]
        if kind is wq.And:
            mask = np.logical_and.reduce([child.mask for child in children])
        else:
            mask = np.logical_or.reduce([child.mask for child in children])
        scores = np.zeros(context.size, dtype=np.float64)
        for child in children:
            np.add(scores, child.scores, out=scores, where=child.mask)
        return _boosted(Scored(mask, scores), query.boost)
    if kind is wq.AndNot:
        positive, negative = _evaluate(context, query.a), _evaluate(context, query.b)
        positive.mask &= ~negative.mask
        return positive
    if kind is wq.AndMaybe:
        required, optional = _evaluate(context, query.a), _evaluate(context, query.b)
        both = required.mask & optional.mask
        required.scores[both] += optional.scores[both]
        return required
    raise Unsupported(kind.__name__)


def _btext(context: ScoringContext, fieldname: str, text: str | bytes) -> bytes | None:
    schema = context.searcher.schema
    if fieldname not in schema:
        return None
    if isinstance(text, bytes):
        return text
    try:
        return schema[fieldname].to_bytes(text)
    except ValueError:
        return None


def _term(context: ScoringContext, fieldname: str, text: str | bytes) -> Scored:
    btext = _btext(context, fieldname, text)
    scored = _empty(context)
    if btext is None:
        return scored
    postings = context.postings(fieldname, btext)
    if postings.docs.size:
        scored.mask[postings.docs] = True
        scored.scores[postings.docs] = context.bm25(fieldname, btext, postings)
    return scored


def _expanded(context: ScoringContext, query: wq.MultiTerm) -> Scored:
    """Prefix, wildcard, fuzzy...: the union of the words it expands to, each scored as a term
    with the query's boost (as Whoosh's MultiTerm.matcher builds it)."""
    fieldname = query.field()
    if fieldname not in context.searcher.schema:
        return _empty(context)
    scored = _empty(context)
    words = context.expand(query) if context.expand is not None else None
    if words is not None and len(words) > MAX_EXPANSION:
        raise TooBroad(str(query), len(words))
    if words is None:
        words = list(itertools.islice(query._btexts(context.searcher.reader()), MAX_EXPANSION + 1))  # noqa: SLF001
        if len(words) > MAX_EXPANSION:
            raise TooBroad(str(query), None)
    field_obj = context.searcher.schema[fieldname]
    for word in words:
        if not word:
            continue
        btext = word if isinstance(word, bytes) else field_obj.to_bytes(word)  # Whoosh's fuzzy expansion gives text
        context.check_time()
        postings = context.postings(fieldname, btext)
        if postings.docs.size:
            scored.mask[postings.docs] = True
            scored.scores[postings.docs] += context.bm25(fieldname, btext, postings) * query.boost
    return scored


def _position_keys(docs: np.ndarray, values: list[bytes]) -> np.ndarray:
    """(document << 32 | position) for every position in these Positions-format values."""
    deltas = [
        pickle.loads(value[_INT_SIZE:] if value.endswith(b".") else value[_INT_SIZE:] + b".")  # noqa: S301 - the index's own data
        for value in values
    ]
    counts = np.fromiter(map(len, deltas), dtype=np.int64, count=len(deltas))
    flat = np.fromiter(itertools.chain.from_iterable(deltas), dtype=np.int64, count=int(counts.sum()))
    running = np.cumsum(flat)
    before = np.concatenate(([0], running))[np.cumsum(counts) - counts]  # the sum up to each document's first delta
    positions = running - np.repeat(before, counts)
    return (np.repeat(docs, counts) << 32) | positions


def _phrase(context: ScoringContext, query: wq.Phrase) -> Scored:
    """Documents where the words follow each other within the slop, in order, scored as
    Whoosh's SpanNear2 over the words' terms: the sum of the words' BM25F scores."""
    fieldname = query.fieldname
    scored = _empty(context)
    schema = context.searcher.schema
    if fieldname not in schema:
        return scored
    fmt = schema[fieldname].format
    if not fmt or not fmt.supports("positions"):
        raise Unsupported("phrase on a field without positions")
    btexts = [_btext(context, fieldname, word) for word in query.words]
    if not btexts or any(b is None for b in btexts):
        return scored
    lists = [context.postings(fieldname, b, values=True) for b in btexts]  # type: ignore[arg-type]
    if any(p.docs.size == 0 for p in lists):
        return scored
    candidates = min(lists, key=lambda p: p.docs.size).docs
    for postings in lists:
        candidates = np.intersect1d(candidates, postings.docs, assume_unique=True)
    if candidates.size == 0:
        return scored
    # Positions of each word in the candidate documents only.
    keys: list[np.ndarray] = []
    for postings in lists:
        context.check_time()
        pick = np.flatnonzero(np.isin(postings.docs, candidates, assume_unique=True))
        keys.append(_position_keys(postings.docs[pick], [postings.values[i] for i in pick.tolist()]))  # type: ignore[index]
    slop = min(max(1, int(query.slop)), 2**31)  # "a b"~N: within N positions
    ends = np.unique(keys[0])
    for following in keys[1:]:
        # The next word 1..slop positions after the end of a span so far, in the same document:
        # the nearest end before each position decides.
        before = np.searchsorted(ends, following, side="left") - 1
        nearest = ends[np.maximum(before, 0)]
        reached = (before >= 0) & (following - nearest <= slop) & ((nearest >> 32) == (following >> 32))
        ends = np.unique(following[reached])
        if ends.size == 0:
            return scored
    found = np.unique(ends >> 32)
    scores = np.zeros(context.size, dtype=np.float64)
    for btext, postings in zip(btexts, lists, strict=True):
        keep = np.isin(postings.docs, found, assume_unique=True)
        part = Postings(postings.docs[keep], postings.weights[keep], df=postings.df)
        scores[part.docs] += context.bm25(fieldname, btext, part)  # type: ignore[arg-type]
    scored.mask[found] = True
    scored.scores = scores
    return scored
