"""The first search after an index change, in fresh processes, and the memory each one holds.

Run from the repository root over an imported data folder (nothing is written to it):

    NEWSINDEX_DATA_DIR=/tmp/d .venv/bin/python manage.py import_articles ../shared/corpora/allsides/sample2000.jsonl --no-actors
    .venv/bin/python benchmarks/warmup_latency.py --data-dir /tmp/d [--workers 3] [--json out.json]

1. For each query kind (a facet query, a prefix, a fuzzy term), a fresh process opens the index
   and runs that query twice through the Whoosh engine (SearchQuery with facets, as the search
   page asks): the first run pays the searcher, the facet arrays and, for prefix and fuzzy
   terms, the word lists (built in process, or mapped from the files the index writer prepared),
   the second is warm. Each kind runs --repeat times (fresh processes each time); the median is
   reported.
2. --workers processes (as gunicorn's) each run all three kinds, then wait while their memory is
   read from /proc: RSS, PSS (shared pages divided among the processes mapping them) and USS
   (pages of that process alone), in MiB; and the engine's count of in-process builds.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # the repository: `search`, `benchmarks.harness`
from benchmarks.harness.measure import write_json  # noqa: E402

KINDS = {"facet query": "trump", "prefix": "immig*", "fuzzy": "presidnt~"}

CHILD = r"""
import json, os, sys, time
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsindex.settings")
django.setup()
from search.index import get_backend
from search.index.base import SearchQuery
backend = get_backend()
out = {}
for text in sys.argv[1:]:
    times = []
    for _ in range(2):
        started = time.perf_counter()
        total = backend.search(SearchQuery(text, facets=True)).total
        times.append(round((time.perf_counter() - started) * 1000, 1))
    out[text] = {"cold_ms": times[0], "warm_ms": times[1], "total": total}
counts = getattr(backend, "in_process", None)
print(json.dumps({"queries": out, "in_process": dict(counts) if counts is not None else None}), flush=True)
sys.stdin.readline()  # stay alive while the parent reads this process's memory
"""


def _memory(pid: int) -> dict[str, float]:
    fields: dict[str, int] = {}
    with open(f"/proc/{pid}/smaps_rollup") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) >= 3 and parts[-1] == "kB":
                fields[parts[0].rstrip(":")] = int(parts[1])
    uss = fields.get("Private_Clean", 0) + fields.get("Private_Dirty", 0)
    return {"rss_mib": round(fields["Rss"] / 1024, 1), "pss_mib": round(fields["Pss"] / 1024, 1), "uss_mib": round(uss / 1024, 1)}


def _start(env: dict[str, str], queries: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", CHILD, *queries], cwd=REPO, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, required=True, help="NEWSINDEX_DATA_DIR of an imported corpus")
    parser.add_argument("--workers", type=int, default=3, help="processes alive together for the memory figures")
    parser.add_argument("--repeat", type=int, default=3, help="fresh processes per query kind")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args()
    env = {**os.environ, "NEWSINDEX_DATA_DIR": str(args.data_dir.resolve()), "DEBUG": "false"}
    env.pop("DATABASE_URL", None)
    report: dict[str, object] = {"data_dir": str(args.data_dir), "first_query": {}, "workers": []}
    for kind, text in KINDS.items():
        runs = []
        for _ in range(args.repeat):
            child = _start(env, [text])
            runs.append(json.loads(child.stdout.readline()))
            child.communicate("\n")
        cold = statistics.median(r["queries"][text]["cold_ms"] for r in runs)
        warm = statistics.median(r["queries"][text]["warm_ms"] for r in runs)
        report["first_query"][kind] = {"query": text, "cold_ms": cold, "warm_ms": warm, "in_process": runs[-1]["in_process"]}
        print(f"{kind:12} {text!r:12} first {cold:7.1f} ms, then {warm:6.1f} ms (median of {args.repeat}); in-process builds {runs[-1]['in_process']}")
    children = [_start(env, list(KINDS.values())) for _ in range(args.workers)]
    outputs = [json.loads(child.stdout.readline()) for child in children]
    for number, (child, output) in enumerate(zip(children, outputs, strict=True), 1):
        memory = _memory(child.pid)
        report["workers"].append({**memory, "in_process": output["in_process"]})
        print(f"worker {number}: RSS {memory['rss_mib']} MiB, PSS {memory['pss_mib']} MiB, USS {memory['uss_mib']} MiB; in-process builds {output['in_process']}")
    for child in children:
        child.communicate("\n")
    write_json(args.json, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
