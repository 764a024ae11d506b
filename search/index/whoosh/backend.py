"""The embedded engine: Whoosh, one writer per index, a reused searcher per thread."""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext

import numpy as np
from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.collectors import ScoredCollector, TimeLimit, TimeLimitCollector
from whoosh.filedb.filestore import FileStorage
from whoosh.index import LockError
from whoosh.qparser import MultifieldParser
from whoosh.reading import TermNotFound
from whoosh.searching import Searcher
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
from search.index.whoosh import prepared
from search.index.whoosh.diagnosis import describe_os_error, lock_holder
from search.index.facet_arrays import FacetArrays
from search.index.whoosh import facets as whoosh_facets
from search.index.highlight import Highlighter
from search.index.whoosh.vocabulary import Vocabulary
from search.index.whoosh.schema import build_schema
from search.index.whoosh.scoring import MAX_EXPANSION, OutOfTime, Scored, TooBroad, score_query
from search.index.querylang import make_parser, parse_query

INDEX_NAME = "articles"
SEARCH_TIME_LIMIT = 5.0  # seconds; a query running longer returns what it found so far
LOCK_NAME = f"{INDEX_NAME}_WRITELOCK"
log = logging.getLogger(__name__)


class _AllScores(ScoredCollector):
    """Collects every match with its score (no top-N heap, no block skipping)."""

    def prepare(self, top_searcher: Searcher, q: wq.Query, context: object) -> None:
        super().prepare(top_searcher, q, context)
        self.docnums: list[int] = []
        self.scores: list[float] = []

    def _collect(self, global_docnum: int, score: float) -> None:
        self.docnums.append(global_docnum)
        self.scores.append(score)


def _score_all(searcher: Searcher, parsed: wq.Query) -> tuple[tuple[np.ndarray, np.ndarray], bool]:
    """(document numbers, scores) of every match, and whether the time limit cut the run short."""
    collector = _AllScores()
    timed_out = False
    try:
        searcher.search_with_collector(parsed, TimeLimitCollector(collector, timelimit=SEARCH_TIME_LIMIT, use_alarm=False))
    except TimeLimit:
        timed_out = True
    docnums = np.array(getattr(collector, "docnums", []), dtype=np.int64)
    scores = np.array(getattr(collector, "scores", []), dtype=np.float64)
    return (docnums, scores), timed_out


def _top_scored(arrays: FacetArrays, scored: tuple[np.ndarray, np.ndarray], results: np.ndarray, query: SearchQuery) -> list[Hit]:
    """The page from scores kept by _score_all: best first, ties by document number (as Whoosh)."""
    docnums, scores = scored
    keep = results[docnums]
    docnums, scores = docnums[keep], scores[keep]
    wanted = query.offset + query.limit
    if len(docnums) > wanted:
        part = np.argpartition(-scores, wanted - 1)[:wanted]
        docnums, scores = docnums[part], scores[part]
    order = np.lexsort((docnums, -scores))[query.offset : wanted]
    ids = arrays.article_ids
    return [Hit(int(ids[d]), float(s)) for d, s in zip(docnums[order].tolist(), scores[order].tolist(), strict=True)]


def _documents(searcher: Searcher, article_ids: Iterable[int]) -> np.ndarray:
    """The live document numbers of these articles (ids not in the index are left out), looked up
    in the unique `id` field, newest segment first: an import's new articles are found at once."""
    leaves = sorted(searcher.leaf_searchers(), key=lambda leaf: -leaf[1])
    found: list[int] = []
    for article_id in set(article_ids):
        for sub, offset in leaves:
            try:
                found.append(offset + sub.reader().first_id("id", str(article_id)))
                break
            except TermNotFound:  # not in this segment, or only deleted there
                continue
    return np.array(sorted(found), dtype=np.int64)


def _midnight(day: dt.date | None) -> dt.datetime | None:
    return dt.datetime(day.year, day.month, day.day) if day else None


class WhooshWriter(BackendWriter):
    def __init__(self, writer: SegmentWriter, preparing: Callable[[int], AbstractContextManager[None]] | None = None) -> None:
        self._writer = writer
        self._preparing = preparing  # around the commit: prepares the new version's files after it

    def update(self, docs: Iterable[IndexDocument]) -> None:
        try:
            self._update(docs)
        except OSError as exc:  # stored fields are written as documents are added: a full disk shows here
            raise IndexUnavailable(describe_os_error(exc, self._folder())) from exc

    def _update(self, docs: Iterable[IndexDocument]) -> None:
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
        try:
            for article_id in article_ids:
                self._writer.delete_by_term("id", str(article_id))
        except OSError as exc:
            raise IndexUnavailable(describe_os_error(exc, self._folder())) from exc

    def commit(self) -> None:
        # whoosh3 releases the lock and removes its temporary files when a commit fails; the
        # previous TOC stays the index's current version, so a failed commit changes nothing.
        generation = getattr(self._writer, "generation", None)  # the one this commit writes
        with self._preparing(generation) if self._preparing is not None and generation is not None else nullcontext():
            try:
                self._writer.commit()
            except OSError as exc:
                raise IndexUnavailable(describe_os_error(exc, self._folder())) from exc

    def cancel(self) -> None:
        """Drop uncommitted work and release the lock; never raises (it runs while handling an error)."""
        if getattr(self._writer, "is_closed", False):
            return  # a failed commit already cleaned up
        try:
            self._writer.cancel()
        except Exception:  # noqa: BLE001 - e.g. ENOSPC flushing a half-written segment; whoosh released the lock
            pass

    def _folder(self) -> str | None:
        return getattr(getattr(self._writer, "storage", None), "folder", None)


class WhooshBackend(SearchBackend):
    def __init__(self, path: str, prepare_on_commit: bool = True) -> None:
        super().__init__(path)
        self._local = threading.local()
        self.schema = build_schema()
        # After each commit, write the facet arrays and word lists for readers to map (prepared.py);
        # off for scratch indexes searched once.
        self.prepare_on_commit = prepare_on_commit
        # What this process built itself, not from prepared files: "facets", "words:<field>".
        self.in_process: Counter[str] = Counter()

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
            raise IndexUnavailable(describe_os_error(exc, self.path)) from exc

    def open_writer(self, timeout: float = 0.0, processes: int = 1) -> WhooshWriter:
        """The single writer. processes > 1 (bulk indexing) analyses documents in that many
        forked workers, each writing its own segment (Whoosh's MpWriter, multisegment)."""
        ix = self._open_index(create=True)
        try:
            if processes > 1:
                writer = ix.writer(timeout=timeout, limitmb=128, procs=processes, multisegment=True, batchsize=200)
            else:
                writer = ix.writer(timeout=timeout, limitmb=256)
        except LockError as exc:
            who, stop = lock_holder(os.path.join(self.path, LOCK_NAME))
            raise IndexLocked(
                f"the index at {self.path} is locked by another process ({who}) that is writing to it: "
                f"wait for it to finish; if it is stuck, {stop}, then run `python manage.py unlock_index`"
            ) from exc
        except OSError as exc:
            raise IndexUnavailable(describe_os_error(exc, self.path)) from exc
        return WhooshWriter(writer, preparing=self._preparing if self.prepare_on_commit else None)

    @contextmanager
    def _preparing(self, generation: int) -> Iterator[None]:
        """Around a commit: readers of the new version wait for its files; prepared after it."""
        marker = prepared.announce(self.path, generation)
        try:
            yield
            self.prepare()
        finally:
            prepared.withdraw(marker)

    def prepare(self) -> str | None:
        """Prepare the current index version's facet arrays and word lists for readers. Never
        raises: the commit is done, and readers without them build in process."""
        started = time.monotonic()
        try:
            key = prepared.prepare(self.path, self._open_index())
        except Exception as exc:  # noqa: BLE001 - a full disk here must not fail the commit
            log.warning("facet arrays and word lists not prepared (readers will build them): %s", exc)
            return None
        log.debug("facet arrays and word lists of index version %s prepared in %.2f s", key, time.monotonic() - started)
        return key

    def reset(self) -> None:
        writer = self.open_writer()  # take the lock so no other writer is half-way through
        writer.cancel()
        try:
            shutil.rmtree(prepared.folder(self.path), ignore_errors=True)  # generations restart at 0
            os.makedirs(self.path, exist_ok=True)
            self._storage().create_index(self.schema, indexname=INDEX_NAME)
        except OSError as exc:
            raise IndexUnavailable(describe_os_error(exc, self.path)) from exc
        self._local.__dict__.clear()

    def unlock(self) -> bool:
        lock = os.path.join(self.path, LOCK_NAME)
        if not os.path.exists(lock):
            return False
        probe = self._storage().lock(LOCK_NAME)
        try:
            if not probe.acquire(blocking=False):
                who, stop = lock_holder(lock)
                raise IndexLocked(
                    f"the index lock is held by a running process ({who}): wait for it to finish or {stop}, "
                    "then run `python manage.py unlock_index` again"
                )
            probe.release()
            os.remove(lock)
        except OSError as exc:
            raise IndexUnavailable(describe_os_error(exc, self.path)) from exc
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
        return make_parser(self.schema)

    def parse(self, text: str, parser: MultifieldParser | None = None) -> tuple[wq.Query, list[str]]:
        return parse_query(text, self.schema, parser)

    def prepared_files(self, searcher: Searcher) -> prepared.Prepared | None:
        """The files the writer prepared for this searcher's index version, mapped (None: missing)."""
        cached = getattr(self._local, "prepared", None)
        if cached is None or cached[0] is not searcher:
            cached = (searcher, prepared.load(self.path, searcher.reader()))
            self._local.prepared = cached
        return cached[1]

    def facet_arrays(self, searcher: Searcher) -> FacetArrays:
        """Per-document facet values for this searcher's reader: mapped from the prepared files,
        else built once per index version."""
        cached = getattr(self._local, "arrays", None)
        if cached is None or cached[0] is not searcher:
            ready = self.prepared_files(searcher)
            if ready is None:
                self.in_process["facets"] += 1
            cached = (searcher, ready.facets if ready is not None else whoosh_facets.build(searcher.reader()))
            self._local.arrays = cached
        return cached[1]

    def within_arrays(self, searcher: Searcher, article_ids: tuple[int, ...]) -> FacetArrays:
        """FacetArrays of these articles' documents alone (SearchQuery.within), kept while the
        searcher and the ids stay the same (the saved searches of one import share them)."""
        cached = getattr(self._local, "within", None)
        if cached is None or cached[0] is not searcher or cached[1] != article_ids:
            cached = (searcher, article_ids, whoosh_facets.build(searcher.reader(), _documents(searcher, article_ids)))
            self._local.within = cached
        return cached[2]

    def field_lengths(self, searcher: Searcher) -> dict[str, np.ndarray]:
        """The scorer's field lengths for this searcher's reader, filled as fields are scored."""
        cached = getattr(self._local, "lengths", None)
        if cached is None or cached[0] is not searcher:
            cached = (searcher, {})
            self._local.lengths = cached
        return cached[1]

    def vocabulary(self, searcher: Searcher) -> Vocabulary:
        """The fields' words for this searcher's reader (expansions of prefix, wildcard and fuzzy
        terms), kept while the index version lasts: mapped from the prepared files where there."""
        cached = getattr(self._local, "vocabulary", None)
        if cached is None or cached[0] is not searcher:
            ready = self.prepared_files(searcher)
            words = ready.words if ready is not None else None
            cached = (searcher, Vocabulary(searcher.reader(), words, on_read=lambda field: self.in_process.update([f"words:{field}"])))
            self._local.vocabulary = cached
        return cached[1]

    def search(self, query: SearchQuery) -> SearchResults:
        parsed, messages = self.parse(query.text)
        try:
            with self.searcher() as searcher:
                return self._run(searcher, parsed, query, messages)
        except IndexUnavailable as exc:
            return SearchResults(total=0, hits=[], messages=[*messages, f"{str(exc)[:1].upper()}{str(exc)[1:]}."])

    def search_many(self, queries: Sequence[SearchQuery]) -> list[SearchResults]:
        """The queries on one searcher (one index version for all, checked for changes once) and
        one query parser."""
        parser = self.parser()
        try:
            with self.searcher() as searcher:
                results = []
                for query in queries:
                    parsed, messages = self.parse(query.text, parser)
                    results.append(self._run(searcher, parsed, query, messages))
                return results
        except IndexUnavailable:
            return [self.search(query) for query in queries]  # each says why

    def _run(self, searcher: Searcher, parsed: wq.Query, query: SearchQuery, messages: list[str]) -> SearchResults:
        # `within`: only those articles' documents can match, as if the index held them alone
        # (collapse and facets too), but scored with the whole index's statistics.
        if query.within is None:
            arrays, within = self.facet_arrays(searcher), None
        else:
            arrays = self.within_arrays(searcher, tuple(query.within))
            within = arrays.live
        timed_out = False
        try:
            # Matches and scores from posting lists read into NumPy a block at a time.
            deadline = time.monotonic() + SEARCH_TIME_LIMIT
            expand = self.vocabulary(searcher).expand
            lengths = self.field_lengths(searcher)
            matched = score_query(searcher, parsed, arrays.live, deadline, expand=expand, within=within, lengths=lengths)
        except OutOfTime:
            matched = Scored(np.zeros(arrays.size, dtype=bool), np.zeros(arrays.size))
            timed_out = True
            messages.append(f"The query took longer than {SEARCH_TIME_LIMIT:.0f} s and was stopped.")
        except TooBroad as exc:
            matched = Scored(np.zeros(arrays.size, dtype=bool), np.zeros(arrays.size))
            count = f"{exc.words:,}" if exc.words is not None else f"more than {MAX_EXPANSION:,}"
            messages.append(
                f"“{exc.term.split(':', 1)[-1]}” stands for {count} different words; one term may stand for at most"
                f" {MAX_EXPANSION:,}. Give it more letters (two or three before a *), or search the words themselves."
            )
        if matched is not None:
            docnums = np.flatnonzero(matched.mask)
            scored = (docnums, matched.scores[docnums])
            base = matched.mask
        else:
            # Query kinds only Whoosh evaluates (ranges): its matchers, once, keeping every score.
            scored, timed_out = _score_all(searcher, parsed)
            base = np.zeros(arrays.size, dtype=bool)
            base[scored[0]] = True
            base &= arrays.live
            if timed_out:
                messages.append(
                    f"The query took longer than {SEARCH_TIME_LIMIT:.0f} s: the counts and results are those found until it was stopped."
                )
        results_mask, facets, total, uncollapsed = arrays.select(base, query)
        hits: list[Hit] = []
        if total and query.limit:
            if query.sort == "relevance" and not isinstance(parsed, wq.Every):
                hits = _top_scored(arrays, scored, results_mask, query)
            else:
                hits = arrays.by_date(results_mask, query)
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
                    expanded = self.vocabulary(searcher).expand(leaf)
                    if expanded is not None:
                        if len(expanded) <= MAX_EXPANSION:  # a broader term is not searched (TooBroad)
                            singles.update(word.decode() for word in expanded)
                        continue
                    # Query.existing_terms() skips fields after the first (whoosh3 3.54.0): expand here.
                    for _field, term in leaf.expanded_terms(reader, phrases=False):
                        singles.add(term.decode() if isinstance(term, bytes) else term)
        except IndexUnavailable:
            return lambda text: []
        return Highlighter(singles, phrases, self.schema["body"].analyzer)

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

