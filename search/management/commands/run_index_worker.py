"""python manage.py run_index_worker: apply queued index work (edits from the web) as it arrives,
and between drains enrich articles imported with --enrich=later (search.store.enrichment)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from search.index.base import IndexLocked, IndexUnavailable
from search.index.outbox import drain_once, pending_count
from search.store.enrichment import BATCH_SIZE, Enricher
from search.store.import_lock import import_running

LOCKED_NOTE_AFTER = 60.0  # seconds: an import holds the writer for its run; longer than this is worth a line
# While an import runs, seconds between drains: the import needs the index writer at its start
# and end (it waits --lock-timeout, 30 s, for it) and must not find it taken every time it looks.
PAUSE_DURING_IMPORT = 5.0


class Command(BaseCommand):
    _enrich_problem = ""
    help = "Drain the index outbox: every second (default), or once with --once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="apply what is queued, then exit")
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between polls")
        parser.add_argument(
            "--no-enrich", action="store_true",
            help="leave articles imported with --enrich=later waiting (enrich_articles does them then)",
        )
        parser.add_argument(
            "--enrich-batch-size", type=int, default=BATCH_SIZE, metavar="N",
            help=f"articles per actor step (default {BATCH_SIZE}); an import waits for at most one step",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["enrich_batch_size"] < 1:
            raise CommandError("--enrich-batch-size must be at least 1", returncode=2)
        if options["once"]:
            try:
                applied = drain_once()
            except (IndexLocked, IndexUnavailable) as exc:
                raise CommandError(
                    f"{exc}. The queued index work ({pending_count()} tasks) is kept: run this command again once this is fixed",
                    returncode=1,
                ) from exc
            self.stdout.write(f"index updated for {applied} articles")
            return
        self.stdout.write("index worker: applying queued index work (Ctrl-C stops)")
        problem = ""  # the fault last reported, said once (not every second) until it clears
        locked_since: float | None = None
        enricher = None if options["no_enrich"] else Enricher(batch_size=options["enrich_batch_size"])
        try:
            while True:
                enriched = enricher is not None and not import_running() and self._enrich(enricher)
                applied = 0
                try:
                    applied = drain_once()
                    locked_since = None
                    if problem:
                        self.stdout.write("index worker: the index can be written again")
                        problem = ""
                except IndexLocked as exc:
                    # An import holds the writer and drains the outbox itself; say so only if it lasts.
                    locked_since = locked_since or time.monotonic()
                    if time.monotonic() - locked_since > LOCKED_NOTE_AFTER and problem != str(exc):
                        problem = str(exc)
                        self.stderr.write(f"index worker: waiting: {exc}")
                except IndexUnavailable as exc:
                    locked_since = None
                    if problem != str(exc):
                        problem = str(exc)
                        self.stderr.write(f"index worker: {exc}. Queued work is kept; retrying every {options['interval']:g}s")
                if applied:
                    self.stdout.write(f"index updated for {applied} articles")
                if not enriched:  # more enrichment waiting: go on with it after this drain
                    time.sleep(max(options["interval"], PAUSE_DURING_IMPORT) if import_running() else options["interval"])
        except KeyboardInterrupt:
            return
        finally:
            if enricher is not None:
                enricher.close()

    def _enrich(self, enricher: Enricher) -> bool:
        """One enrichment step, if any waits (its index work is applied by the drain that follows);
        True when one was done. The NER worker processes are let go once nothing waits. A failed
        step is said once and tried again later: its articles stay waiting, the drains go on."""
        try:
            step = enricher.step(wait=0)
        except Exception as exc:  # noqa: BLE001
            enricher.close()
            if str(exc) != self._enrich_problem:
                self._enrich_problem = str(exc)
                self.stderr.write(f"index worker: enrichment failed, its articles stay waiting: {exc}")
            return False
        self._enrich_problem = ""
        if step is None:
            enricher.close()
            return False
        done = f"{step.articles} actor variants merged" if step.stage == "merge" else f"{step.stage} for {step.articles} articles"
        self.stdout.write(f"enrichment: {done} in {step.seconds:.1f}s")
        return True
