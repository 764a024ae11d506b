"""Replica lag during and after an import: a PostgreSQL 15 primary and streaming replica of its own.

Run from the repository root, as root (the servers run as the postgres OS user):

    .venv/bin/python benchmarks/replica_lag.py                          # 500 AllSides articles
    .venv/bin/python benchmarks/replica_lag.py --articles 2000 --search-backend postgres --json out.json

Starts the clusters of tests/web/pg_clusters.py (initdb, pg_basebackup -R, pg_ctl in a temporary
folder, free ports), migrates the primary, imports the first N records of
../shared/corpora/allsides/sample2000.jsonl on it (without actor extraction) while sampling the
replica's lag twice a second (WAL bytes not yet replayed), then reports how long after the
import's end the replica had replayed everything. Both servers share this machine and talk over
loopback: a real network adds its latency. Everything is stopped and removed at the end.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.harness.measure import write_json  # noqa: E402
from tests.web.pg_clusters import Clusters, unavailable  # noqa: E402 (needs the repository on sys.path)

SOURCE = REPO.parent / "shared" / "corpora" / "allsides" / "sample2000.jsonl"
PYTHON = str(REPO / ".venv" / "bin" / "python")


def sample_lag(clusters: Clusters, stop: threading.Event, samples: list[int]) -> None:
    with clusters.connect("primary") as primary, clusters.connect("replica") as replica:
        while not stop.wait(0.5):
            written = primary.execute("SELECT pg_current_wal_lsn()::text").fetchone()[0]
            behind = replica.execute("SELECT pg_wal_lsn_diff(%s::pg_lsn, pg_last_wal_replay_lsn())", (written,)).fetchone()[0]
            samples.append(max(0, int(behind)))


def run(articles: int, search_backend: str | None) -> dict[str, Any]:
    with Clusters() as clusters, tempfile.TemporaryDirectory(prefix="newsindex-lag-") as work:
        records = Path(work) / "import.jsonl"
        with open(SOURCE, encoding="utf-8") as lines, open(records, "w", encoding="utf-8") as out:
            for number, line in enumerate(lines):
                if number >= articles:
                    break
                out.write(line)
        env = {**os.environ, "DATABASE_URL": clusters.url("primary"), "NEWSINDEX_DATA_DIR": str(Path(work) / "data"), "SECRET_KEY": "replica-lag"}
        env.pop("DATABASE_REPLICA_URL", None)
        if search_backend:
            env["SEARCH_BACKEND"] = search_backend
        subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=REPO, env=env, check=True, timeout=600)
        samples: list[int] = []
        stop = threading.Event()
        sampler = threading.Thread(target=sample_lag, args=(clusters, stop, samples), daemon=True)
        started = time.monotonic()
        sampler.start()
        try:
            subprocess.run(
                [PYTHON, "manage.py", "import_articles", str(records), "--no-actors", "--no-progress"],
                cwd=REPO, env=env, check=True, timeout=3600, capture_output=True,
            )
        finally:
            imported = time.monotonic() - started
            caught_up = clusters.wait_caught_up(timeout=120)
            stop.set()
            sampler.join(timeout=10)
        return {
            "articles": int(clusters.one("replica", "SELECT count(*) FROM search_article")),
            "search_backend": search_backend or "default",
            "import_seconds": round(imported, 1),
            "caught_up_seconds_after_import": round(caught_up, 3),
            "lag_samples": len(samples),
            "max_lag_bytes_during_import": max(samples, default=0),
            "database_size": clusters.one("primary", "SELECT pg_size_pretty(pg_database_size(current_database()))"),
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load": os.getloadavg()},
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=500, help="records of sample2000.jsonl to import (default 500)")
    parser.add_argument("--search-backend", choices=["whoosh", "postgres"], help="SEARCH_BACKEND of the import")
    parser.add_argument("--json", type=Path, help="write the figures as JSON to this file")
    args = parser.parse_args(argv)
    if reason := unavailable():
        print(f"replica lag: {reason}", file=sys.stderr)
        return 2
    if not SOURCE.exists():
        print(f"replica lag: {SOURCE} is not here (the shared corpora sit beside the checkout)", file=sys.stderr)
        return 2
    report = run(args.articles, args.search_backend)
    print(
        f"{report['articles']} articles imported in {report['import_seconds']} s; the replica had replayed everything "
        f"{report['caught_up_seconds_after_import']} s after the import ended; at most {report['max_lag_bytes_during_import']:,} "
        f"WAL bytes behind during the import ({report['lag_samples']} samples); database {report['database_size']}"
    )
    write_json(args.json, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
