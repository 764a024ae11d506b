"""python manage.py enrich_articles: actors and shared passages of articles imported with
--enrich=later, until none waits (run_index_worker does the same step by step in the background)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from search.index.base import IndexLocked, IndexUnavailable
from search.store.enrichment import BATCH_SIZE, PASSAGE_BATCH, Enricher, progress


class Command(BaseCommand):
    help = "Find the actors and shared passages of articles imported with --enrich=later, oldest first, until none waits."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE, help="articles per actor step")
        parser.add_argument("--passage-batch", type=int, default=PASSAGE_BATCH, help="articles per shared-passage step")
        parser.add_argument("--steps", type=int, default=None, help="stop after this many steps (default: when nothing waits)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch_size"] < 1 or options["passage_batch"] < 1:
            raise CommandError("--batch-size and --passage-batch must be at least 1", returncode=2)
        if options["steps"] is not None and options["steps"] < 1:
            raise CommandError("--steps must be at least 1", returncode=2)
        enricher = Enricher(batch_size=options["batch_size"], passage_batch=options["passage_batch"])
        started = time.monotonic()
        steps = 0
        try:
            while options["steps"] is None or steps < options["steps"]:
                step = enricher.step(wait=None)  # an import running meanwhile is waited for
                if step is None:
                    break
                steps += 1
                done = f"{step.articles} actor variants merged" if step.stage == "merge" else f"{step.articles} articles"
                self.stdout.write(f"{step.stage}: {done} in {step.seconds:.1f}s")
        finally:
            enricher.close()
        left = progress()
        self.stdout.write(
            f"{steps} enrichment steps in {time.monotonic() - started:.1f}s; "
            + (left.message if left else "nothing waits for enrichment")
        )
        from search.index.outbox import drain_once

        try:
            applied = drain_once()
        except (IndexLocked, IndexUnavailable) as exc:
            self.stderr.write(f"the index is updated by run_index_worker: {exc}")
        else:
            if applied:
                self.stdout.write(f"index updated for {applied} articles")
