"""Import throughput and search latency of newsindex on a real corpus.

Run from the repository root:

    .venv/bin/python benchmarks/search_latency.py
    .venv/bin/python benchmarks/search_latency.py --corpus ../shared/corpora/allsides/sample2000.jsonl
    .venv/bin/python benchmarks/search_latency.py --data-dir /tmp/bench --reuse --json bench.json

Both engines on one PostgreSQL archive (imported once; each engine's index rebuilt and timed):

    DATABASE_URL=postgres://... .venv/bin/python benchmarks/search_latency.py --engine postgres --data-dir D --reuse --rebuild
    DATABASE_URL=postgres://... NEWSINDEX_BENCH_KEEP_DATABASE=1 .venv/bin/python benchmarks/search_latency.py \
        --engine whoosh --data-dir D --reuse --rebuild

What it measures:

1. Import: `Importer().run([corpus])` into an empty data folder (SQLite database and Whoosh
   index), then a second, unchanged re-import of the same file (every record "unchanged").
2. Search: the query mix of benchmarks/harness/mix.py (seed 42, drawn from the imported articles).
   By default (--via http) each query is timed once as a GET of the search page, `/?q=...`,
   from one client against the production-style server of `make serve`: gunicorn with 3 sync
   workers, DEBUG off, whitenoise, started by this script on a free 127.0.0.1 port over the same
   data folder. The time is from sending the request to reading the whole page: the Whoosh
   search, the exact total, outlet/actor/date facets over all matches, loading the 20 articles
   of the page and their highlighted snippets, rendering the template, and HTTP. The page's
   Server-Timing header gives the part spent in the search itself (`search`). With --via
   process the same queries are timed in this process through `run_search()` instead.
   A short warm-up pass runs first and is not counted (over HTTP, in every worker).

It reports p50/p95/p99/max latency overall and per query kind, the index and database sizes
and the machine it ran on. Everything lives in --data-dir (default: a new temporary folder,
removed at the end), never in the developer's data/: NEWSINDEX_DATA_DIR is set before Django
starts. DATABASE_URL is ignored (the benchmark measures the default SQLite set-up) and DEBUG
is forced off so Django does not keep every SQL query in memory.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository: `search`, `benchmarks.harness`

from benchmarks.harness.measure import disk_usage, index_bytes, latency_summary, load_average, machine_facts, mb, write_json  # noqa: E402
from benchmarks.harness.mix import COLLAPSE_KINDS, MIX, BenchQuery, build_query_mix, describe_mix, warmup_queries  # noqa: E402
from benchmarks.harness.processes import signals_exit  # noqa: E402
from benchmarks.harness.servers import PageServer, QueryTiming, run_query, start_django  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO.parent / "shared" / "corpora" / "allsides" / "articles.jsonl.gz"


# --- set-up ----------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help=f"file or folder to import (default: {DEFAULT_CORPUS})")
    parser.add_argument("--data-dir", type=Path, help="NEWSINDEX_DATA_DIR for the run (default: a new temporary folder, removed after)")
    parser.add_argument("--queries", type=int, default=100, help="number of timed queries (default: 100)")
    parser.add_argument("--reuse", action="store_true", help="skip the import when --data-dir already holds an imported corpus")
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write the figures as JSON to OUT")
    parser.add_argument(
        "--via", choices=("http", "process"), default="http", help="time the search page over HTTP (default) or run_search() in process"
    )
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers with --via http (default 3, as make serve)")
    parser.add_argument(
        "--engine",
        choices=("whoosh", "postgres"),
        default="whoosh",
        help="search engine (SEARCH_BACKEND); postgres runs on DATABASE_URL, which must be set",
    )
    parser.add_argument(
        "--queries-from",
        type=Path,
        metavar="JSON",
        help="time the query mix of an earlier run (its --json file) instead of drawing one: the same queries on both engines",
    )
    parser.add_argument(
        "--rebuild", action="store_true", help="time `rebuild_index` (the index build throughput, articles/s) before the queries"
    )
    args = parser.parse_args(argv)
    if args.queries < 1:
        parser.error("--queries must be at least 1")
    if not args.corpus.exists():
        parser.error(f"--corpus {args.corpus}: no such file or folder")
    if args.engine == "postgres" and not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        parser.error("--engine postgres needs DATABASE_URL=postgres://... (the engine keeps its index in that database)")
    return args


# --- import ------------------------------------------------------------------------------------


@dataclass
class ImportFigures:
    label: str
    records: int
    imported: int
    updated: int
    unchanged: int
    rejected: int
    warnings: int
    boilerplate_articles: int
    seconds: float
    records_per_s: float
    articles_per_s: float
    rejections: list[str] = field(default_factory=list)


def _progress_printer(label: str) -> object:
    """A Progress (search.ingest.progress) that prints the records every 5,000."""
    from search.ingest.progress import Progress

    class Printer(Progress):
        def __init__(self) -> None:
            self.started = time.perf_counter()
            self.seen = 0
            self.next_report = 5000

        def records(self, count: int) -> None:
            self.seen += count
            if self.seen >= self.next_report:
                elapsed = time.perf_counter() - self.started
                print(f"  {label}: {self.seen} records, {elapsed:.0f}s ({self.seen / elapsed:.0f}/s)", file=sys.stderr, flush=True)
                self.next_report += 5000

    return Printer()


def timed_import(corpus: Path, label: str) -> ImportFigures:
    from search.store.importer import Importer

    started = time.perf_counter()
    report = Importer().run([corpus], progress=_progress_printer(label))  # type: ignore[arg-type]
    seconds = time.perf_counter() - started
    return ImportFigures(
        label=label,
        records=report.seen,
        imported=report.imported,
        updated=report.updated,
        unchanged=report.unchanged,
        rejected=len(report.rejected),
        warnings=len(report.warnings),
        boilerplate_articles=report.boilerplate_articles,
        seconds=seconds,
        records_per_s=report.seen / seconds if seconds else 0.0,
        articles_per_s=report.imported / seconds if seconds else 0.0,
        rejections=[f"{r.where()}: {r.reason}" for r in report.rejected[:20]],
    )


def already_imported() -> bool:
    from search.index import get_backend
    from search.store.models import Article

    return bool(Article.objects.exists()) and get_backend().doc_count() > 0


# --- search timing -------------------------------------------------------------------------------


def time_queries(mix: list[BenchQuery], server: PageServer | None) -> tuple[list[QueryTiming], list[str], list[float]]:
    """Run the warm-up queries (timed apart), then time every query of the mix once."""
    warmup = [bq.q for bq in warmup_queries(mix)]
    if server is not None:
        warmup_ms = server.warm(warmup)
    else:
        warmup_ms = [run_query(q).ms for q in warmup]
    timings = []
    for bq in mix:
        timing = server.get(bq.q) if server is not None else run_query(bq.q)
        timing.kind = bq.kind
        timings.append(timing)
    return timings, warmup, warmup_ms


def time_collapsed(mix: list[BenchQuery], server: PageServer | None) -> list[QueryTiming]:
    timings = []
    for bq in mix:
        if bq.kind in COLLAPSE_KINDS:
            timing = server.get(bq.q, collapse="1") if server is not None else run_query(bq.q, collapse="1")
            timing.kind = f"{bq.kind}, collapse=1"
            timings.append(timing)
    return timings


# --- report ---------------------------------------------------------------------------------------


def print_import(figures: ImportFigures) -> None:
    print(
        f"{figures.label:<22} {figures.records:>7} records  imported {figures.imported}  updated {figures.updated}  "
        f"unchanged {figures.unchanged}  rejected {figures.rejected}  in {figures.seconds:.1f}s  "
        f"= {figures.records_per_s:.0f} records/s, {figures.articles_per_s:.0f} articles/s"
    )
    if figures.warnings or figures.boilerplate_articles:
        print(f"{'':<22} {figures.warnings} cleaning warnings, {figures.boilerplate_articles} articles had boilerplate removed")
    for line in figures.rejections[:5]:
        print(f"{'':<22} rejected {line}")
    if figures.rejected > 5:
        print(f"{'':<22} ... {figures.rejected - 5} more rejections")


def print_latency_table(rows: list[tuple[str, dict[str, float]]]) -> None:
    print(f"{'query kind':<28} {'n':>4} {'p50 ms':>9} {'p95 ms':>9} {'p99 ms':>9} {'max ms':>9} {'mean ms':>9}")
    print("-" * 82)
    for name, s in rows:
        print(f"{name:<28} {s['n']:>4} {s['p50']:>9.1f} {s['p95']:>9.1f} {s['p99']:>9.1f} {s['max']:>9.1f} {s['mean']:>9.1f}")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    corpus = args.corpus.resolve()
    temporary = args.data_dir is None
    data_dir = Path(tempfile.mkdtemp(prefix="newsindex-bench-")) if temporary else args.data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        return benchmark(args, corpus, data_dir, temporary)
    finally:
        if temporary:
            shutil.rmtree(data_dir, ignore_errors=True)


def benchmark(args: argparse.Namespace, corpus: Path, data_dir: Path, temporary: bool) -> int:
    start_django(data_dir, args.engine)
    from django.conf import settings
    from django.core.management import call_command

    from search.store.models import Article

    facts = machine_facts()
    print("newsindex search benchmark")
    print(f"  date {facts['date']}  nproc {facts['nproc']}  load average {facts['load_average']}  cpu {facts['cpu']}")
    print(f"  python {facts['python']}  django {facts['django']}  {facts['whoosh']}  {facts['platform']}")
    print(f"  corpus {corpus}")
    print(f"  data dir {data_dir}{' (temporary)' if temporary else ''}")
    print()

    call_command("migrate", verbosity=0)
    imports: list[ImportFigures] = []
    if args.reuse and (already_imported() or (args.rebuild and Article.objects.exists())):
        print(f"import: skipped (--reuse, {Article.objects.count()} articles already in the data dir)")
    else:
        if Article.objects.exists():
            print(f"error: {data_dir} already holds articles; use an empty --data-dir, or --reuse to skip the import", file=sys.stderr)
            return 2
        print("import (first run prints progress on stderr)")
        imports.append(timed_import(corpus, "import"))
        print_import(imports[-1])
        imports.append(timed_import(corpus, "re-import (unchanged)"))
        print_import(imports[-1])
    print()

    rebuild: dict[str, float] | None = None
    if args.rebuild:
        articles_before = Article.objects.filter(hidden=False).count()
        started = time.perf_counter()
        call_command("rebuild_index", stdout=open(os.devnull, "w"))  # noqa: SIM115
        seconds = time.perf_counter() - started
        rebuild = {"articles": articles_before, "seconds": seconds, "articles_per_s": articles_before / seconds}
        print(f"index build ({args.engine}, rebuild_index): {articles_before} articles in {seconds:.1f} s = {rebuild['articles_per_s']:.0f} articles/s")
        print()

    if args.queries_from:
        earlier = json.loads(args.queries_from.read_text())["queries"]
        mix = [BenchQuery(q["kind"], q["q"]) for q in earlier if not q["kind"].endswith(", collapse=1")]
    else:
        mix = build_query_mix(args.queries)
    counts = describe_mix(mix)

    server = PageServer(data_dir, args.workers) if args.via == "http" else None
    try:
        if server is not None:
            print(f"server: gunicorn, {server.workers} workers, DEBUG off, on 127.0.0.1:{server.port}; one client, GET /?q=...")
        timings, warmup, warmup_ms = time_queries(mix, server)
        collapsed = time_collapsed(mix, server)
    finally:
        if server is not None:
            server.close()
    overall = latency_summary([t.ms for t in timings])
    by_kind = [(kind, latency_summary([t.ms for t in timings if t.kind == kind])) for kind in MIX if counts[kind]]
    by_kind += [
        (f"{kind}, collapse=1", latency_summary([t.ms for t in collapsed if t.kind == f"{kind}, collapse=1"]))
        for kind in COLLAPSE_KINDS
        if counts[kind]
    ]
    how = "GET of the search page over HTTP" if server is not None else "run_search() in process"
    print(f"search latency: {how} per query, each timed once after a warm-up of {len(warmup)} queries")
    print_latency_table([*by_kind, ("ALL (the mix)", overall)])
    print(f"warm-up (not counted): {len(warmup_ms)} requests, the slowest {max(warmup_ms, default=0):.0f} ms")
    server_part: dict[str, float] | None = None
    if server is not None:
        server_part = latency_summary([t.server_ms for t in timings if t.server_ms is not None])
        print(f"of which the search itself (Server-Timing): p50 {server_part['p50']:.1f} ms, p95 {server_part['p95']:.1f} ms")
    print()
    print("slowest queries:")
    for t in sorted(timings, key=lambda t: t.ms, reverse=True)[:10]:
        flag = "  TIMED OUT" if t.timed_out else ""
        print(f"  {t.ms:>8.1f} ms  {t.kind:<16} {t.q or '(empty)':<36} {t.total:>6} matches, {t.rows} rows{flag}")
    empty = [t for t in timings if t.total == 0]
    if empty:
        print(f"queries with no match: {len(empty)} ({', '.join(t.q for t in empty[:8])})")
    timed_out = [t for t in timings if t.timed_out]
    if timed_out:
        print(f"queries that hit the search time limit: {len(timed_out)}")
    print()

    articles = Article.objects.count()
    print(f"articles in the database: {articles}")
    if args.engine == "postgres":
        from django.db import connection

        index_used = index_bytes("postgres")
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_database_size(current_database())")
            db_used = cursor.fetchone()[0]
        index_apparent, db_apparent, wal_used = index_used, db_used, 0
        print(f"index in the database: {mb(index_used)} (search_pgdocument and search_pgword, with their indexes)")
        print(f"database size:    {mb(db_used)}  {connection.settings_dict['NAME']}")
    else:
        index_used, index_apparent = disk_usage(Path(settings.NEWSINDEX_SEARCH["PATH"]))
        print(f"index on disk:    {mb(index_used)} ({mb(index_apparent)} apparent)  {settings.NEWSINDEX_SEARCH['PATH']}")
        if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
            db_path = Path(settings.DATABASES["default"]["NAME"])
            db_used, db_apparent = disk_usage(db_path)
            wal_used, _ = disk_usage(db_path.with_name(db_path.name + "-wal"))
            print(f"database on disk: {mb(db_used)} ({mb(db_apparent)} apparent) + WAL {mb(wal_used)}  {db_path}")
        else:
            db_used = db_apparent = wal_used = 0
    facts["load_average_end"] = load_average()
    print(f"load average at the end: {facts['load_average_end']} (on {facts['nproc']} CPUs)")

    if args.json:
        figures = {
            "machine": facts,
            "corpus": str(corpus),
            "data_dir": str(data_dir),
            "articles": articles,
            "imports": [asdict(f) for f in imports],
            "query_mix": dict(counts),
            "engine": args.engine,
            "rebuild": rebuild,
            "via": args.via,
            "workers": args.workers if args.via == "http" else None,
            "server_search_ms": server_part,
            "warmup": warmup,
            "warmup_ms": {"n": len(warmup_ms), "max": max(warmup_ms, default=None)},
            "latency_ms": {"all": overall, **dict(by_kind)},
            "queries": [asdict(t) for t in timings + collapsed],
            "index_bytes": index_used,
            "index_apparent_bytes": index_apparent,
            "db_bytes": db_used,
            "db_apparent_bytes": db_apparent,
            "db_wal_bytes": wal_used,
        }
        write_json(args.json, figures)
        print(f"figures written to {args.json}")
    return 0


if __name__ == "__main__":
    with signals_exit():  # SIGTERM and SIGHUP stop the server children too
        sys.exit(main())
