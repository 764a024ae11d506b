"""The embedded engine: Whoosh, one writer per index, a reused searcher per thread."""

from __future__ import annotations

import datetime as dt
import errno
import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

import numpy as np
from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.collectors import TimeLimit, TimeLimitCollector
from whoosh.filedb.filestore import FileStorage
from whoosh.index import LockError
from whoosh.qparser.dateparse import DateParserPlugin
from whoosh.qparser import (
    FieldAliasPlugin,
    FuzzyTermPlugin,
    GtLtPlugin,
    MultifieldParser,
)
from whoosh.searching import Searcher
from whoosh.sorting import FieldFacet
from whoosh.writing import SegmentWriter

from search.index.base import (
    BackendWriter,
    Hit,
    IndexDocument,
    IndexLocked,
    IndexUnavailable,
    SearchBackend,
    SearchQuery,
    SearchResults,
)
from search.index.whoosh_facets import FacetArrays
from search.index.whoosh_schema import build_schema
from search.query.syntax import tidy_query

INDEX_NAME = "articles"
SEARCH_TIME_LIMIT = 5.0  # seconds; a query running longer returns what it found so far
LOCK_NAME = f"{INDEX_NAME}_WRITELOCK"
_WORDS = re.compile(r"\w+")


def _midnight(day: dt.date | None) -> dt.datetime | None:
    return dt.datetime(day.year, day.month, day.day) if day else None


class WhooshWriter(BackendWriter):
    def __init__(self, writer: SegmentWriter) -> None:
        self._writer = writer

    def update(self, docs: Iterable[IndexDocument]) -> None:
        for doc in docs:
            self._writer.update_document(
                id=str(doc["id"]),
                article_id=doc["id"],
                copy_of=" ".join(map(str, doc["copy_of"])),
                title=doc["title"],
                body=doc["body"],
                outlet=doc["outlet"],
                outlet_name=doc["outlet"],
                authors="; ".join(doc["authors"]),
                date=_midnight(doc["date"]),
                day=doc["date"].toordinal() if doc["date"] else 0,
                undated=0 if doc["date"] else 1,
                actors=" ".join(map(str, doc["actors"])),
                actor="; ".join(doc["actor_names"]),
                fingerprint=doc["fingerprint"],
            )

    def delete(self, article_ids: Iterable[int]) -> None:
        for article_id in article_ids:
            self._writer.delete_by_term("id", str(article_id))

    def commit(self) -> None:
        try:
            self._writer.commit()
        except OSError as exc:
            raise IndexUnavailable(_describe_os_error(exc)) from exc

    def cancel(self) -> None:
        self._writer.cancel()


def _describe_os_error(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return f"the disk holding the index is full ({exc.filename or ''}): free space, then run the command again"
    if exc.errno in (errno.EACCES, errno.EROFS, errno.EPERM):
        return f"the index folder is not writable ({exc.filename or ''}): fix its permissions"
    return f"index I/O error: {exc}"


class WhooshBackend(SearchBackend):
    def __init__(self, path: str) -> None:
        super().__init__(path)
        self._local = threading.local()
        self.schema = build_schema()

    # --- storage -----------------------------------------------------------------------

    def _storage(self) -> FileStorage:
        # Without mmap a searcher opens in milliseconds and does not copy postings onto the heap.
        return FileStorage(self.path, supports_mmap=False)

    def exists(self) -> bool:
        return os.path.isdir(self.path) and whoosh_index.exists_in(self.path, indexname=INDEX_NAME)

    def _open_index(self, create: bool = False) -> whoosh_index.Index:
        try:
            if not self.exists():
                if not create:
                    raise IndexUnavailable("the search index has not been built yet: run `python manage.py rebuild_index`")
                os.makedirs(self.path, exist_ok=True)
                return self._storage().create().create_index(self.schema, indexname=INDEX_NAME)
            return self._storage().open_index(indexname=INDEX_NAME, schema=self.schema)
        except OSError as exc:
            raise IndexUnavailable(_describe_os_error(exc)) from exc

    def open_writer(self, timeout: float = 0.0) -> WhooshWriter:
        ix = self._open_index(create=True)
        try:
            writer = ix.writer(timeout=timeout, limitmb=256)
        except LockError as exc:
            raise IndexLocked(
                f"another process is writing to the index at {self.path} (an import or the index worker). "
                "Wait for it to finish; if none is running, a killed process left its lock behind: "
                "run `python manage.py unlock_index`."
            ) from exc
        except OSError as exc:
            raise IndexUnavailable(_describe_os_error(exc)) from exc
        return WhooshWriter(writer)

    def reset(self) -> None:
        writer = self.open_writer()  # take the lock so no other writer is half-way through
        writer.cancel()
        try:
            os.makedirs(self.path, exist_ok=True)
            self._storage().create_index(self.schema, indexname=INDEX_NAME)
        except OSError as exc:
            raise IndexUnavailable(_describe_os_error(exc)) from exc
        self._local.__dict__.clear()

    def unlock(self) -> bool:
        lock = os.path.join(self.path, LOCK_NAME)
        if not os.path.exists(lock):
            return False
        probe = self._storage().lock(LOCK_NAME)
        if not probe.acquire(blocking=False):
            raise IndexLocked("the index lock is held by a running process: stop that process instead")
        probe.release()
        os.remove(lock)
        return True

    # --- reading -------------------------------------------------------------------------

    @contextmanager
    def searcher(self) -> Iterator[Searcher]:
        """This thread's searcher, reopened when the index has changed since it was opened.

        Not Searcher.refresh(): in whoosh3 3.54.0 it reuses a segment's old reader when a commit
        only deleted documents from it, so hidden articles stayed counted until a restart.
        """
        searcher: Searcher | None = getattr(self._local, "searcher", None)
        if searcher is not None and not searcher.up_to_date():
            searcher.close()
            searcher = None
        if searcher is None:
            searcher = self._open_index().searcher()
        self._local.searcher = searcher
        yield searcher

    def parser(self) -> MultifieldParser:
        parser = MultifieldParser(["title", "body"], self.schema)  # words are ANDed, as in web search
        parser.add_plugin(FuzzyTermPlugin())
        parser.add_plugin(GtLtPlugin())
        parser.add_plugin(DateParserPlugin(free=False))
        parser.add_plugin(FieldAliasPlugin({"authors": ["author", "by"], "date": ["published"], "actor": ["actors"]}))
        return parser

    def parse(self, text: str) -> tuple[wq.Query, list[str]]:
        text, messages = tidy_query(text)
        if not text:
            return wq.Every(), messages
        try:
            query = self.parser().parse(text)
        except Exception:  # noqa: BLE001 - Whoosh's parser raises assorted errors on odd syntax
            words = " ".join(_WORDS.findall(text))
            messages.append("The query could not be read as query syntax, so its words were searched instead.")
            if not words:
                return wq.Every(), messages
            query = self.parser().parse(words)
        if query is wq.NullQuery or query == wq.NullQuery:
            messages.append("Nothing searchable was left in the query (only very common words?): showing all articles.")
            return wq.Every(), messages
        return query, messages

    def facet_arrays(self, searcher: Searcher) -> FacetArrays:
        """Per-document facet values for this searcher's reader, built once per index version."""
        cached = getattr(self._local, "arrays", None)
        if cached is None or cached[0] is not searcher:
            cached = (searcher, FacetArrays.build(searcher.reader()))
            self._local.arrays = cached
        return cached[1]

    def search(self, query: SearchQuery) -> SearchResults:
        parsed, messages = self.parse(query.text)
        try:
            with self.searcher() as searcher:
                return self._run(searcher, parsed, query, messages)
        except IndexUnavailable as exc:
            return SearchResults(total=0, hits=[], messages=[*messages, f"{str(exc)[:1].upper()}{str(exc)[1:]}."])

    def _run(self, searcher: Searcher, parsed: wq.Query, query: SearchQuery, messages: list[str]) -> SearchResults:
        arrays = self.facet_arrays(searcher)
        base = np.zeros(arrays.size, dtype=bool)
        base[np.fromiter(searcher.docs_for_query(parsed), dtype=np.int64)] = True
        results_mask, facets = arrays.count(base, query)
        uncollapsed = None
        if query.collapse:
            uncollapsed = int(np.count_nonzero(results_mask))
            results_mask = arrays.collapse(results_mask)
        total = int(np.count_nonzero(results_mask))
        filtered = bool(query.outlets or query.actors or query.has_date_filter or query.collapse)
        hits: list[Hit] = []
        timed_out = False
        if total and query.limit:
            by_score = query.sort == "relevance" and not isinstance(parsed, wq.Every)
            # Undated articles come last in either date order.
            newest = query.sort != "oldest"
            sortedby = None if by_score else [FieldFacet("undated"), FieldFacet("day", reverse=newest), FieldFacet("id")]
            allow = set(np.flatnonzero(results_mask).tolist()) if filtered else None
            collector = searcher.collector(limit=query.offset + query.limit, sortedby=sortedby, filter=allow)
            timed = TimeLimitCollector(collector, timelimit=SEARCH_TIME_LIMIT, use_alarm=False)
            try:
                searcher.search_with_collector(parsed, timed)
            except TimeLimit:
                timed_out = True
                messages.append("The query took too long to rank; these are the best matches found before it was stopped.")
            page = collector.results()[query.offset : query.offset + query.limit]
            hits = [Hit(int(hit["id"]), hit.score if by_score else None) for hit in page]
        return SearchResults(
            total=total, hits=hits, messages=messages, timed_out=timed_out, facets=facets, uncollapsed_total=uncollapsed
        )

    def highlighter(self, query_text: str) -> Callable[[str], list[tuple[int, int]]]:
        """Words the query matches; a phrase is matched (and marked) only where its words follow each other."""
        parsed, _ = self.parse(query_text)
        if isinstance(parsed, wq.Every):
            return lambda text: []
        singles: set[str] = set()
        phrases: set[tuple[str, ...]] = set()
        try:
            with self.searcher() as searcher:
                reader = searcher.reader()
                for leaf in parsed.leaves():
                    if leaf.field() not in ("title", "body"):
                        continue
                    if isinstance(leaf, wq.Phrase):
                        phrases.add(tuple(leaf.words))
                        continue
                    # Query.existing_terms() skips fields after the first (whoosh3 3.54.0): expand here.
                    for _field, term in leaf.expanded_terms(reader, phrases=False):
                        singles.add(term.decode() if isinstance(term, bytes) else term)
        except IndexUnavailable:
            return lambda text: []
        analyzer = self.schema["body"].analyzer

        def spans_of(text: str) -> list[tuple[int, int]]:
            tokens = [(tok.text, tok.startchar, tok.endchar) for tok in analyzer(text, chars=True, mode="index")]
            spans = [(start, end) for word, start, end in tokens if word in singles]
            for words in phrases:
                size = len(words)
                for index in range(len(tokens) - size + 1):
                    if all(tokens[index + k][0] == words[k] for k in range(size)):
                        spans.append((tokens[index][1], tokens[index + size - 1][2]))
            return sorted(set(spans))

        return spans_of

    def fingerprints(self) -> dict[int, str]:
        try:
            with self.searcher() as searcher:
                return {int(fields["id"]): fields.get("fingerprint", "") for fields in searcher.all_stored_fields()}
        except IndexUnavailable:
            return {}

    def doc_count(self) -> int:
        try:
            with self.searcher() as searcher:
                return searcher.doc_count()
        except IndexUnavailable:
            return 0

