"""python manage.py import_articles PATH [PATH ...]"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from search.index.base import IndexLocked, IndexUnavailable
from search.ingest.progress import TerminalProgress
from search.ingest.readers import path_problem
from search.monitor.poll import inputs
from search.store.import_lock import ImportBusy
from search.store.importer import BATCH_SIZE, Importer

MAX_LISTED = 200


class Command(BaseCommand):
    help = (
        "Import news articles from folders of .txt/.md/.html files (with an optional metadata.csv), "
        "or .jsonl/.json/.csv record files, any of them gzip-compressed, or http(s) URLs of a feed, a sitemap "
        "or a page. Only regular files are read (FIFOs, sockets and devices are skipped); oversized lines, "
        "records and gzip bombs are rejected while streaming. Exit status: 0 all imported, 1 some inputs "
        "rejected, 2 usage error."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", metavar="PATH", help="files or folders to import, or URLs of a feed, sitemap or page")
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
        parser.add_argument("--no-progress", action="store_true", help="no progress bar even on a terminal")
        parser.add_argument(
            "--no-actors", action="store_true", help="skip actor extraction (the slowest stage); run `extract_actors --all` later"
        )
        parser.add_argument("--no-passages", action="store_true", help="skip shared-passage detection; run `find_duplicates` later")
        parser.add_argument(
            "--enrich", choices=("inline", "later"), default="inline",
            help="inline (default): actors and shared passages are found during the import; later: the articles are "
            "stored and indexed first (searchable at once) and run_index_worker (or enrich_articles) finds them after",
        )
        parser.add_argument(
            "--lock-timeout", type=float, default=30.0, metavar="SECONDS",
            help="how long to wait for another process that holds the index writer (default 30)",
        )
        parser.add_argument(
            "--wait", type=float, default=None, metavar="SECONDS",
            help="how long to wait for another import of this database to finish (default: as long as it takes)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1", returncode=2)
        if options["lock_timeout"] < 0:
            raise CommandError("--lock-timeout must be 0 or more", returncode=2)
        if options["wait"] is not None and options["wait"] < 0:
            raise CommandError("--wait must be 0 or more", returncode=2)
        for given in options["paths"]:
            problem = path_problem(given)
            if problem:
                raise CommandError(f"{given}: {problem}: give files, folders or http(s):// URLs", returncode=2)
        show_bar = sys.stderr.isatty() and not options["no_progress"] and options["verbosity"] > 0
        progress = TerminalProgress(sys.stderr) if show_bar else None
        importer = Importer(
            batch_size=options["batch_size"],
            lock_timeout=options["lock_timeout"],
            actors=not options["no_actors"],
            passages=not options["no_passages"],
            wait=options["wait"],
            enrich=options["enrich"],
            notify=lambda message: self.stderr.write(f"import_articles: {message}"),
        )
        try:
            report = importer.run_items(inputs(options["paths"], progress), progress=progress)
        except ImportBusy as exc:
            raise CommandError(f"{exc}: nothing was imported; try again when it has finished", returncode=1) from exc
        except (IndexLocked, IndexUnavailable) as exc:
            raise CommandError(
                f"{exc}. The articles stored so far are kept and their index work stays queued: once this is "
                "fixed, `python manage.py run_index_worker --once` (or the same import again) indexes them",
                returncode=1,
            ) from exc
        verbose = options["verbosity"] > 1
        for problem in report.rejected[: None if verbose else MAX_LISTED]:
            self.stderr.write(f"rejected {problem.where()}: {problem.reason}")
        if len(report.rejected) > MAX_LISTED and not verbose:
            self.stderr.write(f"... and {len(report.rejected) - MAX_LISTED} more rejections (-v 2 lists all)")
        if report.warnings:
            for warning in report.warnings[: None if verbose else 20]:
                self.stderr.write(f"warning {warning}")
            if len(report.warnings) > 20 and not verbose:
                self.stderr.write(f"... and {len(report.warnings) - 20} more warnings (-v 2 lists all)")
        for duplicate in report.duplicates[: None if verbose else 20]:
            self.stdout.write(f"duplicate {duplicate}")
        if len(report.duplicates) > 20 and not verbose:
            self.stdout.write(f"... and {len(report.duplicates) - 20} more duplicates (-v 2 lists all)")
        if verbose:
            for note in report.ignored:
                self.stderr.write(f"ignored {note}")
        if report.boilerplate_articles:
            self.stdout.write(f"boilerplate learned from the corpus: {report.boilerplate_articles} articles cleaned")
        self.stdout.write(report.summary())
        if report.rejected:
            sys.exit(1)
