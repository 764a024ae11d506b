"""Enrichment after an `--enrich=later` import: actors and shared passages in the background.

Such an import stores, cleans and indexes its articles (searchable at once) and leaves a
PendingEnrichment row per article. `Enricher.step()` then does one piece of what is left, oldest
articles first, each piece under the import lock (search.store.import_lock) so it never runs
beside an import, and each committed with the outbox work it causes (search.index.outbox), so
the actor facet and the copy marks update as it goes:

1. shared passages: the incremental passage pass (search.store.passages.update_for) over up to
   PASSAGE_BATCH waiting articles, the same pass an inline import runs at its end;
2. actors: NER (the same MentionExtractor and resolution as the importer) over up to BATCH_SIZE
   waiting articles, oldest first, their links replaced and their reindex queued in one transaction;
3. when nothing else waits: the corpus-wide merge of name variants and removal of orphan actors,
   as an inline import does at its end, and the rows go.

A step killed midway leaves its rows as they were (its transaction is rolled back; a passage
pass killed after its own commit is redone, which gives the same groups), so the next step
starts it again: no article is lost, and one enriched twice ends up the same.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Q

from search.index.base import IndexLocked, IndexUnavailable
from search.index.outbox import drain_once, enqueue
from search.store import passages
from search.store.actors import ActorResolver, MentionExtractor, article_text, delete_orphans, merge_variants
from search.store.import_lock import ImportBusy, import_lock
from search.store.models import Article, PendingEnrichment
from search.store.signals import actors_found

log = logging.getLogger(__name__)

BATCH_SIZE = 500  # articles per actor step: the import lock is held for one NER batch at a time
# Articles per passage step: each pass loads and saves the whole shingle index, so few large passes.
PASSAGE_BATCH = 5000


def mark_pending(article_ids: Iterable[int], *, actors: bool, passages: bool) -> int:
    """These articles await actors and/or shared passages (call in the transaction storing them)."""
    if not (actors or passages):
        return 0
    rows = [PendingEnrichment(article_id=pk, actors=actors, passages=passages) for pk in article_ids]
    fields = [name for name, flag in (("actors", actors), ("passages", passages)) if flag] + ["queued_at"]
    PendingEnrichment.objects.bulk_create(rows, batch_size=500, update_conflicts=True, unique_fields=["article"], update_fields=fields)
    return len(rows)


def actors_done(article_ids: Iterable[int]) -> None:
    """An inline import extracted these articles' actors itself: they no longer wait for that."""
    PendingEnrichment.objects.filter(article_id__in=list(article_ids), actors=True).update(actors=False)


@dataclass(frozen=True)
class EnrichmentProgress:
    articles: int
    actors_pending: int
    passages_pending: int
    waiting: int  # rows left, including those waiting only for the final merge of actor variants

    @property
    def actors_percent(self) -> int:
        """Share of the articles with their actors, rounded down (100 only when none waits)."""
        return 100 * (self.articles - self.actors_pending) // self.articles if self.articles else 100

    @property
    def message(self) -> str:
        parts = []
        if self.actors_pending:
            parts.append(f"actors extracted for {self.actors_percent}% of articles ({self.actors_pending:,} waiting)")
        if self.passages_pending:
            parts.append(f"shared passages pending for {self.passages_pending:,} article{'s' if self.passages_pending != 1 else ''}")
        if not parts:
            parts.append("merging actor name variants")
        text = "; ".join(parts)
        return f"Enrichment under way: {text}. Facets and passage marks fill in as it goes."

    def as_dict(self) -> dict[str, object]:
        return {
            "articles": self.articles,
            "actors_pending": self.actors_pending,
            "actors_percent": self.actors_percent,
            "passages_pending": self.passages_pending,
            "message": self.message,
        }


def progress() -> EnrichmentProgress | None:
    """Where background enrichment stands; None when nothing waits (one cheap query then)."""
    if not PendingEnrichment.objects.exists():
        return None
    counts = PendingEnrichment.objects.aggregate(
        rows=Count("pk"), actors=Count("pk", filter=Q(actors=True)), passages=Count("pk", filter=Q(passages=True))
    )
    return EnrichmentProgress(Article.objects.count(), counts["actors"], counts["passages"], counts["rows"])


@dataclass(frozen=True)
class Step:
    stage: str  # "passages", "actors" or "merge"
    articles: int  # how many articles it finished (for "merge": the actor variants merged)
    seconds: float


class Enricher:
    """Does the waiting enrichment one step at a time; holds the NER worker pool between steps."""

    def __init__(
        self,
        *,
        batch_size: int = BATCH_SIZE,
        passage_batch: int = PASSAGE_BATCH,
        extractor: MentionExtractor | None = None,
        processes: int | None = None,
    ) -> None:
        self.batch_size = batch_size
        self.passage_batch = passage_batch
        self.extractor = extractor or MentionExtractor(processes)

    def step(self, wait: float | None = 0.0) -> Step | None:
        """One step (see the module docstring); None when nothing waits or an import holds the lock
        for longer than `wait` seconds (None: as long as it takes)."""
        if not PendingEnrichment.objects.exists():
            return None
        try:
            with import_lock(wait, notify=lambda message: None, holder="enrichment"):
                return self._step()
        except ImportBusy:
            return None

    def run(self, wait: float | None = None) -> list[Step]:
        """Steps until nothing waits (an import running meanwhile is waited for)."""
        done: list[Step] = []
        try:
            while (step := self.step(wait)) is not None:
                done.append(step)
        finally:
            self.close()
        return done

    def close(self) -> None:
        self.extractor.close()

    def _step(self) -> Step | None:
        started = time.monotonic()
        waiting = PendingEnrichment.objects.order_by("article_id")
        if ids := list(waiting.filter(passages=True).values_list("article_id", flat=True)[: self.passage_batch]):
            return Step("passages", self._passages(ids), time.monotonic() - started)
        if ids := list(waiting.filter(actors=True).values_list("article_id", flat=True)[: self.batch_size]):
            return Step("actors", self._actors(ids), time.monotonic() - started)
        if waiting.exists():
            return Step("merge", self._merge(), time.monotonic() - started)
        return None

    @staticmethod
    def _passages(ids: list[int]) -> int:
        stats = passages.update_for(ids)  # commits its groups and their index work
        # A full recomputation (no saved shingles yet, or an article compared before changed)
        # covered every stored article: none waits for passages any more (no import runs now).
        done = PendingEnrichment.objects.filter(passages=True)
        if not stats.rebuilt:
            done = done.filter(article_id__in=ids)
        return done.update(passages=False)

    def _actors(self, ids: list[int]) -> int:
        articles = list(Article.objects.filter(id__in=ids).order_by("id").prefetch_related("paragraphs"))
        mentions = self.extractor([article_text(a.title, (p.text for p in a.body_paragraphs())) for a in articles])
        with transaction.atomic():
            ActorResolver().assign([(a.pk, found) for a, found in zip(articles, mentions, strict=True)])
            enqueue(a.pk for a in articles)
            PendingEnrichment.objects.filter(article_id__in=ids).update(actors=False)
        # Saved searches filtered by actor could not match these articles at import time.
        _found(frozenset(a.pk for a in articles))
        return len(articles)

    @staticmethod
    def _merge() -> int:
        with transaction.atomic():
            finished = PendingEnrichment.objects.filter(actors=False, passages=False)
            ids = frozenset(finished.values_list("article_id", flat=True))
            merged, _ = merge_variants()
            delete_orphans()
            finished.delete()
        if merged:  # a name variant joined an actor: saved searches by that actor look again
            _found(ids)
        return merged


def _found(article_ids: frozenset[int]) -> None:
    """Say that these articles have their actors, once the index holds them: the saved searches
    filtered by actor (search.monitor.alerts) search the index. An engine that indexes in the
    articles' transaction has them already; otherwise the queued work is applied now, as the
    index worker's next drain would (this step holds the import lock, so no import has the
    writer; a drain that cannot take it is logged and the searches see the index as it is)."""
    try:
        drain_once()
    except (IndexLocked, IndexUnavailable) as exc:
        log.warning("enrichment: the index could not be brought up to date before the saved searches by actor ran: %s", exc)
    actors_found.send(sender=Enricher, article_ids=article_ids)
