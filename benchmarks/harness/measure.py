"""Figures every benchmark takes the same way: latency percentiles, peak memory, sizes on disk,
the machine a run was on, and the JSON file it leaves for benchmarks/report.py."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
import os
import platform
import resource
import threading
from collections.abc import Sequence
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any


def percentile(values: Sequence[float], pct: float, method: str = "linear") -> float:
    """`linear`: interpolation between closest ranks (numpy's default; every latency summary).
    `nearest`: the smallest value with at least pct % of the values at or below it (the load
    test's, kept so its figures stay comparable with earlier runs). NaN when there are none."""
    if not values:
        return math.nan
    ordered = sorted(values)
    if method == "nearest":
        return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]
    rank = (len(ordered) - 1) * pct / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def latency_summary(values_ms: Sequence[float]) -> dict[str, float]:
    return {
        "n": len(values_ms),
        "p50": percentile(values_ms, 50),
        "p95": percentile(values_ms, 95),
        "p99": percentile(values_ms, 99),
        "max": max(values_ms, default=math.nan),
        "mean": sum(values_ms) / len(values_ms) if values_ms else math.nan,
    }


def peak_rss_mb(children: bool = False) -> float:
    """Peak resident memory (the kernel's ru_maxrss, KiB on Linux) of this process, or of its
    largest waited-for child process, in MiB."""
    return resource.getrusage(resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF).ru_maxrss / 1024


class PeakMemory:
    """Highest resident memory (VmHWM) seen per process group, sampled every half second: for
    processes this one does not wait for itself (gunicorn's workers, an import under load)."""

    def __init__(self) -> None:
        self.groups: dict[str, int] = {}
        self.peak_kb: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def watch(self, name: str, pgid: int) -> None:
        """Watch the group `pgid` as `name`. Its leader is counted apart ("name master"), except
        for a group named "import", where every process counts."""
        self.groups[name] = pgid
        if not self._thread.is_alive():
            self._thread.start()

    def stop(self) -> dict[str, float]:
        self._stop.set()
        return {name: round(kb / 1024) for name, kb in self.peak_kb.items()}

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            for pid in filter(str.isdigit, os.listdir("/proc")):
                try:
                    with open(f"/proc/{pid}/stat") as fh:
                        pgid = int(fh.read().rsplit(")", 1)[1].split()[2])
                    name = next((n for n, g in self.groups.items() if g == pgid), None)
                    if name is None:
                        continue
                    with open(f"/proc/{pid}/status") as fh:
                        hwm = next((int(line.split()[1]) for line in fh if line.startswith("VmHWM:")), 0)
                except (OSError, ValueError, IndexError):
                    continue
                key = name if name == "import" or pid != str(pgid) else f"{name} master"
                self.peak_kb[key] = max(self.peak_kb.get(key, 0), hwm)


def disk_usage(path: Path) -> tuple[int, int]:
    """(bytes on disk like `du`, apparent size) of a file or folder; (0, 0) when missing."""
    if not path.exists():
        return 0, 0
    files = [path] if path.is_file() else [Path(d) / f for d, _, names in os.walk(path) for f in names]
    used = apparent = 0
    for file in files:
        st = file.stat()
        used += st.st_blocks * 512
        apparent += st.st_size
    return used, apparent


def index_bytes(engine: str) -> int:
    """The engine's index: the Whoosh folder on disk, or the postgres engine's tables (with their indexes)."""
    from django.conf import settings
    from django.db import connection

    if engine != "postgres":
        return disk_usage(Path(settings.NEWSINDEX_SEARCH["PATH"]))[0]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_total_relation_size('search_pgdocument') + pg_total_relation_size('search_pgword')")
        return int(cursor.fetchone()[0])


def mb(n: float) -> str:
    return f"{n / 1_000_000:.1f} MB"


def load_average() -> list[float]:
    """1, 5 and 15 minute load averages: other work on the machine skews every figure."""
    return [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else []


def machine_facts(django: bool = True) -> dict[str, Any]:
    """The machine, the load and the versions a run had (Django's and Whoosh's only when `django`)."""
    cpu = ""
    with contextlib.suppress(OSError):
        lines = Path("/proc/cpuinfo").read_text().splitlines()
        cpu = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), "")
    facts = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "nproc": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "load_average": load_average(),
        "cpu": cpu or platform.processor() or platform.machine(),
        "platform": platform.platform(),
        "python": platform.python_version(),
    }
    if django:
        from django import get_version

        facts.update(django=get_version(), whoosh=f"whoosh3 {package_version('whoosh3')}")
    return facts


def write_json(path: Path | None, figures: Any) -> None:
    """The figures a run leaves for benchmarks/report.py (nothing when `path` is None)."""
    if path is None:
        return
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(figures, indent=2, default=str, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"figures written to {path}")
