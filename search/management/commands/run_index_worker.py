"""python manage.py run_index_worker: apply queued index work (edits from the web) as it arrives."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from search.index import get_backend
from search.index.base import IndexLocked, IndexUnavailable
from search.index.outbox import IndexSession, pending_count


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


class Command(BaseCommand):
    help = "Drain the index outbox: every second (default), or once with --once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="apply what is queued, then exit")
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between polls")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["once"]:
            self.stdout.write(f"index updated for {drain_once()} articles")
            return
        self.stdout.write("index worker: applying queued index work (Ctrl-C stops)")
        try:
            while True:
                try:
                    applied = drain_once()
                except IndexLocked:
                    applied = 0  # an import holds the writer and drains the outbox itself
                except IndexUnavailable as exc:
                    self.stderr.write(f"index worker: {exc}; retrying")
                    applied = 0
                if applied:
                    self.stdout.write(f"index updated for {applied} articles")
                time.sleep(options["interval"])
        except KeyboardInterrupt:
            return
