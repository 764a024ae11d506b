"""Import articles: read -> clean -> store in batches -> index through the outbox.

`import_paths()` is what `manage.py import_articles` runs. It holds the one index writer for
the run. Each batch is stored in one transaction together with its index tasks, so a crash
never leaves a half-imported article and never loses index work.
"""

from __future__ import annotations

import hashlib
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
from search.ingest.pipeline import clean_record
from search.ingest.readers import Ignored, iter_inputs
from search.ingest.records import CleanArticle, RejectedRecord, Rejection, SourceRecord
from search.ingest.actors import Mention
from search.store.actors import ActorResolver, MentionExtractor, article_text, delete_orphans, extract_for_articles, merge_variants
from search.store import passages
from search.store.boilerplate import learn_outlet_boilerplate
from search.store.outlets import map_domain_outlets
from search.store.models import Article, Outlet, OutletAlias, Paragraph

BATCH_SIZE = 500


@dataclass
class ImportReport:
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    boilerplate_articles: int = 0
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
        return self.imported + self.updated + self.unchanged + len(self.rejected)

    def summary(self) -> str:
        rate = self.seen / self.seconds if self.seconds else 0.0
        stages = ", ".join(f"{stage} {seconds:.1f}s" for stage, seconds in self.stages.items() if seconds >= 0.05)
        return (
            f"imported {self.imported}, updated {self.updated}, unchanged {self.unchanged}, "
            f"rejected {len(self.rejected)} in {self.seconds:.1f}s ({rate:.0f} records/s)"
            + (f" [{stages}]" if stages else "")
        )


def source_key(record: SourceRecord) -> str:
    return hashlib.sha256(record.key.encode("utf-8", "surrogatepass")).hexdigest()


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
    ) -> None:
        self.backend = backend or get_backend()
        self.extract_actors = actors
        self.extractor = extractor or MentionExtractor(processes)
        self._resolver: ActorResolver | None = None
        self.batch_size = batch_size
        self.session = IndexSession(self.backend, lock_timeout=lock_timeout)
        self.outlets = _Outlets()
        self.report = ImportReport()
        self.touched_outlets: set[int] = set()
        self._keys_seen: dict[str, str] = {}
        self.new_ids: set[int] = set()
        self.updated_ids: set[int] = set()
        self.find_passages = passages

    def run(self, paths: Iterable[str | Path], progress: Callable[[int], None] | None = None) -> ImportReport:
        started = time.monotonic()
        try:
            timing = self.report.timing
            with timing("index"):
                self.session.drain()  # work a killed run or an editor left queued
            # Stored articles wait in the outbox: boilerplate learning, actor merges and shared
            # passages change many of them again at the end, and each is indexed once, then.
            batches = _batched(iter_inputs(paths), self.batch_size)
            while True:
                with timing("read"):
                    batch = next(batches, None)
                if batch is None:
                    break
                self._import_batch(batch)
                if progress:
                    progress(len(batch))
            with timing("boilerplate"), transaction.atomic():
                self.touched_outlets = map_domain_outlets(self.touched_outlets)  # "cnn.com" -> its publisher
                changed = learn_outlet_boilerplate(self.touched_outlets)
                enqueue(changed)
            self.report.boilerplate_articles = len(changed)
            if self.extract_actors and (changed or self.report.imported or self.report.updated):
                with timing("actors"):
                    if changed:
                        extract_for_articles(changed, self.extractor)
                    with transaction.atomic():
                        self.report.actors_merged, self.report.merges_suggested = merge_variants()
                        delete_orphans()
            if self.find_passages and (self.new_ids or self.updated_ids or changed):
                with timing("passages"):
                    stats = passages.update_for(self.new_ids | self.updated_ids, replaced=bool(self.updated_ids or changed))
                self.report.passage_groups = stats.groups
            with timing("index"):
                self.session.drain()
                self.session.close()
        except BaseException:
            self.session.abort()
            raise
        finally:
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
                first = self._keys_seen.get(item.key)
                if first is not None:
                    self.report.rejected.append(Rejection(item.path, item.line, f"same record id as {first}: skipped"))
                    continue
                self._keys_seen[item.key] = item.where()
                records.append(item)
        keys = {source_key(r): r for r in records}
        existing = {
            key: (pk, digest)
            for key, pk, digest in Article.objects.filter(source_key__in=keys).values_list("source_key", "id", "content_hash")
        }
        work: list[tuple[str, SourceRecord, CleanArticle]] = []
        for key, record in keys.items():
            if key in existing and existing[key][1] == record.content_hash:
                self.report.unchanged += 1
                continue
            try:
                with self.report.timing("clean"):
                    clean = clean_record(record)
            except RejectedRecord as exc:
                self.report.rejected.append(Rejection(record.path, record.line, str(exc)))
                continue
            self.report.warnings.extend(f"{record.where()}: {w}" for w in clean.warnings)
            work.append((key, record, clean))
        if work:
            with self.report.timing("actors"):
                mentions = self.extractor([article_text(c.title, c.paragraphs) for _, _, c in work]) if self.extract_actors else []
            with self.report.timing("store"):
                self._store(work, {key: pk for key, (pk, _) in existing.items()}, mentions)

    @transaction.atomic
    def _store(
        self, work: list[tuple[str, SourceRecord, CleanArticle]], existing_ids: dict[str, int], mentions: list[list[Mention]]
    ) -> None:
        new_articles: list[tuple[Article, CleanArticle]] = []
        updated: list[tuple[Article, CleanArticle]] = []
        for key, record, clean in work:
            outlet_id = self.outlets.id_for(clean.outlet)
            if outlet_id:
                self.touched_outlets.add(outlet_id)
            if key in existing_ids:
                article = Article.objects.get(pk=existing_ids[key])
                _fill(article, record, clean, outlet_id)
                article.save()
                updated.append((article, clean))
            else:
                article = Article(source_key=key)
                _fill(article, record, clean, outlet_id)
                new_articles.append((article, clean))
        Article.objects.bulk_create([a for a, _ in new_articles], batch_size=200)
        if updated:
            Paragraph.objects.filter(article_id__in=[a.pk for a, _ in updated]).delete()
        rows = [row for article, clean in new_articles + updated for row in _paragraph_rows(article.pk, clean)]
        Paragraph.objects.bulk_create(rows, batch_size=1000)
        if mentions:
            order = {id(clean): index for index, (_, _, clean) in enumerate(work)}
            if self._resolver is None:
                self._resolver = ActorResolver()
            self._resolver.assign([(a.pk, mentions[order[id(c)]]) for a, c in new_articles + updated])
        enqueue([a.pk for a, _ in new_articles + updated])
        self.new_ids.update(a.pk for a, _ in new_articles)
        self.updated_ids.update(a.pk for a, _ in updated)
        self.report.imported += len(new_articles)
        self.report.updated += len(updated)


def import_paths(paths: Iterable[str | Path], **kwargs: object) -> ImportReport:
    progress = kwargs.pop("progress", None)
    return Importer(**kwargs).run(paths, progress=progress)  # type: ignore[arg-type]
