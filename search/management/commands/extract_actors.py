"""python manage.py extract_actors [--all | ID ...]: run actor extraction again."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from search.store.actors import delete_orphans, extract_for_articles, merge_variants
from search.store.models import Article


class Command(BaseCommand):
    help = "Extract actors again for some or all articles; stale actors are replaced, curated decisions kept."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("ids", nargs="*", type=int, metavar="ID")
        parser.add_argument("--all", action="store_true", help="every article")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["all"] == bool(options["ids"]):
            raise CommandError("give article ids or --all", returncode=2)
        ids = list(Article.objects.values_list("id", flat=True)) if options["all"] else options["ids"]
        started = time.monotonic()
        done = extract_for_articles(ids)
        with transaction.atomic():
            merged, suggested = merge_variants()
            delete_orphans()
        seconds = time.monotonic() - started
        self.stdout.write(
            f"actors extracted for {done} articles in {seconds:.1f}s ({done / seconds if seconds else 0:.1f}/s); "
            f"{merged} variants merged, {suggested} merges suggested; run_index_worker applies the index updates"
        )
