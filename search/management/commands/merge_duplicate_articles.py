"""python manage.py merge_duplicate_articles [--dry-run]"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from search.store.import_lock import ImportBusy, import_lock
from search.store.merge import merge_duplicates


class Command(BaseCommand):
    help = (
        "Merge articles that are one article by the identity rule (same canonical URL, else the same "
        "record id from the same source, else the same outlet and text), keeping curators' edits, hidden "
        "flags, actor links and passage marks. --dry-run lists what would be merged."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="list the merges, change nothing")
        parser.add_argument(
            "--wait", type=float, default=None, metavar="SECONDS",
            help="how long to wait for a running import to finish (default: as long as it takes)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            with import_lock(options["wait"], lambda message: self.stderr.write(f"merge_duplicate_articles: {message}")):
                groups = merge_duplicates(dry_run=options["dry_run"], report=self.stdout.write)
        except ImportBusy as exc:
            raise CommandError(f"{exc}: nothing was merged; try again when it has finished", returncode=1) from exc
        merged = sum(len(g.merged) for g in groups)
        if options["dry_run"]:
            self.stdout.write(f"{len(groups)} groups, {merged} articles would be merged away (dry run: nothing changed)")
        else:
            self.stdout.write(
                f"{len(groups)} groups, {merged} articles merged away"
                + ("; the index worker (or the next import) applies the queued index work" if groups else "")
            )
