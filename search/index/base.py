"""The contract every search engine implements; views and commands only talk to this."""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal, TypedDict

SortOrder = Literal["relevance", "date", "oldest"]


class IndexDocument(TypedDict):
    id: int
    title: str
    body: str
    outlet: str
    authors: list[str]
    date: dt.date | None
    fingerprint: str


@dataclass(frozen=True)
class SearchQuery:
    """What to look for. `text` is in the query language; filters narrow the matches."""

    text: str = ""
    outlets: tuple[str, ...] = ()
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    sort: SortOrder = "relevance"
    offset: int = 0
    limit: int = 20


@dataclass
class Hit:
    article_id: int
    score: float | None


@dataclass
class SearchResults:
    total: int
    hits: list[Hit]
    messages: list[str] = field(default_factory=list)  # friendly notes about how the query was read
    timed_out: bool = False


class IndexLocked(Exception):
    """Another process holds the index writer."""


class IndexUnavailable(Exception):
    """The index cannot be opened or written (missing, read-only, disk full)."""


class BackendWriter(ABC):
    """The single writer: add or replace documents, delete them, then commit or cancel."""

    @abstractmethod
    def update(self, docs: Iterable[IndexDocument]) -> None: ...

    @abstractmethod
    def delete(self, article_ids: Iterable[int]) -> None: ...

    @abstractmethod
    def commit(self) -> None: ...

    @abstractmethod
    def cancel(self) -> None: ...


class SearchBackend(ABC):
    def __init__(self, path: str) -> None:
        self.path = path

    @abstractmethod
    def open_writer(self, timeout: float = 0.0) -> BackendWriter:
        """Raise IndexLocked when another writer holds the index longer than `timeout` seconds."""

    @abstractmethod
    def reset(self) -> None:
        """Create an empty index, dropping what was there (needs the writer lock)."""

    @abstractmethod
    def search(self, query: SearchQuery) -> SearchResults: ...

    @abstractmethod
    def match_spans(self, query_text: str, text: str) -> list[tuple[int, int]]:
        """Character spans of `text` that the query matches, for highlighting."""

    @abstractmethod
    def fingerprints(self) -> dict[int, str]:
        """Every indexed article id with the fingerprint of the document indexed for it."""

    @abstractmethod
    def doc_count(self) -> int: ...

    @abstractmethod
    def unlock(self) -> bool:
        """Remove a stale writer lock left by a killed process. True when one was removed."""
