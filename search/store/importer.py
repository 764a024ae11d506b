"""Import articles: read -> clean -> store in batches -> index through the outbox.

Actors and shared passages are found in the import (enrich="inline", the default) or left to
the background (enrich="later": search.store.enrichment), so a large import is searchable at the
speed of reading, cleaning, storing and indexing.

`import_paths()` is what `manage.py import_articles` runs. It holds the one index writer for
the run. Each batch is stored in one transaction together with its index tasks, so a crash
never leaves a half-imported article and never loses index work.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from django.db import transaction

from search.index import get_backend
from search.index.base import SearchBackend
from search.index.outbox import IndexSession, enqueue
from search.ingest.clean import paragraph_hash
from search.ingest.identity import Identity, identify, location_key, names_no_outlet
from search.ingest.pipeline import clean_record
from search.ingest.progress import Progress
from search.ingest.readers import Ignored, iter_inputs
from search.ingest.records import CleanArticle, RejectedRecord, Rejection, SourceRecord
from search.ingest.actors import Mention
from search.store.actors import ActorResolver, MentionExtractor, article_text, delete_orphans, extract_for_articles, merge_variants
from search.store import enrichment, passages
from search.store.boilerplate import learn_outlet_boilerplate
from search.store.identity import Decision, Known, Resolver, Seen
from search.store.import_lock import import_lock
from search.store.outlets import map_domain_outlets
from search.store.models import Article, ArticleLocation, Outlet, OutletAlias, Paragraph
from search.store.signals import articles_imported
from search.store.statistics import refresh_statistics

BATCH_SIZE = 500


@dataclass(frozen=True)
class Duplicate:
    """A record that is an article this import already has: not stored twice, not an error."""

    path: str
    line: int | None
    first: str  # where the article was read first in this import
    reason: str

    def where(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path

    def __str__(self) -> str:
        return f"{self.where()}: same article as {self.first} ({self.reason})"


@dataclass
class ImportReport:
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    boilerplate_articles: int = 0
    awaiting_enrichment: int = 0  # enrich="later": articles whose actors or passages come in the background
    actors_merged: int = 0
    merges_suggested: int = 0
    passage_groups: int = 0
    seconds: float = 0.0
    # Seconds per stage: read (files and records), clean, actors (NER and resolution), store
    # (database writes), boilerplate, passages, index. Benchmarks report them.
    stages: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def timing(self, stage: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.stages[stage] = self.stages.get(stage, 0.0) + time.perf_counter() - started

    @property
    def seen(self) -> int:
        return self.imported + self.updated + self.unchanged + len(self.rejected) + len(self.duplicates)

    def summary(self) -> str:
        rate = self.seen / self.seconds if self.seconds else 0.0
        stages = ", ".join(f"{stage} {seconds:.1f}s" for stage, seconds in self.stages.items() if seconds >= 0.05)
        return (
            f"imported {self.imported}, updated {self.updated}, unchanged {self.unchanged}, "
            f"rejected {len(self.rejected)}"
            + (f", duplicates {len(self.duplicates)}" if self.duplicates else "")
            + f" in {self.seconds:.1f}s ({rate_text(rate)} records/s)"
            + (f" [{stages}]" if stages else "")
            + (f"; {self.awaiting_enrichment:,} articles await their actors and shared passages"
               " (run_index_worker or enrich_articles does them)" if self.awaiting_enrichment else "")
        )


def rate_text(rate: float) -> str:
    """A rate with the precision it deserves: '1,250', '12', '3.5', '0.4', '0.033'."""
    if rate >= 100:
        return f"{rate:,.0f}"
    if rate >= 10:
        return f"{rate:.0f}"
    if rate >= 0.1 or rate == 0:
        return f"{rate:.1f}".removesuffix(".0")
    return f"{rate:.2g}"


def source_key(record: SourceRecord) -> str:
    """Where the record was read (path plus record id or line), hashed."""
    return location_key(record.key)


def _batched(items: Iterator[SourceRecord | Rejection | Ignored], size: int) -> Iterator[list[SourceRecord | Rejection | Ignored]]:
    while batch := list(islice(items, size)):
        yield batch


class _Outlets:
    """Outlet rows by name, created on first use."""

    def __init__(self) -> None:
        self._ids: dict[str, int] = dict(OutletAlias.objects.values_list("name", "outlet_id"))

    def id_for(self, name: str) -> int | None:
        if not name:
            return None
        if name not in self._ids:
            self._ids[name] = Outlet.objects.get_or_create(name=name)[0].pk
        return self._ids[name]


def _paragraph_rows(article_id: int, clean: CleanArticle) -> list[Paragraph]:
    return [
        Paragraph(article_id=article_id, position=index, text=text, text_hash=paragraph_hash(text))
        for index, text in enumerate(clean.paragraphs)
    ]


def _fill(article: Article, record: SourceRecord, clean: CleanArticle, outlet_id: int | None) -> None:
    article.title = clean.title
    article.outlet_id = outlet_id
    article.published = clean.published
    article.date_precision = clean.date_precision
    article.authors = clean.authors
    article.url = clean.url
    article.source_file = record.path[:1000]
    article.source_line = record.line
    article.content_hash = record.content_hash
    article.raw_kind = record.kind
    article.raw_text = record.content
    article.raw_meta = record.meta
    article.import_warnings = clean.warnings


def _set_keys(article: Article, ident: Identity, decision: Decision) -> None:
    """A record read from where the article was read replaces its keys; another copy of the
    article (a second export, a moved file) only adds what the article lacked, and so do its URL."""
    if decision.kind == "location" or not article.pk:
        article.url_key, article.record_key = ident.url_key, ident.record_key
    else:
        article.url_key = ident.url_key or article.url_key
        article.record_key = ident.record_key or article.record_key
    article.text_key = ident.text_key
    article.bare_text_key = ident.bare_text_key


ENRICH_MODES = ("inline", "later")


class Importer:
    def __init__(
        self,
        backend: SearchBackend | None = None,
        *,
        batch_size: int = BATCH_SIZE,
        lock_timeout: float = 30.0,
        actors: bool = True,
        passages: bool = True,
        processes: int | None = None,
        extractor: MentionExtractor | None = None,
        wait: float | None = None,
        notify: Callable[[str], None] | None = None,
        enrich: str = "inline",
    ) -> None:
        if enrich not in ENRICH_MODES:
            raise ValueError(f"enrich must be one of {', '.join(ENRICH_MODES)}, not {enrich!r}")
        # "later": store and index only; actors and passages wait in PendingEnrichment.
        self.later = enrich == "later"
        self.wait = wait  # for another import to finish (None: as long as it takes)
        self.notify = notify
        self.backend = backend or get_backend()
        self.extract_actors = actors
        self.extractor = extractor or MentionExtractor(processes)
        self._resolver: ActorResolver | None = None
        self.batch_size = batch_size
        self.session = IndexSession(self.backend, lock_timeout=lock_timeout)
        self.outlets = _Outlets()
        self.report = ImportReport()
        self.touched_outlets: set[int] = set()
        self.resolver = Resolver()
        self.new_ids: set[int] = set()
        self.updated_ids: set[int] = set()
        self.find_passages = passages

    def run(self, paths: Iterable[str | Path], progress: Progress | None = None) -> ImportReport:
        """Import the paths; `progress` hears of the bytes read and of each step after reading."""
        watch = progress or Progress()
        return self.run_items(iter_inputs(paths, watch), watch)

    def run_items(self, items: Iterable[SourceRecord | Rejection | Ignored], progress: Progress | None = None) -> ImportReport:
        """Import records read elsewhere (web pages fetched by poll_sources) exactly like files.
        Another import running against this database is waited for first
        (search.store.import_lock): ImportBusy when `wait` runs out."""
        with import_lock(self.wait, self.notify):
            return self._run(items, progress)

    def _run(self, items: Iterable[SourceRecord | Rejection | Ignored], progress: Progress | None) -> ImportReport:
        started = time.monotonic()
        watch = progress or Progress()
        try:
            timing = self.report.timing
            with timing("index"):
                self.session.drain()  # work a killed run or an editor left queued
            # Stored articles wait in the outbox: boilerplate learning, actor merges and shared
            # passages change many of them again at the end, and each is indexed once, then.
            batches = _batched(iter(items), self.batch_size)
            while True:
                with timing("read"):
                    batch = next(batches, None)
                if batch is None:
                    break
                self._import_batch(batch)
                watch.records(len(batch))
            watch.step("boilerplate", f"{len(self.touched_outlets)} outlets")
            with timing("boilerplate"), transaction.atomic():
                self.touched_outlets = map_domain_outlets(self.touched_outlets)  # "cnn.com" -> its publisher
                changed = learn_outlet_boilerplate(self.touched_outlets)
                enqueue(changed)
                if self.later:  # their text changed: actors and passages are found again, later
                    self.report.awaiting_enrichment += enrichment.mark_pending(
                        changed - self.new_ids - self.updated_ids, actors=self.extract_actors, passages=self.find_passages
                    )
            self.report.boilerplate_articles = len(changed)
            if self.extract_actors and not self.later and (changed or self.report.imported or self.report.updated):
                watch.step("actors", f"{len(changed)} articles changed by boilerplate" if changed else "merging name variants")
                with timing("actors"):
                    if changed:
                        extract_for_articles(changed, self.extractor)
                    with transaction.atomic():
                        self.report.actors_merged, self.report.merges_suggested = merge_variants()
                        delete_orphans()
            if self.find_passages and not self.later and (self.new_ids or self.updated_ids or changed):
                watch.step("passages", f"{len(self.new_ids | self.updated_ids):,} new or changed articles")
                with timing("passages"):
                    stats = passages.update_for(self.new_ids | self.updated_ids, replaced=bool(self.updated_ids or changed))
                self.report.passage_groups = stats.groups
            watch.step("index")
            with timing("index"):
                self.session.drain()
                self.session.close()
                refresh_statistics()  # PostgreSQL plans the next searches from the new rows
            if self.new_ids:  # saved searches and alerts look at the new articles (search.monitor)
                with timing("alerts"):
                    articles_imported.send(sender=Importer, article_ids=frozenset(self.new_ids))
        except BaseException:
            self.session.abort()
            raise
        finally:
            watch.close()
            self.extractor.close()
            self.report.seconds = time.monotonic() - started
        return self.report

    def _import_batch(self, batch: list[SourceRecord | Rejection | Ignored]) -> None:
        records: list[SourceRecord] = []
        for item in batch:
            if isinstance(item, Rejection):
                self.report.rejected.append(item)
            elif isinstance(item, Ignored):
                self.report.ignored.append(str(item))
            else:
                records.append(item)
        idents = [identify(record) for record in records]
        self.resolver.prefetch(idents)
        work: list[tuple[SourceRecord, Identity, CleanArticle, Decision, Seen]] = []
        found_elsewhere: list[tuple[SourceRecord, Identity, Decision]] = []
        for record, ident in zip(records, idents, strict=True):
            decision = self.resolver.resolve(ident)
            if decision.first is not None:
                self._duplicate(record, decision)
                continue
            if decision.article is not None and _knows_less(decision, ident):
                # a copy that names no outlet of an article that has one: the stored article
                # stays as it is, and this place is not remembered (an import from it again
                # would otherwise "update" the article without its outlet)
                self.report.unchanged += 1
                self.resolver.claim(ident, record.where(), record.content_hash, decision.article.article_id)
                continue
            if decision.article is not None and (
                decision.article.content_hash == record.content_hash or _same_but_url_form(decision.article, ident, record)
            ):
                self.report.unchanged += 1
                self.resolver.claim(ident, record.where(), record.content_hash, decision.article.article_id)
                if not self.resolver.read_there_before(ident, decision.article.article_id) or self._lacks_keys(decision.article, ident):
                    found_elsewhere.append((record, ident, decision))
                continue
            try:
                with self.report.timing("clean"):
                    clean = clean_record(record)
            except RejectedRecord as exc:
                self.report.rejected.append(Rejection(record.path, record.line, str(exc)))
                continue
            if record.kind == "html" and clean.url and not ident.url_key:
                ident = ident.with_url(clean.url)  # the page's own link, known once it is read
                if ident.url_key:
                    decision = self.resolver.resolve(ident)
                    if decision.first is not None:
                        self._duplicate(record, decision)
                        continue
            self.report.warnings.extend(f"{record.where()}: {w}" for w in clean.warnings)
            article_id = decision.article.article_id if decision.article else None
            work.append((record, ident, clean, decision, self.resolver.claim(ident, record.where(), record.content_hash, article_id)))
        if found_elsewhere:
            with self.report.timing("store"):
                self._remember(found_elsewhere)
        if work:
            with self.report.timing("actors"):
                wanted = self.extract_actors and not self.later
                mentions = self.extractor([article_text(c.title, c.paragraphs) for _, _, c, _, _ in work]) if wanted else []
            with self.report.timing("store"):
                self._store(work, mentions)

    def _duplicate(self, record: SourceRecord, decision: Decision) -> None:
        assert decision.first is not None
        self.report.duplicates.append(Duplicate(record.path, record.line, decision.first.where, decision.reason(record.content_hash)))

    @staticmethod
    def _lacks_keys(known: Known, ident: Identity) -> bool:
        return bool(ident.url_key and not known.ident.url_key) or bool(ident.record_key and not known.ident.record_key)

    @transaction.atomic
    def _remember(self, found: list[tuple[SourceRecord, Identity, Decision]]) -> None:
        """Unchanged articles read from another place (a moved or copied folder): remember the
        place, so an edit made there updates the article; fill in keys the article lacked."""
        _save_locations([(record, ident, decision.article.article_id) for record, ident, decision in found if decision.article])
        for _, ident, decision in found:
            if decision.article and self._lacks_keys(decision.article, ident):
                article = Article.objects.only("id", "url_key", "record_key", "text_key", "bare_text_key").get(pk=decision.article.article_id)
                _set_keys(article, ident, decision)
                article.save(update_fields=["url_key", "record_key", "text_key", "bare_text_key"])

    @transaction.atomic
    def _store(self, work: list[tuple[SourceRecord, Identity, CleanArticle, Decision, Seen]], mentions: list[list[Mention]]) -> None:
        new_articles: list[tuple[Article, CleanArticle]] = []
        updated: list[tuple[Article, CleanArticle]] = []
        placed: list[tuple[SourceRecord, Identity, Article, Seen]] = []
        for record, ident, clean, decision, seen in work:
            outlet_id = self.outlets.id_for(clean.outlet)
            if outlet_id:
                self.touched_outlets.add(outlet_id)
            if decision.article is not None:
                article = Article.objects.get(pk=decision.article.article_id)
                url = article.url
                _fill(article, record, clean, outlet_id)
                if decision.kind != "location" and not article.url:
                    article.url = url  # another copy without a link: the article keeps its own
                _set_keys(article, ident, decision)
                article.save()
                updated.append((article, clean))
            else:
                article = Article(source_key=ident.location_key)
                _fill(article, record, clean, outlet_id)
                _set_keys(article, ident, decision)
                new_articles.append((article, clean))
            placed.append((record, ident, article, seen))
        Article.objects.bulk_create([a for a, _ in new_articles], batch_size=200)
        for _, _, article, seen in placed:
            self.resolver.stored_as(seen, article.pk)
        _save_locations([(record, ident, article.pk) for record, ident, article, _ in placed])
        if updated:
            Paragraph.objects.filter(article_id__in=[a.pk for a, _ in updated]).delete()
        rows = [row for article, clean in new_articles + updated for row in _paragraph_rows(article.pk, clean)]
        Paragraph.objects.bulk_create(rows, batch_size=1000)
        if mentions:
            order = {id(clean): index for index, (_, _, clean, _, _) in enumerate(work)}
            if self._resolver is None:
                self._resolver = ActorResolver()
            self._resolver.assign([(a.pk, mentions[order[id(c)]]) for a, c in new_articles + updated])
            if updated:
                enrichment.actors_done(a.pk for a, _ in updated)
        if self.later:  # an updated article keeps its old actors until the background replaces them
            self.report.awaiting_enrichment += enrichment.mark_pending(
                [a.pk for a, _ in new_articles + updated], actors=self.extract_actors, passages=self.find_passages
            )
        enqueue([a.pk for a, _ in new_articles + updated])
        self.new_ids.update(a.pk for a, _ in new_articles)
        self.updated_ids.update(a.pk for a, _ in updated)
        self.report.imported += len(new_articles)
        self.report.updated += len(updated)


def _knows_less(decision: Decision, ident: Identity) -> bool:
    """The record is the stored article by its text alone and names no outlet, where the stored
    article has one (the same file copied without the manifest that named its outlet)."""
    assert decision.article is not None
    return decision.kind == "bare_text" and names_no_outlet(ident) and not names_no_outlet(decision.article.ident)


def _same_but_url_form(known: Known, ident: Identity, record: SourceRecord) -> bool:
    """The stored record again with its URL written another way (http for https, a trailing
    slash, utm_* parameters): unchanged, not an update."""
    if not ident.url_key or known.ident.url_key != ident.url_key or known.ident.text_key != ident.text_key:
        return False
    stored = Article.objects.filter(pk=known.article_id).values_list("raw_meta", flat=True).first()
    if not isinstance(stored, dict):
        return False
    return {k: v for k, v in stored.items() if k != "url"} == {k: v for k, v in record.meta.items() if k != "url"}


def _save_locations(placed: list[tuple[SourceRecord, Identity, int]]) -> None:
    """Each place now holds this article (a place rewritten with another article moves on to it)."""
    rows = {ident.location_key: ArticleLocation(key=ident.location_key, article_id=article_id, path=record.path[:1000], line=record.line)
            for record, ident, article_id in placed}
    ArticleLocation.objects.bulk_create(
        list(rows.values()), batch_size=500, update_conflicts=True, unique_fields=["key"], update_fields=["article", "path", "line"]
    )


def import_paths(paths: Iterable[str | Path], **kwargs: object) -> ImportReport:
    progress = kwargs.pop("progress", None)
    return Importer(**kwargs).run(paths, progress=progress)  # type: ignore[arg-type]
