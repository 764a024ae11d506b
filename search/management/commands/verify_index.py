"""python manage.py verify_index: is the index in step with the database?"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from search.index import get_backend
from search.index.documents import documents_for
from search.index.outbox import pending_count
from search.store.models import Article

CHUNK = 1000


class Command(BaseCommand):
    help = "Report articles missing from, stale in, or wrongly present in the index; exit 1 if any."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--show", type=int, default=10, help="how many ids of each kind to list")

    def handle(self, *args: Any, **options: Any) -> None:
        indexed = get_backend().fingerprints()
        missing: list[int] = []
        stale: list[int] = []
        visible: set[int] = set()
        ids = list(Article.objects.filter(hidden=False).order_by("id").values_list("id", flat=True))
        for start in range(0, len(ids), CHUNK):
            for doc in documents_for(ids[start : start + CHUNK]):
                visible.add(doc["id"])
                if doc["id"] not in indexed:
                    missing.append(doc["id"])
                elif indexed[doc["id"]] != doc["fingerprint"]:
                    stale.append(doc["id"])
        extra = sorted(set(indexed) - visible)
        show = options["show"]
        self.stdout.write(f"{len(visible)} visible articles, {len(indexed)} indexed documents, {pending_count()} queued index tasks")
        for label, ids in (("missing from the index", missing), ("stale in the index", stale), ("indexed but hidden or deleted", extra)):
            if ids:
                listed = ", ".join(map(str, ids[:show])) + (" ..." if len(ids) > show else "")
                self.stdout.write(f"{len(ids)} {label}: {listed}")
        if missing or stale or extra:
            self.stdout.write("Fix: `python manage.py run_index_worker --once` applies queued work; `python manage.py rebuild_index` rebuilds everything.")
            sys.exit(1)
        self.stdout.write("index consistent with the database")
