"""Load test: the production-style server under concurrent clients, before and during an import.

Run from the repository root:

    .venv/bin/python benchmarks/load_test.py                       # C=20 clients, T=60 s, K=5000
    .venv/bin/python benchmarks/load_test.py --clients 20 --seconds 20 --import-count 500 --json out.json
    .venv/bin/python benchmarks/load_test.py --servers 2 --search-backend postgres \
        --database-url postgres://postgres@127.0.0.1:5432/newsindex_load   # two app servers, one database

What it does, all on loopback and in a data folder of its own (never data/):

With --database-url (PostgreSQL) the run uses that database instead of SQLite: it is created when
missing, must hold no tables, and is dropped at the end (unless --keep). With --servers N (which
needs --database-url and an engine that keeps its index in the database, SEARCH_BACKEND=postgres)
N separate gunicorn servers run, each with a data folder of its own (nothing shared on disk but
the database), the importer and the index worker with another; the clients are spread over the
servers, and every server must find the imported articles. All servers share one SECRET_KEY.

1. Set-up (not measured under load): migrate, collectstatic, import the base corpus
   (default ../shared/corpora/allsides/sample2000.jsonl, without actor extraction, to keep the
   set-up short), and write K records of ../shared/corpora/allsides/articles.jsonl.gz that are
   not in the base to a temporary JSONL file beside the data folder (never in the repository).
2. Start what `make serve` starts: `gunicorn newsindex.wsgi --workers N` with DEBUG=false on a
   free 127.0.0.1 port, and `manage.py run_index_worker`.
3. Phase "before import": C client threads send requests for T seconds, each waiting for its
   answer before sending the next. The mix, with queries drawn from the base articles' titles and
   outlets: the search page (25 %), its htmx results partial (25 %), an outlet-filtered htmx
   partial (15 %), /api/search (25 %) and /export.csv of a word within one outlet (10 %).
4. Phase "during import": `manage.py import_articles` of the K records starts (with actor
   extraction unless --no-actors) and the clients go on until it has finished, and for at least
   T seconds. Requests sent after the import finished are counted as "after import".
5. Then five articles of the import, picked at random, must be found through /api/search by
   their title words (the web workers see the new index without a restart); the time from the
   end of the import until they all are is reported.

A request fails when its status is 500 or more, the connection fails or it takes longer than
--timeout (30 s, gunicorn's worker timeout in `make serve`). Reported per phase: requests,
failures (and why), 4xx answers, requests/s, latency p50/p95/p99/max, and per request kind;
the import's own wall time and summary line. --json writes everything as JSON.

All child processes run in process groups of their own and are killed at the end, on error, on
Ctrl-C and on SIGTERM/SIGHUP. The load generator shares the machine with the server: on a
2-core machine its threads take CPU from the server too (its own CPU time is reported).
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import os
import platform
import random
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository: `benchmarks.harness`

# Also this module's names for the Makefile's FRESH_PG and tests/web (GUNICORN, manage, Children...).
from benchmarks.harness.clients import Load, probe_queries, query_material, summarise, wait_until_searchable  # noqa: E402
from benchmarks.harness.databases import Database, create_database, drop_database  # noqa: E402, F401
from benchmarks.harness.measure import PeakMemory, write_json  # noqa: E402
from benchmarks.harness.processes import GUNICORN, PYTHON, Children, Failure, free_port, manage, signals_exit, wait_for_server  # noqa: E402, F401

REPO = Path(__file__).resolve().parent.parent
CORPORA = REPO.parent / "shared" / "corpora"
DEFAULT_BASE = CORPORA / "allsides" / "sample2000.jsonl"
DEFAULT_SOURCE = CORPORA / "allsides" / "articles.jsonl.gz"


@dataclass
class Config:
    servers: int = 1  # separate gunicorn servers, each with a data folder of its own (needs database_url)
    database_url: str | None = None  # PostgreSQL; default: SQLite in the data folder
    search_backend: str | None = None  # SEARCH_BACKEND for every process (default: the settings' default)
    clients: int = 20
    seconds: float = 60.0
    import_count: int = 5000
    base: Path = DEFAULT_BASE
    source: Path = DEFAULT_SOURCE
    workers: int = 3
    actors: bool = True  # actor extraction (spaCy) in the measured import
    timeout: float = 30.0
    import_timeout: float = 3600.0
    visible_timeout: float = 60.0
    seed: int = 42
    data_dir: Path | None = None  # default: a temporary folder, removed at the end
    keep: bool = False
    log: Callable[[str], None] = field(default=lambda message: print(message, file=sys.stderr, flush=True), repr=False)


# --- data -----------------------------------------------------------------------------------------


def base_ids(base: Path) -> set[str]:
    """IDs of the base corpus's records (JSONL), so the imported records are new articles."""
    if base.is_dir() or ".jsonl" not in base.name:
        return set()
    opener = gzip.open if base.name.endswith(".gz") else open
    ids = set()
    with opener(base, "rt", encoding="utf-8") as lines:
        for line in lines:
            with contextlib.suppress(ValueError, AttributeError):
                ids.add(str(json.loads(line).get("ID")))
    return ids


def write_import_file(source: Path, count: int, skip: set[str], target: Path) -> int:
    """The first `count` records of `source` that are not in the base, copied as they are."""
    written = 0
    with gzip.open(source, "rt", encoding="utf-8") as lines, open(target, "w", encoding="utf-8") as out:
        for line in lines:
            if written >= count:
                break
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if str(record.get("ID")) in skip or not (record.get("content_original") or "").strip():
                continue
            out.write(line if line.endswith("\n") else line + "\n")
            written += 1
    return written


# --- the run --------------------------------------------------------------------------------------


def run(config: Config) -> dict[str, Any]:
    """Set up, serve, load, import under load; returns the report. Every child is stopped on return."""
    log = config.log
    for path in (config.base, config.source):
        if not path.exists():
            raise Failure(f"{path} is not here (the shared corpora sit beside the checkout)")
    if config.servers > 1 and not config.database_url:
        raise Failure("several servers need --database-url (PostgreSQL): a SQLite database lives in one server's data folder")
    if config.servers > 1 and config.search_backend != "postgres":
        raise Failure("several servers need --search-backend postgres: each has a data folder of its own, and a Whoosh index lives in one")
    work = Path(tempfile.mkdtemp(prefix="newsindex-load-"))
    data = config.data_dir or work / "data"
    if config.data_dir and data.exists() and any(data.iterdir()):
        raise Failure(f"--data-dir {data} is not empty: the load test needs a fresh data folder")
    children = Children(work)
    separate = config.servers > 1  # one data folder for the importer and one per server, nothing shared
    env = {**os.environ, "NEWSINDEX_DATA_DIR": str(data / "importer" if separate else data), "DEBUG": "false", "PYTHONUNBUFFERED": "1"}
    for name in ("DATABASE_URL", "DATABASE_REPLICA_URL", "SEARCH_BACKEND", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE", "NEWSINDEX_HTTPS"):
        env.pop(name, None)
    if config.database_url:
        env["DATABASE_URL"] = config.database_url
        env["SECRET_KEY"] = secrets.token_urlsafe(50)  # one key for every server of the database
    if config.search_backend:
        env["SEARCH_BACKEND"] = config.search_backend
    server_envs = [{**env, "NEWSINDEX_DATA_DIR": str(data / f"server-{n + 1}")} for n in range(config.servers)] if separate else [env]
    db = Database(url=config.database_url) if config.database_url else Database(sqlite_file=data / "newsindex.sqlite3")
    database_created = False
    rng = random.Random(config.seed)
    report: dict[str, Any] = {
        "config": {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(config).items() if k not in ("log", "database_url")},
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load_before": os.getloadavg()},
    }
    if config.database_url:
        parts = urlsplit(config.database_url)
        report["config"]["database"] = f"{parts.hostname}:{parts.port or 5432}{parts.path}"  # no password in the report
    cpu_before = time.process_time()
    load: Load | None = None
    try:
        started = time.monotonic()
        log(f"set-up in {data}: migrate, collectstatic, import {config.base.name} (without actors)")
        if config.database_url:
            create_database(config.database_url)
            database_created = True
        manage(env, "migrate", "--noinput", "-v0")
        for server_env in server_envs:
            manage(server_env, "collectstatic", "--noinput", "-v0")
        base = manage(env, "import_articles", str(config.base), "--no-actors", "--no-progress")
        import_file = work / "import.jsonl"
        written = write_import_file(config.source, config.import_count, base_ids(config.base), import_file)
        words, outlets = query_material(db, rng)
        base_articles, last_base_id = db.rows("SELECT count(*), coalesce(max(id), 0) FROM search_article")[0]
        report["setup"] = {
            "seconds": round(time.monotonic() - started, 1),
            "base_articles": base_articles,
            "base_import": base.stdout.strip().splitlines()[-1:],
            "records_to_import": written,
        }
        log(f"set-up done: {base_articles} base articles; {written} records to import")

        children.start("index_worker", [PYTHON, "manage.py", "run_index_worker"], env)
        servers = []  # (log name, port, process)
        for number, server_env in enumerate(server_envs, 1):
            name = "gunicorn" if len(server_envs) == 1 else f"gunicorn-{number}"
            servers.append((name, *children.start_gunicorn(name, server_env, config.workers)))
        memory = PeakMemory()
        for name, port, server in servers:
            wait_for_server(port, server)
            memory.watch(f"{name} worker", server.pid)  # start_new_session: the group id is the master's pid
        ports = [port for _, port, _ in servers]
        log(f"{len(servers)} gunicorn server(s) ({config.workers} workers each) on 127.0.0.1:{', '.join(map(str, ports))}; {config.clients} clients")

        load = Load(ports, config.clients, words, outlets, config.timeout, config.seed)
        phase1_start = time.monotonic()
        load.start()
        time.sleep(config.seconds)
        phase2_start = time.monotonic()
        import_args = [PYTHON, "manage.py", "import_articles", str(import_file), "--no-progress"]
        if not config.actors:
            import_args.append("--no-actors")
        log(f"phase 'before import' done; importing {written} records under load")
        importer = children.start("import", import_args, env)
        memory.watch("import", importer.pid)
        try:
            import_rc = importer.wait(timeout=config.import_timeout)
        except subprocess.TimeoutExpired:
            raise Failure(f"the import took longer than --import-timeout {config.import_timeout:.0f}s") from None
        import_end = time.monotonic()
        remaining = config.seconds - (import_end - phase2_start)
        if remaining > 0:
            time.sleep(remaining)
        end = time.monotonic()
        load.stop()
        import_log = children.tail("import", 40)
        if import_rc not in (0, 1):
            raise Failure(f"the import exited {import_rc}:\n{import_log}")
        log("load stopped; checking that imported articles are searchable through the server")
        probes = probe_queries(db, last_base_id, rng)
        per_server = [(port, *wait_until_searchable(port, probes, config.visible_timeout, config.timeout)) for port in ports]

        samples = load.samples
        phases = {
            "before import": ([s for s in samples if s.started < phase2_start], phase2_start - phase1_start),
            "during import": ([s for s in samples if phase2_start <= s.started < import_end], import_end - phase2_start),
            "after import": ([s for s in samples if s.started >= import_end], end - import_end),
        }
        report["phases"] = {name: summarise(group, seconds) for name, (group, seconds) in phases.items() if group}
        summary_lines = [line for line in import_log.splitlines() if line.startswith("imported ")]
        imported_articles = db.rows("SELECT count(*) FROM search_article WHERE id > ?", (last_base_id,))[0][0]
        report["import"] = {
            "records": written,
            "articles_added": imported_articles,
            "seconds": round(import_end - phase2_start, 1),
            "exit_status": import_rc,
            "summary": summary_lines[-1] if summary_lines else "",
            "actors": config.actors,
        }
        report["searchable"] = {
            "probes": len(probes),
            "all_found": all(found for _, found, _, _ in per_server) and bool(probes),
            "seconds_after_import": round(sum(waited for _, _, waited, _ in per_server), 2),
            "missing_ids": sorted({pk for _, _, _, missing in per_server for pk in missing}),
            "servers": [{"port": port, "all_found": found, "missing_ids": missing} for port, found, _, missing in per_server],
        }
        # What each server keeps on its own disk (a data folder of its own only with several servers).
        report["server_data_files"] = {
            Path(server_env["NEWSINDEX_DATA_DIR"]).name: sorted(path.name for path in Path(server_env["NEWSINDEX_DATA_DIR"]).iterdir())
            for server_env in server_envs
        }
        errors = [
            line
            for name, _, _ in servers
            for line in children.tail(name, 200).splitlines()
            if "Traceback" in line or "[ERROR]" in line or "WORKER TIMEOUT" in line
        ]
        report["server_errors_logged"] = len(errors)
        peaks = memory.stop()
        report["peak_rss_mb"] = peaks
        worker_peaks = [peaks[f"{name} worker"] for name, _, _ in servers if f"{name} worker" in peaks]
        report["server_peak_rss_mb"] = max(worker_peaks) if worker_peaks else None
        report["import"]["peak_rss_mb"] = peaks.get("import")
        report["client_cpu_seconds"] = round(time.process_time() - cpu_before, 1)
        report["machine"]["load_after"] = os.getloadavg()
        return report
    finally:
        quiet = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if quiet else None  # a second Ctrl-C must not stop the clean-up
        try:
            if load is not None:
                load._stop.set()
            children.stop_all()
            if load is not None:
                load.stop()
        finally:
            if quiet:
                signal.signal(signal.SIGINT, previous)
        if database_created and not config.keep:
            with contextlib.suppress(Exception):
                drop_database(config.database_url or "")
        if not config.keep:
            shutil.rmtree(work, ignore_errors=True)
            if config.data_dir and config.data_dir.exists():
                shutil.rmtree(config.data_dir, ignore_errors=True)
        else:
            log(f"kept: {work} (logs, import file){f' and {data}' if config.data_dir else ''}")


def print_report(report: dict[str, Any]) -> None:
    print(f"{'phase':<15} {'requests':>8} {'failed':>6} {'4xx':>4} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for name, phase in report["phases"].items():
        print(
            f"{name:<15} {phase['requests']:>8} {phase['failures']:>6} {phase['client_errors_4xx']:>4} {phase['requests_per_s']:>7} "
            f"{phase['p50_ms']:>8} {phase['p95_ms']:>8} {phase['p99_ms']:>8} {phase['max_ms']:>8}"
        )
        if phase["failure_reasons"]:
            print(f"{'':<15} failures: {phase['failure_reasons']}")
        if phase.get("by_server"):
            print(f"{'':<15} by server: {phase['by_server']}")
    for name, phase in report["phases"].items():
        kinds = ", ".join(f"{kind} {v['requests']} p50 {v['p50_ms']:.0f} p95 {v['p95_ms']:.0f}" for kind, v in phase["by_kind"].items())
        print(f"  {name}: {kinds}")
    imp = report["import"]
    print(f"import: {imp['records']} records, {imp['articles_added']} articles added in {imp['seconds']} s under load (exit {imp['exit_status']}): {imp['summary']}")
    found = report["searchable"]
    missing = "" if found["all_found"] else f" missing {found['missing_ids']}"
    print(
        f"searchable through the server: {'yes' if found['all_found'] else 'NO'} "
        f"({found['probes']} probes, {found['seconds_after_import']} s after the import){missing}"
    )
    for number, server in enumerate(found.get("servers", []), 1):
        if len(found["servers"]) > 1:
            print(f"  server {number} (port {server['port']}): {'found all' if server['all_found'] else 'missing ' + str(server['missing_ids'])}")
    print(f"server errors logged: {report['server_errors_logged']}; load generator CPU: {report['client_cpu_seconds']} s; load average {report['machine']['load_before'][0]:.1f} -> {report['machine']['load_after'][0]:.1f}")
    print(f"peak resident memory (MB): {report.get('peak_rss_mb')}")


def parse_args(argv: list[str] | None = None) -> tuple[Config, Path | None]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", "-c", type=int, default=20, help="concurrent clients (default 20)")
    parser.add_argument("--seconds", "-t", type=float, default=60.0, help="seconds of each phase (default 60)")
    parser.add_argument("--import-count", "-k", type=int, default=5000, help="records imported under load (default 5000)")
    parser.add_argument("--base", type=Path, default=DEFAULT_BASE, help="base corpus imported before the load (file or folder)")
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="AllSides JSONL(.gz) to take the imported records from")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers per server (default 3, as make serve)")
    parser.add_argument("--servers", type=int, default=1, help="separate gunicorn servers, each with a data folder of its own (default 1)")
    parser.add_argument("--database-url", help="PostgreSQL database for the run, created and dropped by it (default: SQLite in the data folder)")
    parser.add_argument("--search-backend", choices=["whoosh", "postgres"], help="SEARCH_BACKEND of every process")
    parser.add_argument("--no-actors", action="store_true", help="import without actor extraction")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds after which a request counts as failed (default 30)")
    parser.add_argument("--import-timeout", type=float, default=3600.0, help="give up when the import takes longer (default 3600)")
    parser.add_argument("--data-dir", type=Path, help="fresh data folder to use (default: a temporary one); removed unless --keep")
    parser.add_argument("--keep", action="store_true", help="keep the data folder, logs and the import file")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--json", type=Path, help="write the report as JSON to this file")
    args = parser.parse_args(argv)
    if args.clients < 1 or args.seconds <= 0 or args.import_count < 1 or args.workers < 1 or args.servers < 1:
        parser.error("--clients, --seconds, --import-count, --workers and --servers must be positive")
    config = Config(
        servers=args.servers, database_url=args.database_url, search_backend=args.search_backend,
        clients=args.clients, seconds=args.seconds, import_count=args.import_count, base=args.base.resolve(),
        source=args.source.resolve(), workers=args.workers, actors=not args.no_actors, timeout=args.timeout,
        import_timeout=args.import_timeout, seed=args.seed, data_dir=args.data_dir.resolve() if args.data_dir else None,
        keep=args.keep,
    )
    return config, args.json


def main(argv: list[str] | None = None) -> int:
    config, json_path = parse_args(argv)
    try:
        with signals_exit():
            report = run(config)
    except Failure as exc:
        print(f"load test failed: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("load test interrupted; every child process was stopped", file=sys.stderr)
        return 130
    print_report(report)
    if json_path:
        write_json(json_path, report)
    failed = sum(phase["failures"] for phase in report["phases"].values())
    return 1 if failed or not report["searchable"]["all_found"] else 0


if __name__ == "__main__":
    sys.exit(main())
