"""How close the postgres engine's two-step ranking comes to ranking every match by its whole text.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/DB .venv/bin/python benchmarks/ranking_agreement.py \
        --data-dir D [--queries 100] [--rerank 1000,2000,3000] [--json OUT]

The archive is one imported PostgreSQL database with the postgres engine's index built
(`manage.py rebuild_index` with SEARCH_BACKEND=postgres). For each query of the benchmark's mix
(harness/mix.py, seed 42) the first page (20 articles) is taken three ways: exactly (the second
step, every match's whole text, given room for all matches), and by the engine's two steps with
each --rerank size (the first step by title, search/index/postgres/ranking.py). Reported per
size: how many first pages equal the exact one, and the mean and worst share of the exact
page's articles they hold, over every query with results and over those with more matches than
the size (the only ones that can differ). Ties in the exact order (equal scores) count as
differences.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository: `search`, `benchmarks.harness`

from benchmarks.harness.measure import machine_facts, write_json  # noqa: E402
from benchmarks.harness.mix import build_query_mix  # noqa: E402
from benchmarks.harness.servers import start_django  # noqa: E402

PAGE = 20


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, required=True, help="the archive's NEWSINDEX_DATA_DIR")
    parser.add_argument("--queries", type=int, default=100, help="queries in the mix (default 100)")
    parser.add_argument("--rerank", default="1000,2000,3000", help="second-step sizes to compare (comma-separated)")
    parser.add_argument("--json", type=Path, metavar="OUT")
    args = parser.parse_args(argv)
    args.rerank = [int(size) for size in args.rerank.split(",") if size]
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        parser.error("DATABASE_URL=postgres://... is needed: the postgres engine keeps its index in that database")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    start_django(args.data_dir.resolve(), "postgres")
    from search.index import get_backend
    from search.index.base import SearchQuery
    from search.index.postgres import ranking

    backend = get_backend()
    mix = build_query_mix(args.queries)

    def first_pages(rerank: int) -> list[tuple[list[int], int]]:
        ranking.RERANK = rerank
        results = [backend.search(SearchQuery(text=bq.q, limit=PAGE)) for bq in mix]
        return [([hit.article_id for hit in found.hits], found.total) for found in results]

    exact = first_pages(10**9)
    rows = []
    for size in args.rerank:
        pairs = [(page, want, total) for (page, _), (want, total) in zip(first_pages(size), exact, strict=True) if want]
        # Only a query with more matches than the second step's size can differ from the exact page.
        beyond = [(page, want) for page, want, total in pairs if total > size]
        shares = [len(set(page) & set(want)) / len(want) for page, want, _ in pairs]
        beyond_shares = [len(set(page) & set(want)) / len(want) for page, want in beyond]
        row = {
            "rerank": size,
            "identical": sum(page == want for page, want, _ in pairs),
            "mean_share": round(statistics.mean(shares), 3) if shares else None,
            "worst_share": round(min(shares), 3) if shares else None,
            "queries": len(mix),
            "queries_with_results": len(pairs),
            "queries_beyond_rerank": len(beyond),
            "identical_beyond_rerank": sum(page == want for page, want in beyond),
            "mean_share_beyond_rerank": round(statistics.mean(beyond_shares), 3) if beyond_shares else None,
        }
        rows.append(row)
        print(f"rerank {size:>6}: first page identical for {row['identical']} of {len(pairs)} queries with results; "
              f"share of the exact page's articles mean {row['mean_share']}, worst {row['worst_share']}; "
              f"of the {len(beyond)} queries with more than {size} matches, {row['identical_beyond_rerank']} identical, "
              f"mean share {row['mean_share_beyond_rerank']}")
    write_json(args.json, {"machine": machine_facts(), "articles": backend.doc_count(), "page": PAGE, "rows": rows})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
