"""The contract every search engine implements; views and commands only talk to this."""

from __future__ import annotations

import contextlib
import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypedDict

SortOrder = Literal["relevance", "date", "oldest"]


class IndexDocument(TypedDict):
    id: int
    title: str
    body: str
    outlet: str
    authors: list[str]
    date: dt.date | None
    actors: list[int]  # actor ids
    actor_names: list[str]  # searchable as actor:kadyrov
    copy_of: list[int]  # earlier articles this one mostly copies (collapse hides it when they match too)
    fingerprint: str


@dataclass(frozen=True)
class SearchQuery:
    """What to look for. `text` is in the query language; filters narrow the matches."""

    text: str = ""
    outlets: tuple[str, ...] = ()  # OR within the facet
    actors: tuple[int, ...] = ()  # OR within the facet
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    undated: bool = False  # the date selection includes articles without a date
    sort: SortOrder = "relevance"
    offset: int = 0
    limit: int = 20
    collapse: bool = False  # hide articles that mostly copy another matching article
    facets: bool = False  # also count outlets, actors and days over all matches
    facet_size: int = 200  # values per facet returned (most frequent first, plus the selected ones)
    exclude_outlets: tuple[str, ...] = ()  # never these outlets (a selection of the outlet facet: its counts ignore it)
    exclude_actors: tuple[int, ...] = ()  # never articles naming any of these actors (likewise for the actor facet)
    facet_budget: float | None = None  # seconds for counting facets; beyond it, counts over the part counted (partial)
    coverage: bool = False  # with facets: also days per outlet and each outlet's first match (FacetCounts.outlet_days, .first)
    coverage_outlets: int = 6  # with coverage: the days of this many outlets (those with the most dated matches)
    # Only these article ids can match (saved searches run over new articles), as if the index held
    # them alone (collapse and facets look at them only), ranked as in the whole index.
    within: tuple[int, ...] | None = None

    @property
    def has_date_filter(self) -> bool:
        return bool(self.date_from or self.date_to or self.undated)


@dataclass
class FacetCounts:
    """Counts over all matching articles. Each facet is counted with the other facets' selections
    applied but not its own (disjunctive faceting), so unselected values keep their counts."""

    outlets: list[tuple[str, int]] = field(default_factory=list)
    actors: list[tuple[int, int]] = field(default_factory=list)
    days: dict[dt.date, int] = field(default_factory=dict)
    undated: int = 0
    outlet_values: int = 0  # how many distinct values had a count, before facet_size cut
    actor_values: int = 0
    partial: bool = False  # the facet budget ran out: counts are over the first `counted` matches only
    counted: int | None = None  # with partial: how many matching articles were counted
    # With SearchQuery.coverage (None when the engine does not compute them; search.query.coverage
    # then works them out from the matching ids): {outlet: {day: count}} over the date facet's scope
    # (the results without the date selection), for the `coverage_outlets` outlets with the most
    # dated matches there (ties by name) ...
    outlet_days: dict[str, dict[dt.date, int]] | None = None
    # ... and each outlet's first match in the results: (outlet or "", article id, day or None),
    # earliest first (ties by article id), outlets with only undated matches last.
    first: list[tuple[str, int, dt.date | None]] | None = None


@dataclass
class Hit:
    article_id: int
    score: float | None


@dataclass
class SearchResults:
    total: int  # after collapsing, when asked to
    hits: list[Hit]
    messages: list[str] = field(default_factory=list)  # friendly notes about how the query was read
    timed_out: bool = False
    facets: FacetCounts | None = None
    uncollapsed_total: int | None = None  # with collapse: how many matched before copies were hidden


class IndexLocked(Exception):
    """Another process holds the index writer."""


class IndexUnavailable(Exception):
    """The index cannot be opened or written (missing, read-only, disk full)."""


class BackendWriter(ABC):
    """The single writer: add or replace documents, delete them, then commit or cancel."""

    @abstractmethod
    def update(self, docs: Iterable[IndexDocument]) -> None: ...

    def encode(self, docs: list[IndexDocument]) -> Any:
        """The writer's own form of these documents, made without touching the index: work a
        rebuild runs in another thread, ahead of the writes (see outbox.rebuild_now)."""
        return docs

    def write_encoded(self, encoded: Any) -> None:
        """update() with what encode() made."""
        self.update(encoded)

    @abstractmethod
    def delete(self, article_ids: Iterable[int]) -> None: ...

    @abstractmethod
    def commit(self) -> None: ...

    @abstractmethod
    def cancel(self) -> None: ...


class SearchBackend(ABC):
    # True: the engine writes in the caller's database transaction, so the outbox indexes
    # changed articles at once instead of queueing them (the index never lags the articles).
    transactional: bool = False

    def __init__(self, path: str) -> None:
        self.path = path

    @abstractmethod
    def open_writer(self, timeout: float = 0.0, processes: int = 1) -> BackendWriter:
        """Raise IndexLocked when another writer holds the index longer than `timeout` seconds.

        `processes` > 1 asks for parallel analysis in bulk work (rebuilds); engines may ignore it."""

    @abstractmethod
    def reset(self) -> None:
        """Create an empty index, dropping what was there (needs the writer lock)."""

    @abstractmethod
    def search(self, query: SearchQuery) -> SearchResults: ...

    def search_many(self, queries: Sequence[SearchQuery]) -> list[SearchResults]:
        """The results of each query, in order (saved searches at import run together); engines
        may share their per-search set-up among them."""
        return [self.search(query) for query in queries]

    def bulk_load(self) -> contextlib.AbstractContextManager[None]:
        """Around a whole rebuild, right after reset(), in the rebuild's transaction: an engine
        may set up for writing everything at once (the postgres engine builds its text indexes
        after the rows instead of row by row)."""
        return contextlib.nullcontext()

    def warm(self) -> None:
        """Prepare what a process's first search would otherwise pay for (a web worker calls
        this once as it starts: gunicorn.conf.py): by default, one search for everything."""
        self.search(SearchQuery(text="", limit=1))

    @abstractmethod
    def highlighter(self, query_text: str) -> Callable[[str], list[tuple[int, int]]]:
        """A function giving the character spans of a text that the query matches (the query is
        read once, then applied to any number of texts)."""

    def match_spans(self, query_text: str, text: str) -> list[tuple[int, int]]:
        return self.highlighter(query_text)(text)

    @abstractmethod
    def fingerprints(self) -> dict[int, str]:
        """Every indexed article id with the fingerprint of the document indexed for it."""

    @abstractmethod
    def doc_count(self) -> int: ...

    @abstractmethod
    def unlock(self) -> bool:
        """Remove a stale writer lock left by a killed process. True when one was removed."""
