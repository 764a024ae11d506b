"""python manage.py rebuild_index: drop the index and index every visible article again."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from search.index import get_backend
from search.index.base import IndexLocked, IndexUnavailable
from search.index.outbox import IndexSession, enqueue
from search.store.models import Article, IndexTask


class Command(BaseCommand):
    help = "Rebuild the search index from the database."

    def handle(self, *args: Any, **options: Any) -> None:
        backend = get_backend()
        started = time.monotonic()
        try:
            backend.reset()
            with transaction.atomic():
                IndexTask.objects.all().delete()
                enqueue(Article.objects.filter(hidden=False).values_list("id", flat=True).iterator())
            session = IndexSession(backend, lock_timeout=30)
            try:
                session.drain()
                session.close()
            except BaseException:
                session.abort()
                raise
        except (IndexLocked, IndexUnavailable) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"indexed {session.indexed} articles in {time.monotonic() - started:.1f}s")
