"""python manage.py poll_sources [--once]: fetch what the sources offer and import it; deliver webhooks."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from search.fetch.http import Fetcher
from search.index.base import IndexLocked, IndexUnavailable
from search.monitor.alerts import deliver_due
from search.monitor.models import Source
from search.monitor.poll import due_sources, fetch_policy, next_due, poll
from search.store.importer import Importer

MAX_SLEEP = 30.0  # seconds between two looks at the sources and the delivery queue


class Command(BaseCommand):
    help = (
        "Poll the sources set in the admin (feeds, sitemaps, URL lists, pages) as they fall due, import "
        "their new articles and deliver saved-search webhooks. --once polls every active source now and exits."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="poll every active source once, deliver webhooks, exit")
        parser.add_argument("--no-actors", action="store_true", help="skip actor extraction for the new articles")

    def handle(self, *args: Any, **options: Any) -> None:
        # Sources and webhooks are set through the web: the private-address rule applies. One fetcher
        # for the whole run keeps each host's robots.txt (an hour) and its last request time.
        fetcher = Fetcher(fetch_policy(from_web=True))
        try:
            if options["once"]:
                self._round(list(Source.objects.filter(active=True)), fetcher, options)
                return
            self.stdout.write("polling sources as they fall due (Ctrl-C stops)")
            while True:
                self._round(due_sources(), fetcher, options)
                upcoming = next_due()
                wait = MAX_SLEEP if upcoming is None else (upcoming - timezone.now()).total_seconds()
                time.sleep(min(MAX_SLEEP, max(1.0, wait)))
        finally:
            fetcher.close()

    def _round(self, sources: list[Source], fetcher: Fetcher, options: dict[str, Any]) -> None:
        if sources:
            try:
                report = poll(sources, fetcher, Importer(actors=not options["no_actors"]))
            except (IndexLocked, IndexUnavailable) as exc:
                self.stderr.write(f"import stopped: {exc} (articles stored so far are kept; the next poll goes on)")
            else:
                for outcome in report.outcomes:
                    (self.stderr if outcome.error else self.stdout).write(outcome.line())
                if report.import_report:
                    self.stdout.write(report.import_report.summary())
        delivered, failed = deliver_due(fetcher)
        if delivered or failed:
            self.stdout.write(f"webhooks: {delivered} delivered, {failed} to retry or given up")
