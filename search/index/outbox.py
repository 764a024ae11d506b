"""The outbox of index work and the one writer that applies it.

Every change to an article queues an IndexTask in the same database transaction. The index
writer (the importer during an import, `run_index_worker` otherwise) applies queued tasks and
deletes them only after the index commit, so a crash at any point leaves work queued, never lost.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable

from django.db import transaction

from search.index.base import BackendWriter, SearchBackend
from search.index.documents import document_for, indexable
from search.store.models import Article, IndexTask

log = logging.getLogger(__name__)
DRAIN_BATCH = 500


def enqueue(article_ids: Iterable[int], action: str = IndexTask.Action.INDEX) -> int:
    tasks = [IndexTask(article_id=article_id, action=action) for article_id in article_ids]
    IndexTask.objects.bulk_create(tasks, batch_size=1000)
    return len(tasks)


def pending_count() -> int:
    return IndexTask.objects.count()


class IndexSession:
    """Holds the index writer for a run: apply queued work, commit every so often."""

    def __init__(self, backend: SearchBackend, *, lock_timeout: float = 0.0, commit_every: float = 30.0) -> None:
        self.backend = backend
        self.lock_timeout = lock_timeout
        self.commit_every = commit_every
        self._writer: BackendWriter | None = None
        self._done_tasks: list[int] = []
        self._written: set[int] = set()
        self._last_commit = time.monotonic()
        self.indexed = 0
        self.deleted = 0

    def _ensure_writer(self) -> BackendWriter:
        if self._writer is None:
            self._writer = self.backend.open_writer(timeout=self.lock_timeout)
        return self._writer

    def drain(self, limit: int | None = None) -> int:
        """Apply queued tasks (all of them, or at most `limit`). Returns how many were applied."""
        applied = 0
        last_seen = max(self._done_tasks, default=0)
        while limit is None or applied < limit:
            size = DRAIN_BATCH if limit is None else min(DRAIN_BATCH, limit - applied)
            tasks = list(IndexTask.objects.filter(id__gt=last_seen).order_by("id")[:size])
            if not tasks:
                break
            last_seen = tasks[-1].id
            self._apply(tasks)
            applied += len(tasks)
            if time.monotonic() - self._last_commit > self.commit_every:
                self.commit()
        return applied

    def _apply(self, tasks: list[IndexTask]) -> None:
        latest: dict[int, str] = {}
        for task in tasks:
            latest[task.article_id] = task.action
        if self._written & latest.keys():
            # Whoosh does not replace a document added earlier in the same uncommitted batch.
            self.commit()
        writer = self._ensure_writer()
        wanted = [article_id for article_id, action in latest.items() if action == IndexTask.Action.INDEX]
        docs = [document_for(article) for article in indexable(Article.objects.filter(id__in=wanted, hidden=False))]
        writer.update(docs)
        gone = set(latest) - {doc["id"] for doc in docs}
        writer.delete(gone)
        self._written |= set(latest)
        self._done_tasks.extend(task.id for task in tasks)
        self.indexed += len(docs)
        self.deleted += len(gone)

    def commit(self) -> None:
        if self._writer is None:
            return
        self._writer.commit()
        self._writer = None
        with transaction.atomic():
            for start in range(0, len(self._done_tasks), 500):
                IndexTask.objects.filter(id__in=self._done_tasks[start : start + 500]).delete()
        self._done_tasks.clear()
        self._written.clear()
        self._last_commit = time.monotonic()

    def close(self) -> None:
        """Commit what was applied."""
        self.commit()

    def abort(self) -> None:
        """Drop uncommitted index work; its tasks stay queued for the next writer."""
        if self._writer is not None:
            self._writer.cancel()
            self._writer = None
        self._done_tasks.clear()
        self._written.clear()
