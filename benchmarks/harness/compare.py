"""Engines timed side by side on the query mix (mix.build_query_mix, seed 42), in one process or
against servers: interleaved query by query, alternating which one goes first, so background load
on the machine falls on all of them alike. haystack_reference.py and fts5_reference.py compare a
reference engine with newsindex's own `run_search()`; engines_side_by_side.py the two engines'
servers.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .measure import latency_summary, load_average
from .mix import MIX, BenchQuery, build_query_mix, describe_mix, warmup_queries
from .servers import run_query, start_django

OURS = "newsindex"

# An engine answers one query: returns (milliseconds, details for the report).
Engine = Callable[[BenchQuery], tuple[float, dict[str, Any]]]


def start_reference(data_dir: Path, settings_module: str = "newsindex.settings") -> None:
    """Django over a data folder built by allsides_dataset.py (SQLite), with a settings module of choice."""
    if not (data_dir / "newsindex.sqlite3").exists():
        sys.exit(f"error: {data_dir} holds no newsindex.sqlite3; build it with benchmarks/allsides_dataset.py --data-dir {data_dir}")
    start_django(data_dir, None, settings_module)


def ours(bq: BenchQuery) -> tuple[float, dict[str, Any]]:
    """newsindex itself: the data path of the search page, as search_latency.py times it."""
    timing = run_query(bq.q)
    return timing.ms, {"total": timing.total, "rows": timing.rows, "timed_out": timing.timed_out}


def query_mix(total: int) -> tuple[list[BenchQuery], Counter[str]]:
    mix = build_query_mix(total)
    return mix, describe_mix(mix)


def run_interleaved(
    mix: list[BenchQuery], engines: dict[str, Engine], keep: Callable[[str, BenchQuery, dict[str, Any]], None] | None = None
) -> tuple[list[dict[str, Any]], list[str]]:
    """Warm every engine with search_latency's warm-up queries (not counted), then time each
    query of the mix once per engine. `keep(engine, query, details)` sees every answer (for
    count comparisons) before the details are cut down to JSON-friendly figures."""
    warmup = warmup_queries(mix)
    names = list(engines)
    for bq in warmup:
        for name in names:
            engines[name](bq)
    rows = []
    for i, bq in enumerate(mix):
        row: dict[str, Any] = {"kind": bq.kind, "q": bq.q}
        for name in names if i % 2 == 0 else reversed(names):
            ms, details = engines[name](bq)
            if keep is not None:
                keep(name, bq, details)
            row[name] = {"ms": round(ms, 3), **{k: v for k, v in details.items() if isinstance(v, (int, float, str, bool, type(None)))}}
        rows.append(row)
    return rows, [bq.q for bq in warmup]


def summaries(rows: list[dict[str, Any]], engine: str, counts: Counter[str]) -> dict[str, dict[str, float]]:
    """{"all": ..., kind: ...} latency summaries (ms) of one engine; skipped queries (no "ms") are left out."""
    timed = [r for r in rows if r.get(engine, {}).get("ms") is not None]
    out = {"all": latency_summary([r[engine]["ms"] for r in timed])}
    for kind in MIX:
        values = [r[engine]["ms"] for r in timed if r["kind"] == kind]
        if counts[kind] and values:
            out[kind] = latency_summary(values)
    return out


def print_comparison(latency: dict[str, dict[str, dict[str, float]]], counts: Counter[str], extra: Sequence[str] = ()) -> None:
    """One line per query kind (then "all" and the `extra` summaries): p50/p95/p99 of each
    engine, and each engine's p50 over ours."""
    engines = list(latency)
    header = f"{'query kind':<16} {'n':>4}"
    for name in engines:
        header += f" | {name[:14]:>14} p50 {'p95':>7} {'p99':>7}"
    others = [e for e in engines if e != OURS] if OURS in latency else []
    header += "".join(f" | {e[:10]}/ours p50" for e in others)
    print(header)
    print("-" * len(header))
    for kind in [*MIX, "all", *extra]:
        if kind in MIX and not counts[kind]:
            continue
        n = counts[kind] if kind in MIX else max(int(latency[e][kind]["n"]) for e in engines if kind in latency[e])
        line = f"{kind.upper() if kind == 'all' else kind:<16} {n:>4}"
        for name in engines:
            s = latency[name].get(kind)
            line += f" | {s['p50']:>18.1f} {s['p95']:>7.1f} {s['p99']:>7.1f}" if s else f" | {'(not run)':>18} {'':>7} {'':>7}"
        for name in others:
            s, o = latency[name].get(kind), latency[OURS].get(kind)
            line += f" | {s['p50'] / o['p50']:>18.2f}x" if s and o and o["p50"] else f" | {'-':>19}"
        print(line)


def ratios(latency: dict[str, dict[str, dict[str, float]]], engine: str) -> dict[str, dict[str, float]]:
    """p50 and p95 of `engine` divided by ours, per kind."""
    out = {}
    for kind, s in latency[engine].items():
        o = latency[OURS].get(kind)
        if o:
            out[kind] = {q: round(s[q] / o[q], 3) if o[q] else float("nan") for q in ("p50", "p95")}
    return out


def record_load_average(facts: dict[str, Any]) -> None:
    """Note the load average at the end of a run in its machine facts, and say it."""
    facts["load_average_end"] = load_average()
    print(f"load average at the end: {facts['load_average_end']} (on {facts['nproc']} CPUs)")


class Stopwatch:
    def __init__(self) -> None:
        self.started = time.perf_counter()

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.started


def parse_args(parser: argparse.ArgumentParser) -> argparse.Namespace:
    """The reference scripts' command line: their own options (already on `parser`) and these."""
    parser.add_argument("--data-dir", type=Path, required=True, help="a newsindex data folder (benchmarks/allsides_dataset.py builds one)")
    parser.add_argument("--queries", type=int, default=100, help="number of timed queries (default: 100, as search_latency.py)")
    parser.add_argument("--reuse", action="store_true", help="keep the reference index already built in the data folder")
    parser.add_argument("--no-ours", action="store_true", help="time only the reference, not newsindex's run_search()")
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write the figures as JSON to OUT")
    args = parser.parse_args()
    if args.queries < 1:
        parser.error("--queries must be at least 1")
    return args


def month_totals(days: Sequence[tuple[Any, int]]) -> dict[str, int]:
    out: Counter[str] = Counter()
    for day, n in days:
        out[f"{day.year:04d}-{day.month:02d}"] += n
    return dict(out)


def our_counts(q: str) -> dict[str, Any]:
    """newsindex's raw counts for `q` (untimed, for comparisons): total, outlets, its top 200
    actors (ids as strings), months ("YYYY-MM") and undated."""
    from urllib.parse import urlencode

    from django.http import QueryDict

    from search.index import get_backend
    from search.query.params import SearchParams

    results = get_backend().search(SearchParams.from_query(QueryDict(urlencode({"q": q}))).search_query())
    facets = results.facets
    return {
        "total": results.total,
        "outlets": dict(facets.outlets) if facets else {},
        "actors": {str(pk): n for pk, n in facets.actors} if facets else {},
        "months": month_totals(list(facets.days.items())) if facets else {},
        "undated": facets.undated if facets else 0,
    }
