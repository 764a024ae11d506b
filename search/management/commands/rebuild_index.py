"""python manage.py rebuild_index: drop the index and index every visible article again."""

from __future__ import annotations

import os
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from search.index import get_backend
from search.index.base import IndexLocked, IndexUnavailable
from search.index.outbox import IndexSession, enqueue, rebuild_now
from search.store.models import Article, IndexTask
from search.store.statistics import refresh_statistics


class Command(BaseCommand):
    help = "Rebuild the search index from the database."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--processes",
            type=int,
            default=min(os.cpu_count() or 1, 4),
            help="worker processes analysing documents (default: CPUs, at most 4); 1 indexes in this process",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        backend = get_backend()
        started = time.monotonic()
        try:
            if backend.transactional:
                # One transaction: a killed rebuild leaves the old index. Its TRUNCATE locks the
                # engine's tables until it commits: searches meanwhile say the index is being
                # rebuilt (postgres/backend.py, SEARCH_LOCK_WAIT).
                # Reading ahead in a thread needs the articles committed: not when this command
                # runs inside a caller's transaction (tests, call_command in a transaction).
                ahead = not transaction.get_connection().in_atomic_block
                with transaction.atomic():
                    backend.reset()
                    IndexTask.objects.all().delete()
                    with backend.bulk_load():
                        count = rebuild_now(backend, list(Article.objects.filter(hidden=False).order_by("id").values_list("id", flat=True)), ahead)
                refresh_statistics()  # the engine's table was written anew
                self.stdout.write(f"indexed {count} articles in {time.monotonic() - started:.1f}s")
                return
            backend.reset()
            with transaction.atomic():
                IndexTask.objects.all().delete()
                enqueue(Article.objects.filter(hidden=False).values_list("id", flat=True).iterator())
            # Fewer, larger commits: each commit of a parallel writer adds a segment per process.
            session = IndexSession(backend, lock_timeout=30, processes=max(1, options["processes"]), commit_every=600)
            try:
                session.drain()
                session.close()
            except BaseException:
                session.abort()
                raise
        except (IndexLocked, IndexUnavailable) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"indexed {session.indexed} articles in {time.monotonic() - started:.1f}s")
