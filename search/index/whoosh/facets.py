"""Facet counting for the Whoosh engine: per-document value arrays, built once per index reader.

Whoosh's own faceting (groupedby=) scores and sorts every match and runs a query per date
bucket; here each document number maps to an outlet code, a day and a list of actor ids in
NumPy arrays, and counting over a set of matches is a bincount.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from whoosh.reading import IndexReader

from search.index.base import FacetCounts, SearchQuery


@dataclass
class FacetArrays:
    size: int  # document numbers 0..size-1 (deleted ones included; masks exclude them)
    outlet_codes: np.ndarray  # int32 per doc, -1 for no outlet
    outlet_names: list[str]
    outlet_index: dict[str, int]
    days: np.ndarray  # int32 ordinal per doc, 0 when undated
    actor_starts: np.ndarray  # int64, size+1: actor ids of doc d are actor_ids[starts[d]:starts[d+1]]
    actor_ids: np.ndarray  # int64
    actor_docs: np.ndarray  # int64 document number of each entry in actor_ids
    copy_docs: np.ndarray  # int64: document number of a copy ...
    copy_source_docs: np.ndarray  # ... and of the earlier article it copies (both in the index)
    article_ids: np.ndarray  # int64 article id per doc: hits need no stored-field reads
    actor_values: np.ndarray  # int64 sorted distinct actor ids ...
    actor_codes: np.ndarray  # ... and each entry of actor_ids as a position in it: counting is a bincount
    live: np.ndarray  # bool per doc: not deleted

    @classmethod
    def build(cls, reader: IndexReader) -> FacetArrays:
        size = reader.doc_count_all()
        names: list[str] = []
        index: dict[str, int] = {}
        codes = np.full(size, -1, dtype=np.int32)
        for docnum, name in enumerate(reader.column_reader("outlet_name")):
            if name:
                code = index.get(name)
                if code is None:
                    code = index[name] = len(names)
                    names.append(name)
                codes[docnum] = code
        days = np.fromiter(reader.column_reader("day"), dtype=np.int32, count=size)
        lengths = np.zeros(size, dtype=np.int64)
        flat: list[int] = []
        for docnum, value in enumerate(reader.column_reader("actors")):
            if value:
                ids = value.decode().split() if isinstance(value, bytes) else value.split()
                lengths[docnum] = len(ids)
                flat.extend(map(int, ids))
        starts = np.zeros(size + 1, dtype=np.int64)
        np.cumsum(lengths, out=starts[1:])
        actor_ids = np.array(flat, dtype=np.int64)
        actor_docs = np.repeat(np.arange(size, dtype=np.int64), lengths)
        article_ids = np.fromiter((int(v or 0) for v in reader.column_reader("article_id")), dtype=np.int64, count=size)
        live = np.zeros(size, dtype=bool)
        live[np.fromiter(reader.all_doc_ids(), dtype=np.int64)] = True
        copy_docs, copy_source_docs = _copy_pairs(reader, article_ids, live)
        actor_values, actor_codes = np.unique(actor_ids, return_inverse=True)
        return cls(
            size, codes, names, index, days, starts, actor_ids, actor_docs, copy_docs, copy_source_docs, article_ids,
            actor_values, actor_codes.astype(np.int32), live,
        )

    def collapse(self, results: np.ndarray) -> np.ndarray:
        """Drop copies whose source is among the results too (the source stays)."""
        if not self.copy_docs.size:
            return results
        hide = self.copy_docs[results[self.copy_docs] & results[self.copy_source_docs]]
        kept = results.copy()
        kept[hide] = False
        return kept

    # --- selections ---------------------------------------------------------------------

    def outlet_mask(self, outlets: tuple[str, ...]) -> np.ndarray:
        wanted = [self.outlet_index[name] for name in outlets if name in self.outlet_index]
        return np.isin(self.outlet_codes, wanted)

    def actor_mask(self, actors: tuple[int, ...]) -> np.ndarray:
        mask = np.zeros(self.size, dtype=bool)
        hits = self.actor_docs[np.isin(self.actor_ids, np.array(actors, dtype=np.int64))]
        mask[hits] = True
        return mask

    def date_mask(self, query: SearchQuery) -> np.ndarray:
        mask = np.zeros(self.size, dtype=bool)
        if query.date_from or query.date_to:
            low = query.date_from.toordinal() if query.date_from else 1
            high = query.date_to.toordinal() if query.date_to else np.iinfo(np.int32).max
            mask |= (self.days >= low) & (self.days <= high)
        if query.undated:
            mask |= self.days == 0
        return mask

    # --- counting -------------------------------------------------------------------------

    def count(self, base: np.ndarray, query: SearchQuery) -> tuple[np.ndarray, FacetCounts | None]:
        """(mask of the results, facet counts or None). `base` is the mask of the text query."""
        selections: dict[str, np.ndarray] = {}
        if query.outlets:
            selections["outlet"] = self.outlet_mask(query.outlets)
        if query.actors:
            selections["actor"] = self.actor_mask(query.actors)
        if query.has_date_filter:
            selections["date"] = self.date_mask(query)

        def without(name: str) -> np.ndarray:
            mask = base.copy()
            for other, selected in selections.items():
                if other != name:
                    mask &= selected
            return mask

        results = without("")
        if not query.facets:
            return results, None
        facets = FacetCounts()
        # outlets
        in_scope = without("outlet")
        codes = self.outlet_codes[in_scope]
        counts = np.bincount(codes[codes >= 0], minlength=len(self.outlet_names))
        top = _top(counts, query.facet_size, [self.outlet_index[o] for o in query.outlets if o in self.outlet_index])
        facets.outlets = [(self.outlet_names[i], int(counts[i])) for i in top]
        facets.outlet_values = int(np.count_nonzero(counts))
        # actors
        in_scope = without("actor")
        if self.actor_ids.size:
            counts = np.bincount(self.actor_codes[in_scope[self.actor_docs]], minlength=self.actor_values.size)
            wanted = np.array(query.actors, dtype=np.int64)
            positions = np.searchsorted(self.actor_values, wanted)
            known = positions < self.actor_values.size
            selected = positions[known][self.actor_values[positions[known]] == wanted[known]].tolist()
            top = _top(counts, query.facet_size, selected)
            # A selected actor with no match in scope still shows (with 0), as before.
            facets.actors = [(int(self.actor_values[i]), int(counts[i])) for i in top]
            facets.actor_values = int(np.count_nonzero(counts))
        # days
        in_scope = without("date")
        days = self.days[in_scope]
        facets.undated = int(np.count_nonzero(days == 0))
        dated = days[days > 0]
        if dated.size:
            values, counts = np.unique(dated, return_counts=True)
            facets.days = {dt.date.fromordinal(int(v)): int(c) for v, c in zip(values, counts, strict=True)}
        return results, facets


def _copy_pairs(reader: IndexReader, article_ids: np.ndarray, live: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    doc_of_id = {article_id: docnum for docnum, article_id in zip(np.flatnonzero(live).tolist(), article_ids[live].tolist()) if article_id}
    copies: list[int] = []
    sources: list[int] = []
    for docnum, value in enumerate(reader.column_reader("copy_of")):
        if value:
            for source in (value.decode() if isinstance(value, bytes) else value).split():
                source_doc = doc_of_id.get(int(source))
                if source_doc is not None:
                    copies.append(docnum)
                    sources.append(source_doc)
    return np.array(copies, dtype=np.int64), np.array(sources, dtype=np.int64)


def _top(counts: np.ndarray, size: int, always: list[int]) -> list[int]:
    """Indices of the `size` largest non-zero counts (ties by index), plus `always`, largest first."""
    nonzero = np.flatnonzero(counts)
    if nonzero.size > size:
        part = np.argpartition(-counts[nonzero], size - 1)[:size]
        chosen = nonzero[part]
    else:
        chosen = nonzero
    picked = set(chosen.tolist()) | set(always)
    return sorted(picked, key=lambda i: (-int(counts[i]), i))
