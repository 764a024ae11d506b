"""Both search engines on one archive, side by side: index build, search latency, memory, size.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/DB .venv/bin/python benchmarks/engines_side_by_side.py \
        --data-dir D [--rebuild whoosh,postgres] [--queries 100] [--workers 3] [--json OUT]

The archive is one PostgreSQL database (DATABASE_URL) with its data folder D (the Whoosh index
lives in D); import it first (`benchmarks/allsides_dataset.py --data-dir D` or
`benchmarks/synthetic_dataset.py --data-dir D` with the same DATABASE_URL).

1. With --rebuild, the named engines' indexes are rebuilt from the database (`manage.py
   rebuild_index` with SEARCH_BACKEND=whoosh, then =postgres), timed, with the peak memory of
   the process (a folder built by synthetic_dataset.py already has its Whoosh index, timed
   there: `--rebuild postgres`).
2. Two servers as `make serve` starts them (gunicorn, --workers sync workers, DEBUG off), one
   per engine, over the same database. The 100-query mix (harness/mix.py, seed 42) is warmed up
   in every worker of both, then each query is sent once to each server, interleaved query by
   query with the order alternating (as the reference benchmarks do), so background load falls
   on both engines alike. The time is the whole search page over HTTP.
3. Reported per engine: p50/p95/p99 per query kind and overall, the search part
   (Server-Timing), the slowest warm-up request, the peak memory of a web worker, the index
   size, and how many queries found a different number of articles on the two engines.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository: `search`, `benchmarks.harness`

from benchmarks.harness.compare import print_comparison, run_interleaved, summaries  # noqa: E402
from benchmarks.harness.measure import PeakMemory, index_bytes, latency_summary, load_average, machine_facts, mb, write_json  # noqa: E402
from benchmarks.harness.mix import BenchQuery, build_query_mix, describe_mix, warmup_queries  # noqa: E402
from benchmarks.harness.processes import PYTHON, Children, signals_exit  # noqa: E402
from benchmarks.harness.servers import PageServer, start_django  # noqa: E402

ENGINES = ("whoosh", "postgres")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, required=True, help="the archive's NEWSINDEX_DATA_DIR (holds the Whoosh index)")
    parser.add_argument("--queries", type=int, default=100, help="queries in the mix (default 100)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers per server (default 3, as make serve)")
    parser.add_argument("--rebuild", default="", metavar="ENGINES", help="rebuild and time these engines' indexes first (comma-separated)")
    parser.add_argument("--json", type=Path, metavar="OUT")
    args = parser.parse_args(argv)
    args.rebuild = [e for e in args.rebuild.split(",") if e]
    if set(args.rebuild) - set(ENGINES):
        parser.error(f"--rebuild: engines are {', '.join(ENGINES)}")
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        parser.error("DATABASE_URL=postgres://... is needed: the postgres engine keeps its index in that database")
    return args


def rebuild(engine: str, data_dir: Path, articles: int) -> dict[str, Any]:
    """`rebuild_index` in a process of its own with SEARCH_BACKEND=engine: seconds, articles/s, peak RSS."""
    env = {**os.environ, "NEWSINDEX_DATA_DIR": str(data_dir), "SEARCH_BACKEND": engine, "DEBUG": "false"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    memory = PeakMemory()
    children = Children(data_dir)
    started = time.perf_counter()
    proc = children.start(f"rebuild-{engine}", [PYTHON, "manage.py", "rebuild_index"], env)
    memory.watch("import", proc.pid)  # "import": every process of the group counts, not only the leader
    code = proc.wait()
    seconds = time.perf_counter() - started
    peak = memory.stop().get("import")
    if code != 0:
        raise RuntimeError(f"rebuild_index ({engine}) exited {code}:\n{children.tail(f'rebuild-{engine}')}")
    print(f"index build, {engine}: {articles} articles in {seconds:.1f} s = {articles / seconds:.0f} articles/s, peak RSS {peak} MiB")
    return {"articles": articles, "seconds": round(seconds, 1), "articles_per_s": round(articles / seconds, 1), "peak_rss_mb": peak}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    data_dir = args.data_dir.resolve()
    start_django(data_dir, "postgres")
    from django.db import connection

    from search.store.models import Article

    facts = machine_facts()
    articles = Article.objects.filter(hidden=False).count()
    print(f"engines side by side: {articles} articles, database {connection.settings_dict['NAME']}, data folder {data_dir}")
    print(f"  {facts['date']}  {facts['nproc']} CPUs  load average {facts['load_average']}")
    builds = {engine: rebuild(engine, data_dir, articles) for engine in ENGINES if engine in args.rebuild}

    mix = build_query_mix(args.queries)
    counts = describe_mix(mix)
    servers: dict[str, PageServer] = {}
    memory = PeakMemory()
    try:
        for engine in ENGINES:
            servers[engine] = PageServer(data_dir, args.workers, engine=engine)
            memory.watch(engine, servers[engine].pid)
        warmup_ms = {engine: max(server.warm([bq.q for bq in warmup_queries(mix)]), default=0.0) for engine, server in servers.items()}
        server_ms: dict[str, list[float]] = {engine: [] for engine in ENGINES}

        def asker(engine: str):  # type: ignore[no-untyped-def]
            def ask(bq: BenchQuery) -> tuple[float, dict[str, Any]]:
                timing = servers[engine].get(bq.q)
                if timing.server_ms is not None:
                    server_ms[engine].append(timing.server_ms)
                return timing.ms, {"total": timing.total, "rows": timing.rows, "timed_out": timing.timed_out}

            return ask

        rows, _ = run_interleaved(mix, {engine: asker(engine) for engine in ENGINES})
    finally:
        for server in servers.values():
            server.close()
    peaks = memory.stop()
    latency = {engine: summaries(rows, engine, counts) for engine in ENGINES}
    print()
    print("search page over HTTP, ms (interleaved, one client):")
    print_comparison(latency, counts)
    differ = [r for r in rows if r["whoosh"]["total"] != r["postgres"]["total"]]
    figures: dict[str, Any] = {"machine": facts, "articles": articles, "database": connection.settings_dict["NAME"], "data_dir": str(data_dir),
                               "query_mix": dict(counts), "workers": args.workers, "engines": {}}
    for engine in ENGINES:
        part = latency_summary(server_ms[engine])
        size = index_bytes(engine)
        figures["engines"][engine] = {
            "build": builds.get(engine),
            "latency_ms": latency[engine],
            "server_search_ms": part,
            "warmup_max_ms": round(warmup_ms[engine], 1),
            "worker_peak_rss_mb": peaks.get(engine),
            "index_bytes": size,
        }
        print(f"{engine:>8}: search part p50 {part['p50']:.1f} / p95 {part['p95']:.1f} ms; slowest warm-up {warmup_ms[engine]:.0f} ms; "
              f"web worker peak RSS {peaks.get(engine)} MiB; index {mb(size)}")
    figures["totals_differ"] = [{"kind": r["kind"], "q": r["q"], "whoosh": r["whoosh"]["total"], "postgres": r["postgres"]["total"]} for r in differ]
    figures["queries"] = rows
    figures["machine"]["load_average_end"] = load_average()
    print(f"queries whose totals differ between the engines: {len(differ)} of {len(rows)}")
    print(f"load average at the end: {figures['machine']['load_average_end']}")
    write_json(args.json, figures)
    return 0


if __name__ == "__main__":
    with signals_exit():  # SIGTERM and SIGHUP stop the server children too
        sys.exit(main())
