"""python manage.py unlock_index: remove a writer lock left behind by a killed process."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from search.index import get_backend
from search.index.base import IndexLocked, IndexUnavailable


class Command(BaseCommand):
    help = "Remove a stale index writer lock (refuses while a live process holds it)."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            removed = get_backend().unlock()
        except (IndexLocked, IndexUnavailable) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write("stale lock removed" if removed else "the index was not locked")
