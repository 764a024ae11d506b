"""python manage.py find_duplicates [--rebuild]: shared passages between articles."""

from __future__ import annotations

import resource
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from search.duplicates.detect import ShingleIndex
from search.store import passages
from search.store.models import Article
from search.store.statistics import refresh_statistics


class Command(BaseCommand):
    help = "Find passages shared between articles: new articles only, or everything with --rebuild."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rebuild", action="store_true", help="recompute every group from all paragraphs")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        known: set[int] | None = None
        if not options["rebuild"]:
            try:
                known = set(ShingleIndex.load(passages.shingle_path()).para_article.tolist())
            except (OSError, ValueError):  # none yet, or an earlier version's file: start again
                known = None
        if known is None:
            stats = passages.rebuild()
        else:
            stats = passages.update_for(set(Article.objects.values_list("id", flat=True)) - known)
        refresh_statistics()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.stdout.write(
            f"{stats.groups} passage groups ({stats.members} occurrences) in {time.monotonic() - started:.1f}s, "
            f"peak memory {peak:.0f} MB; {stats.articles_changed} articles queued for the index"
        )
