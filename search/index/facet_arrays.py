"""Facet counting over per-document value arrays, shared by the engines.

Each document number (a position in the arrays) maps to an outlet code, a day and a list of
actor ids in NumPy arrays, and counting over a set of matches is a bincount. The Whoosh engine
builds them from its index reader (search.index.whoosh.facets, prepared at each commit); the
postgres engine from its table, block by block (search.index.postgres.arrays). An engine that
finds the matching documents hands their mask to `count`; collapsing, facet counts, who covered
it first and pages by date follow from the arrays alone.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

import numpy as np

from search.index.base import FacetCounts, Hit, SearchQuery


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
        """(mask of the results, facet counts or None). `base` is the mask of the text query.

        With a facet budget, counting runs over ranges of document numbers, each holding twice as
        many results as the one before; when the budget is spent, the counts are those of the ranges
        counted so far (`partial`, over `counted` results). The first range is always counted."""
        selections: dict[str, np.ndarray] = {}
        if query.outlets or query.exclude_outlets:
            mask = self.outlet_mask(query.outlets) if query.outlets else np.ones(self.size, dtype=bool)
            if query.exclude_outlets:
                mask &= ~self.outlet_mask(query.exclude_outlets)
            selections["outlet"] = mask
        if query.actors or query.exclude_actors:
            mask = self.actor_mask(query.actors) if query.actors else np.ones(self.size, dtype=bool)
            if query.exclude_actors:
                mask &= ~self.actor_mask(query.exclude_actors)
            selections["actor"] = mask
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
        scope = {name: without(name) for name in ("outlet", "actor", "date")}
        started = time.monotonic()
        ranges = self._ranges(results, scope, query.facet_budget is not None)
        outlet_counts = np.zeros(len(self.outlet_names), dtype=np.int64)
        actor_counts = np.zeros(self.actor_values.size, dtype=np.int64)
        day_parts: list[np.ndarray] = []
        split_parts: list[np.ndarray] = []
        counted_to = 0
        for lo, hi in ranges:
            codes = self.outlet_codes[lo:hi][scope["outlet"][lo:hi]]
            outlet_counts += np.bincount(codes[codes >= 0], minlength=len(self.outlet_names))
            if self.actor_ids.size:
                a, b = int(self.actor_starts[lo]), int(self.actor_starts[hi])
                inside = scope["actor"][self.actor_docs[a:b]]
                actor_counts += np.bincount(self.actor_codes[a:b][inside], minlength=self.actor_values.size)
            in_dates = scope["date"][lo:hi]
            day_parts.append(self.days[lo:hi][in_dates])
            if query.coverage:
                split_parts.append(self.outlet_codes[lo:hi][in_dates].astype(np.int64) << 32 | self.days[lo:hi][in_dates])
            counted_to = hi
            if query.facet_budget is not None and time.monotonic() - started > query.facet_budget:
                break
        facets = FacetCounts()
        if counted_to < self.size and np.any(results[counted_to:] | scope["outlet"][counted_to:] | scope["actor"][counted_to:] | scope["date"][counted_to:]):
            facets.partial = True
            facets.counted = int(np.count_nonzero(results[:counted_to]))
        # outlets
        top = _top(outlet_counts, query.facet_size, [self.outlet_index[o] for o in (*query.outlets, *query.exclude_outlets) if o in self.outlet_index])
        facets.outlets = [(self.outlet_names[i], int(outlet_counts[i])) for i in top]
        facets.outlet_values = int(np.count_nonzero(outlet_counts))
        # actors
        if self.actor_ids.size:
            wanted = np.array((*query.actors, *query.exclude_actors), dtype=np.int64)
            positions = np.searchsorted(self.actor_values, wanted)
            known = positions < self.actor_values.size
            selected = positions[known][self.actor_values[positions[known]] == wanted[known]].tolist()
            top = _top(actor_counts, query.facet_size, selected)
            # A selected or excluded actor with no match in scope still shows (with 0).
            facets.actors = [(int(self.actor_values[i]), int(actor_counts[i])) for i in top]
            facets.actor_values = int(np.count_nonzero(actor_counts))
        # days
        days = np.concatenate(day_parts) if day_parts else np.zeros(0, dtype=np.int32)
        facets.undated = int(np.count_nonzero(days == 0))
        dated = days[days > 0]
        if dated.size:
            values, counts = np.unique(dated, return_counts=True)
            facets.days = {dt.date.fromordinal(int(v)): int(c) for v, c in zip(values, counts, strict=True)}
        if query.coverage:
            facets.outlet_days = self._outlet_days(np.concatenate(split_parts) if split_parts else np.zeros(0, dtype=np.int64), query.coverage_outlets)
            facets.first = self.first_by_outlet(results)
        return results, facets

    def select(self, base: np.ndarray, query: SearchQuery) -> tuple[np.ndarray, FacetCounts | None, int, int | None]:
        """(mask of the results after selections and collapsing, facet counts or None, total,
        total before collapsing or None): what every engine does with its text query's mask."""
        results, counts = self.count(base, query)
        uncollapsed = None
        if query.collapse:
            uncollapsed = int(np.count_nonzero(results))
            results = self.collapse(results)
        return results, counts, int(np.count_nonzero(results)), uncollapsed

    def _ranges(self, results: np.ndarray, scope: dict[str, np.ndarray], budgeted: bool) -> list[tuple[int, int]]:
        """Ranges of document numbers to count, in order: one for all without a budget; with one,
        ranges holding 1/64 of the results, then twice as many each time (a range ends after a result)."""
        if not budgeted:
            return [(0, self.size)]
        docs = np.flatnonzero(results)
        if not docs.size:  # no results, but the facets count the other selections' scopes
            docs = np.flatnonzero(scope["outlet"] | scope["actor"] | scope["date"])
        if not docs.size:
            return [(0, self.size)]
        ranges: list[tuple[int, int]] = []
        step, done, lo = max(1, docs.size >> 6), 0, 0
        while done < docs.size:
            done = min(docs.size, done + step)
            hi = int(docs[done - 1]) + 1 if done < docs.size else self.size
            ranges.append((lo, hi))
            lo, step = hi, step * 2
        return ranges

    def _outlet_days(self, keys: np.ndarray, top: int) -> dict[str, dict[dt.date, int]]:
        """{outlet: {day: count}} from (outlet code << 32 | day ordinal) keys, for the `top` outlets
        with the most dated keys (ties by name)."""
        out: dict[str, dict[dt.date, int]] = {}
        keys = keys[((keys >> 32) >= 0) & ((keys & 0xFFFFFFFF) > 0)]
        if not keys.size or top <= 0:
            return out
        per_outlet = np.bincount((keys >> 32).astype(np.int64), minlength=len(self.outlet_names))
        present = np.flatnonzero(per_outlet)
        chosen = sorted(present.tolist(), key=lambda code: (-int(per_outlet[code]), self.outlet_names[code]))[:top]
        keys = keys[np.isin(keys >> 32, chosen)]
        values, counts = np.unique(keys, return_counts=True)
        for key, count in zip(values.tolist(), counts.tolist(), strict=True):
            out.setdefault(self.outlet_names[key >> 32], {})[dt.date.fromordinal(key & 0xFFFFFFFF)] = count
        return out

    def first_by_outlet(self, results: np.ndarray) -> list[tuple[str, int, dt.date | None]]:
        """Each outlet's first result by day (then article id), earliest first; undated-only outlets
        last; articles without an outlet as one entry named ""."""
        docs = np.flatnonzero(results)
        if not docs.size:
            return []
        codes = self.outlet_codes[docs]
        days = self.days[docs].astype(np.int64)
        undated_key = np.where(days == 0, np.iinfo(np.int64).max, days)
        order = np.lexsort((self.article_ids[docs], undated_key, codes))
        _, first = np.unique(codes[order], return_index=True)
        picks = order[first]
        picks = picks[np.lexsort((self.article_ids[docs][picks], undated_key[picks]))]
        return [
            (self.outlet_names[code] if code >= 0 else "", int(article_id), dt.date.fromordinal(day) if day else None)
            for code, article_id, day in zip(codes[picks].tolist(), self.article_ids[docs][picks].tolist(), days[picks].tolist(), strict=True)
        ]

    def by_date(self, results: np.ndarray, query: SearchQuery) -> list[Hit]:
        """The page by date: undated last, then newest (or oldest) first, then article id."""
        docs = np.flatnonzero(results)
        days = self.days[docs].astype(np.int64)
        order = np.lexsort((self.article_ids[docs], -days if query.sort != "oldest" else days, days == 0))
        page = docs[order[query.offset : query.offset + query.limit]]
        return [Hit(int(article_id), None) for article_id in self.article_ids[page].tolist()]



def _top(counts: np.ndarray, size: int, always: list[int]) -> list[int]:
    """Indices of the `size` largest non-zero counts (ties by index), plus `always`, largest first."""
    nonzero = np.flatnonzero(counts)
    if nonzero.size > size > 0:
        # The size-th largest count; of the values tied at it, the lowest indices (ties by value).
        values = counts[nonzero]
        threshold = -np.partition(-values, size - 1)[size - 1]
        above = nonzero[values > threshold]
        chosen = np.concatenate([above, nonzero[values == threshold][: size - above.size]])
    elif size > 0:
        chosen = nonzero
    else:
        chosen = nonzero[:0]
    picked = set(chosen.tolist()) | set(always)
    return sorted(picked, key=lambda i: (-int(counts[i]), i))
