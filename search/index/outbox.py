"""The outbox of index work and the one writer that applies it.

Every change to an article queues an IndexTask in the same database transaction. The index
writer (the importer during an import, `run_index_worker` otherwise) applies queued tasks and
deletes them only after the index commit, so a crash at any point leaves work queued, never lost.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

from django.db import connections, transaction

from search.index import get_backend
from search.index.base import BackendWriter, SearchBackend
from search.index.documents import documents_for
from search.store.models import IndexTask

log = logging.getLogger(__name__)
DRAIN_BATCH = 500


def enqueue(article_ids: Iterable[int], action: str = IndexTask.Action.INDEX) -> int:
    """Queue index work for these articles, in the caller's transaction. A transactional engine
    (postgres) is written at once instead, in that same transaction: nothing is queued."""
    backend = get_backend()
    if backend.transactional:
        return apply_now(backend, article_ids, delete=action == IndexTask.Action.DELETE)
    tasks = [IndexTask(article_id=article_id, action=action) for article_id in article_ids]
    IndexTask.objects.bulk_create(tasks, batch_size=1000)
    return len(tasks)


def apply_now(backend: SearchBackend, article_ids: Iterable[int], delete: bool = False) -> int:
    """Bring these articles' documents up to date in the current transaction (hidden and
    deleted articles leave the index)."""
    writer = backend.open_writer()
    count = 0
    batch: list[int] = []
    for article_id in article_ids:
        batch.append(article_id)
        if len(batch) >= DRAIN_BATCH:
            count += _write(writer, batch, delete)
            batch = []
    if batch:
        count += _write(writer, batch, delete)
    writer.commit()
    return count


def rebuild_now(backend: SearchBackend, article_ids: list[int], ahead: bool = True) -> int:
    """Index these articles in the current transaction (a transactional engine's rebuild). With
    `ahead`, each batch is read and encoded in a second thread while the database writes the
    one before, so PostgreSQL's vector making and Python's share of the work overlap. The
    thread reads on its own connection, which sees committed articles only: `ahead` is for a
    rebuild that is not inside a caller's transaction."""
    if not ahead:
        return apply_now(backend, article_ids)
    writer = backend.open_writer()
    batches = [article_ids[start : start + DRAIN_BATCH] for start in range(0, len(article_ids), DRAIN_BATCH)]

    def encoded(batch: list[int]):  # type: ignore[no-untyped-def]
        try:
            return writer.encode(documents_for(batch))
        finally:
            connections.close_all()  # this thread's connection

    count = 0
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="rebuild-encode") as pool:
        ahead = pool.submit(encoded, batches[0]) if batches else None
        for index, batch in enumerate(batches):
            rows = ahead.result()  # type: ignore[union-attr]
            ahead = pool.submit(encoded, batches[index + 1]) if index + 1 < len(batches) else None
            writer.write_encoded(rows)
            count += len(rows)
    writer.commit()
    return count


def _write(writer: BackendWriter, article_ids: list[int], delete: bool) -> int:
    docs = [] if delete else documents_for(article_ids)
    writer.update(docs)
    writer.delete(set(article_ids) - {doc["id"] for doc in docs})
    return len(article_ids)


def pending_count() -> int:
    return IndexTask.objects.count()


class IndexSession:
    """Holds the index writer for a run: apply queued work, commit every so often."""

    def __init__(
        self, backend: SearchBackend, *, lock_timeout: float = 0.0, commit_every: float = 30.0, processes: int = 1
    ) -> None:
        self.backend = backend
        self.processes = processes
        self.lock_timeout = lock_timeout
        self.commit_every = commit_every
        self._writer: BackendWriter | None = None
        # Tasks whose articles were applied (read after the tasks) but not yet committed: exactly
        # these are deleted after the commit. Never "every task up to the highest id read": on
        # PostgreSQL a transaction takes its task id when it writes and commits later, so a lower
        # id can appear after the read; and a task queued for an article that waits for the commit
        # was never applied.
        self._applied_tasks: set[int] = set()
        self._written: set[int] = set()  # articles applied since the last commit
        self._last_commit = time.monotonic()
        self.indexed = 0
        self.deleted = 0

    def _ensure_writer(self) -> BackendWriter:
        if self._writer is None:
            self._writer = self.backend.open_writer(timeout=self.lock_timeout, processes=self.processes)
        return self._writer

    def drain(self, limit: int | None = None) -> int:
        """Bring every article with queued work up to date (or at most `limit` articles).

        An article queued several times (stored, then cleaned of boilerplate, then given its
        shared passages) is indexed once. The tasks are read first and the articles after them,
        so whatever change a task stands for is in the row that is indexed. Returns how many
        articles were brought up to date.
        """
        tasks: dict[int, list[int]] = {}
        for task_id, article_id in IndexTask.objects.order_by("id").values_list("id", "article_id").iterator(chunk_size=5000):
            if task_id not in self._applied_tasks:
                tasks.setdefault(article_id, []).append(task_id)
        ids = sorted(tasks)
        if limit is not None:
            ids = ids[:limit]
        for start in range(0, len(ids), DRAIN_BATCH):
            chunk = ids[start : start + DRAIN_BATCH]
            self._apply(chunk, [task for article_id in chunk for task in tasks[article_id]])
            if time.monotonic() - self._last_commit > self.commit_every:
                self.commit()
        return len(ids)

    def _apply(self, article_ids: list[int], task_ids: list[int]) -> None:
        if self._written & set(article_ids):
            # Queued again since it was applied: commit that first (Whoosh does not replace a
            # document added earlier in the same uncommitted batch), then apply the newer row.
            self.commit()
        writer = self._ensure_writer()  # rows are read under the writer lock: no older copy commits after ours
        docs = documents_for(article_ids)
        writer.update(docs)
        gone = set(article_ids) - {doc["id"] for doc in docs}
        writer.delete(gone)  # hidden or deleted
        self._written |= set(article_ids)
        self._applied_tasks.update(task_ids)
        self.indexed += len(docs)
        self.deleted += len(gone)

    def commit(self) -> None:
        if self._writer is None:
            return
        try:
            self._writer.commit()
        except BaseException:
            self.abort()  # nothing was committed: the tasks stay queued for the next writer
            raise
        self._writer = None
        # Only the tasks that were applied: anything queued meanwhile stays for the next drain.
        done = sorted(self._applied_tasks)
        with transaction.atomic():
            for start in range(0, len(done), 500):
                IndexTask.objects.filter(id__in=done[start : start + 500]).delete()
        self._applied_tasks.clear()
        self._written.clear()
        self._last_commit = time.monotonic()

    def close(self) -> None:
        """Commit what was applied."""
        self.commit()

    def abort(self) -> None:
        """Drop uncommitted index work; its tasks stay queued for the next writer.

        Called while an error is being handled, so it never raises: the error that stopped the
        run (a full disk, a read-only folder) is the one to report.
        """
        if self._writer is not None:
            writer, self._writer = self._writer, None
            try:
                writer.cancel()
            except Exception as exc:  # noqa: BLE001
                log.warning("index writer could not be cancelled cleanly: %s", exc)
        self._applied_tasks.clear()
        self._written.clear()


def drain_once(lock_timeout: float = 5.0) -> int:
    """Apply everything queued now and commit. Returns how many articles were brought up to date."""
    if not pending_count():
        return 0
    session = IndexSession(get_backend(), lock_timeout=lock_timeout)
    try:
        applied = session.drain()
        session.close()
    except BaseException:
        session.abort()
        raise
    return applied
