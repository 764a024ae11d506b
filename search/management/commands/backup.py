"""python manage.py backup PATH: a consistent copy of the database, safe while the app runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from django.utils import timezone

from search.store.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Copy the database to PATH while imports and the web app keep running: SQLite's online "
        "backup (a .sqlite3 file), or pg_dump's custom format on PostgreSQL (restore with pg_restore). "
        "PATH may be a folder: the file is then named after the date and time."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path")
        parser.add_argument("--overwrite", action="store_true", help="replace an existing file at PATH")
        parser.add_argument("--database", default="default", help="the database alias (default: default)")

    def handle(self, *args: Any, **options: Any) -> None:
        settings_dict = connections[options["database"]].settings_dict
        sqlite = settings_dict["ENGINE"].endswith("sqlite3")
        target = Path(options["path"]).expanduser()
        if target.is_dir():
            target = target / f"newsindex-{timezone.now():%Y%m%d-%H%M%S}.{'sqlite3' if sqlite else 'dump'}"
        if target.exists() and not options["overwrite"]:
            raise CommandError(f"{target} exists: choose another path or add --overwrite")
        if sqlite and target.resolve() == Path(settings_dict["NAME"]).resolve():
            raise CommandError(f"{target} is the database itself: choose another path")
        try:
            report = backup(settings_dict, target)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        what = f"{report.articles} articles, " if report.articles is not None else ""
        self.stdout.write(
            f"backup written to {report.path} ({report.engine}, {what}{report.bytes / 1e6:.1f} MB) in {report.seconds:.1f}s"
        )
