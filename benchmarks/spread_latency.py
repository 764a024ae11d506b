"""Speed of the passage pages and of coverage over time on the search page.

Run from the repository root on a data folder that already holds an import, e.g.

    NEWSINDEX_DATA_DIR=/tmp/bench .venv/bin/python manage.py import_articles --no-actors \\
        ../shared/corpora/allsides/sample2000.jsonl
    .venv/bin/python benchmarks/spread_latency.py --data-dir /tmp/bench --json benchmarks/out/spread.json

DATABASE_URL is ignored unless NEWSINDEX_BENCH_KEEP_DATABASE=1 (an archive in PostgreSQL).

What it measures, in this process through Django's test client (the whole view and template,
no HTTP), after a warm-up pass that is not counted:

1. Passage pages: GET /passages/<id>/ for up to --passages shared passages (random.Random(42)),
   and its JSON twin /api/passages/<id>; p50/p95/p99/max.
2. Coverage on the search page: the 100-query mix (benchmarks/harness/mix.py), each
   query through run_search() without coverage (the search page before this feature), and with
   who-covered-it-first plus the histogram split by outlet (split=outlet), in alternating order;
   the added time per query (p50/p95) and the p95 of each. Then the whole search page
   (GET /?q=...&split=outlet, which shows both) against the data path alone.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository: `search`, `benchmarks.harness`

from benchmarks.harness.measure import latency_summary, write_json  # noqa: E402
from benchmarks.harness.mix import SEED, build_query_mix  # noqa: E402
from benchmarks.harness.servers import start_django  # noqa: E402


def percentiles(values: list[float]) -> dict[str, float]:
    """n, p50, p95, p99 and max (ms, two decimals) of the harness's latency summary; {} when none."""
    if not values:
        return {}
    summary = latency_summary(values)
    return {"n": len(values), **{key: round(summary[key], 2) for key in ("p50", "p95", "p99", "max")}}


def timed(call) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", required=True, help="a data folder holding an import (NEWSINDEX_DATA_DIR)")
    parser.add_argument("--passages", type=int, default=300, help="passage pages to time (default 300)")
    parser.add_argument("--queries", type=int, default=100, help="queries of the search mix (default 100)")
    parser.add_argument("--json", help="write the figures here")
    args = parser.parse_args()

    start_django(Path(args.data_dir).resolve(), engine=None)  # SQLite in the data folder unless NEWSINDEX_BENCH_KEEP_DATABASE=1
    from django.http import QueryDict
    from django.test import Client

    from search.query.params import SearchParams
    from search.query.results import run_search
    from search.store.models import Article, PassageGroup

    client = Client(HTTP_HOST="127.0.0.1")  # an allowed host

    def get(url: str, data: dict[str, str] | None = None) -> None:
        response = client.get(url, data)
        if response.status_code != 200:
            raise SystemExit(f"{url} {data or ''}: HTTP {response.status_code}")
    out: dict[str, object] = {
        "articles": Article.objects.filter(hidden=False).count(),
        "passages": PassageGroup.objects.filter(boilerplate=False).count(),
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        "load_start": os.getloadavg()[0],
    }
    print(f"{out['articles']} articles, {out['passages']} shared passages in {args.data_dir}")

    # 1. passage pages
    rng = random.Random(SEED)
    ids = sorted(PassageGroup.objects.filter(boilerplate=False).values_list("id", flat=True))
    chosen = rng.sample(ids, min(args.passages, len(ids)))
    for pk in chosen[:20]:  # warm-up
        get(f"/passages/{pk}/")
    html = [timed(lambda pk=pk: get(f"/passages/{pk}/")) for pk in chosen]
    api = [timed(lambda pk=pk: get(f"/api/passages/{pk}")) for pk in chosen]
    out["passage_page_ms"], out["passage_api_ms"] = percentiles(html), percentiles(api)
    print(f"passage page  {out['passage_page_ms']}")
    print(f"passage API   {out['passage_api_ms']}")

    # 2. coverage on the search page
    mix = build_query_mix(args.queries)
    for bq in mix[:10]:  # warm-up
        run_search(SearchParams.from_query(QueryDict(urlencode({"q": bq.q}))), coverage=True)
    plain: list[float] = []
    covered: list[float] = []
    added: list[float] = []
    for index, bq in enumerate(mix):
        base = SearchParams.from_query(QueryDict(urlencode({"q": bq.q})))
        split = SearchParams.from_query(QueryDict(urlencode({"q": bq.q, "split": "outlet"})))
        runs = [("plain", lambda: run_search(base)), ("covered", lambda: run_search(split, coverage=True))]
        if index % 2:
            runs.reverse()
        times = {name: timed(call) for name, call in runs}
        plain.append(times["plain"])
        covered.append(times["covered"])
        added.append(times["covered"] - times["plain"])
    page: list[float] = [timed(lambda bq=bq: get("/", {"q": bq.q, "split": "outlet"})) for bq in mix]
    out["search_without_coverage_ms"] = percentiles(plain)
    out["search_with_coverage_and_split_ms"] = percentiles(covered)
    out["added_per_query_ms"] = percentiles(added)
    out["search_page_with_split_ms"] = percentiles(page)
    out["load_end"] = os.getloadavg()[0]
    for key in ("search_without_coverage_ms", "search_with_coverage_and_split_ms", "added_per_query_ms", "search_page_with_split_ms"):
        print(f"{key:<36} {out[key]}")
    p95_added = out["search_with_coverage_and_split_ms"]["p95"] - out["search_without_coverage_ms"]["p95"]  # type: ignore[index]
    print(f"p95 added by coverage + split: {p95_added:.1f} ms; load {out['load_start']:.2f} -> {out['load_end']:.2f}")
    write_json(Path(args.json) if args.json else None, out)


if __name__ == "__main__":
    main()
