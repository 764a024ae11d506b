"""django-haystack's Whoosh backend as a reference line for newsindex's faceted search.

Run from the repository root, on a data folder built by benchmarks/allsides_dataset.py:

    .venv/bin/python -m pip install -r benchmarks/requirements.txt     # django-haystack, once
    .venv/bin/python benchmarks/haystack_reference.py --data-dir /tmp/refdev --json haystack.json

What it does:

1. Starts Django with benchmarks/haystack_settings.py: newsindex's settings plus "haystack" and
   a Whoosh connection whose PATH is <data-dir>/haystack_whoosh (its own folder; newsindex's
   index and database are only read). Haystack uses the same whoosh3 module `whoosh` as
   newsindex (benchmarks/requirements.txt says why no other Whoosh is installed).
2. Builds a haystack index of the visible articles with `ArticleIndex` below: `text` (title and
   clean paragraphs, the document field), `outlet` (faceted CharField), `actors` (faceted
   MultiValueField of actor ids), `actor` (actor names, so `actor:trump` queries work),
   `published` (faceted DateField). Built with `backend.update()` in batches of --batch
   articles (each batch a Whoosh commit, as `update_index` does), timed: articles/s.
   --reuse keeps an index already there.
3. Runs the query mix search_latency.py times (benchmarks/harness/mix.py, same seed, same
   queries) through both engines, interleaved query by query after the same warm-up:
   - newsindex: `run_search(SearchParams.from_query(...))` (harness.servers.run_query): search,
     exact total, outlet/actor/date facets, 20 articles loaded and highlighted;
   - haystack: `SearchQuerySet().raw_search(q)` (the empty query: `.all()` newest first)
     `.facet("outlet").facet("actors").date_facet("published", first month, last month,
     gap_by="month").highlight().load_all()`, then the first 20 results (Article objects loaded
     by load_all, highlighted text), `.count()` and `.facet_counts()`: one Whoosh search.
   raw_search, not auto_query: the mix is Whoosh query syntax (AND/OR, "phrases", field:,
   prefix*, fuzzy~) and auto_query would quote `*`, `~` and `:` and lower-case AND/OR into
   stop words. Both engines parse with Whoosh's QueryParser; haystack's analyser is Whoosh's
   StemmingAnalyzer over one `text` field, newsindex's is its own news analyser over title and
   body, so match counts differ a little on their own.
4. Reports p50/p95/p99 per query kind and overall for both, and haystack's over ours; --json
   writes everything, with every query's time and count, like search_latency.py.

Known problems of haystack's Whoosh faceting, seen in the counts (checked below on every query
and reported, never a failure):

- Stemmed outlet tokens: a faceted CharField gets an `outlet_exact` companion that the Whoosh
  backend indexes as TEXT with StemmingAnalyzer, and Whoosh facets a TEXT field by its terms,
  so "Fox News" comes back as two values "fox" and "news" (and "The Hill" as "hill").
- Commas split multi-values: MultiValueField is a Whoosh KEYWORD(commas=True) and haystack joins
  the values with "," , so a value with a comma in it ("Washington, D.C.") becomes two. Ids
  avoid that here; names would not.
- Empty date buckets vanish: Whoosh's DateRangeFacet only returns buckets with a match, so the
  histogram has holes instead of zeros (newsindex zero-fills); undated articles (and any
  outside the start/end given) come back as one None bucket.
- OR within a facet is impossible: narrow() only ANDs filters and the counts are always taken
  over the narrowed results, so picking one outlet drops every other outlet's count (newsindex
  counts each facet with the other facets' selections only). Not measured here: the mix has
  no facet selections.
- Also: haystack's highlight re-analyses the raw query string with StemmingAnalyzer (field
  names such as `outlet` become highlight terms); its facets have no size limit (all values
  come back; newsindex returns the top 200 actors).
- With HAYSTACK_LIMIT_TO_REGISTERED_MODELS at its default (True), every query first runs a
  second search for "django_ct:search.article" over every document; haystack_settings.py turns
  it off (one model), --limit-to-registered-models measures haystack's default.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository: `search`, `benchmarks.harness`

from benchmarks.harness import compare  # noqa: E402
from benchmarks.harness.measure import disk_usage, machine_facts, mb, write_json  # noqa: E402
from benchmarks.harness.mix import BenchQuery  # noqa: E402

PAGE = 20


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch", type=int, default=500, help="articles per backend.update() call (default: 500)")
    parser.add_argument(
        "--limit-to-registered-models", action="store_true", help="haystack's default narrowing search per query (off in haystack_settings.py)"
    )
    parser.add_argument("--show-differences", type=int, default=8, help="count differences printed (all go to --json)")
    return compare.parse_args(parser)


# --- the haystack index --------------------------------------------------------------------------


def make_index() -> Any:
    """ArticleIndex, registered with haystack's unified index (no search_indexes.py app needed)."""
    from django.db.models import Prefetch
    from haystack import connections, indexes

    from search.store.models import Article, ArticleActor, Paragraph

    class ArticleIndex(indexes.SearchIndex, indexes.Indexable):
        text = indexes.CharField(document=True)
        outlet = indexes.CharField(faceted=True, null=True)
        actors = indexes.MultiValueField(faceted=True)
        actor = indexes.CharField()
        published = indexes.DateField(model_attr="published", faceted=True, null=True)

        def get_model(self) -> type[Article]:
            return Article

        def index_queryset(self, using: str | None = None) -> Any:
            return (
                Article.objects.filter(hidden=False)
                .select_related("outlet")
                .prefetch_related(
                    Prefetch("paragraphs", queryset=Paragraph.objects.order_by("position")),
                    Prefetch("actor_links", queryset=ArticleActor.objects.select_related("actor")),
                )
            )

        def read_queryset(self, using: str | None = None) -> Any:
            return Article.objects.select_related("outlet")  # what load_all() fetches for a page

        def prepare_text(self, obj: Article) -> str:
            return f"{obj.title}\n\n{obj.body}"

        def prepare_outlet(self, obj: Article) -> str | None:
            return obj.outlet_name or None

        def prepare_actors(self, obj: Article) -> list[str]:
            return sorted(str(link.actor_id) for link in obj.actor_links.all())

        def prepare_actor(self, obj: Article) -> str:
            return " ".join(sorted(link.actor.name for link in obj.actor_links.all()))

    index = ArticleIndex()
    connections["default"].get_unified_index().build(indexes=[index])
    return index


def build_index(index: Any, batch: int, reuse: bool) -> dict[str, Any]:
    from django.conf import settings
    from haystack import connections

    from search.store.models import Article

    path = Path(settings.HAYSTACK_CONNECTIONS["default"]["PATH"])
    backend = connections["default"].get_backend()
    ids = list(Article.objects.filter(hidden=False).order_by("id").values_list("id", flat=True))
    if reuse and path.exists():
        backend.setup()
        count = backend.index.doc_count()
        if count == len(ids):
            print(f"haystack index: reused ({count} documents in {path})")
            return {"reused": True, "documents": count, "path": str(path)}
        print(f"haystack index: {count} documents for {len(ids)} articles, rebuilding")
    if path.exists():
        shutil.rmtree(path)
    backend.setup_complete = False
    backend.setup()
    print(f"haystack index: building {len(ids)} articles in batches of {batch} into {path}")
    clock = compare.Stopwatch()
    load_s = 0.0
    batches = []
    for start in range(0, len(ids), batch):
        t0 = time.perf_counter()
        objs = list(index.index_queryset().filter(id__in=ids[start : start + batch]).order_by("id"))
        t1 = time.perf_counter()
        backend.update(index, objs)
        t2 = time.perf_counter()
        load_s += t1 - t0
        batches.append({"articles": len(objs), "load_s": round(t1 - t0, 3), "update_s": round(t2 - t1, 3)})
        done = start + len(objs)
        print(f"  {done:>7} articles  {clock.seconds:7.1f}s  ({done / clock.seconds:.0f} articles/s)", file=sys.stderr, flush=True)
    seconds = clock.seconds
    used, apparent = disk_usage(path)
    figures = {
        "reused": False,
        "documents": backend.index.doc_count(),
        "seconds": round(seconds, 2),
        "articles_per_s": round(len(ids) / seconds, 1) if seconds else None,
        "database_load_seconds": round(load_s, 2),
        "batch": batch,
        "batches": batches,
        "index_bytes": used,
        "index_apparent_bytes": apparent,
        "path": str(path),
    }
    print(
        f"haystack index: {figures['documents']} documents in {seconds:.1f}s = {figures['articles_per_s']} articles/s "
        f"({load_s:.1f}s of it loading articles from the database), {mb(used)} on disk"
    )
    return figures


# --- queries ---------------------------------------------------------------------------------------


def date_range() -> tuple[dt.date, dt.date]:
    """First day of the first month with an article, first day of the month after the last."""
    from django.db.models import Max, Min

    from search.store.models import Article

    span = Article.objects.filter(hidden=False).aggregate(first=Min("published"), last=Max("published"))
    first, last = span["first"] or dt.date(2000, 1, 1), span["last"] or dt.date(2000, 1, 1)
    end = dt.date(last.year + last.month // 12, last.month % 12 + 1, 1)
    return first.replace(day=1), end


def haystack_engine(start: dt.date, end: dt.date) -> compare.Engine:
    from haystack.query import SearchQuerySet

    def run(bq: BenchQuery) -> tuple[float, dict[str, Any]]:
        started = time.perf_counter()
        sqs = SearchQuerySet().raw_search(bq.q) if bq.q else SearchQuerySet().all().order_by("-published")
        sqs = (
            sqs.facet("outlet")
            .facet("actors")
            .date_facet("published", start_date=start, end_date=end, gap_by="month")
            .highlight()
            .load_all()
        )
        results = list(sqs[:PAGE])
        rows = [(r.object.title if r.object else None, (r.highlighted or {}).get("text", [""])[0]) for r in results]
        total = sqs.count()
        facets = sqs.facet_counts()
        ms = (time.perf_counter() - started) * 1000
        return ms, {"total": total, "rows": len(rows), "facets": facets}

    return run


# --- count comparison ---------------------------------------------------------------------------


def haystack_counts(total: int, facets: dict[str, Any]) -> dict[str, Any]:
    fields, dates = facets.get("fields", {}), facets.get("dates", {})
    months: dict[str, int] = {}
    undated = 0
    for key, n in dates.get("published", []):
        if isinstance(key, tuple):
            months[f"{key[0].year:04d}-{key[0].month:02d}"] = n
        else:  # None: no date (or outside the range)
            undated += n
    return {
        "total": total,
        "outlets": {k: n for k, n in fields.get("outlet", []) if k is not None},
        "outlets_missing": sum(n for k, n in fields.get("outlet", []) if k is None),
        "actors": {k: n for k, n in fields.get("actors", []) if k is not None},
        "months": months,
        "undated": undated,
    }


def count_differences(ours: dict[str, Any], theirs: dict[str, Any]) -> dict[str, Any]:
    """What differs between the two engines' counts for one query."""
    from whoosh.analysis import StemmingAnalyzer

    analyzer = StemmingAnalyzer()
    # haystack's outlet values are the stemmed words of the names: sum ours word by word.
    by_token: Counter[str] = Counter()
    for name, n in ours["outlets"].items():
        for token in {t.text for t in analyzer(name)}:
            by_token[token] += n
    not_names = sorted(k for k in theirs["outlets"] if k not in ours["outlets"])
    # Actors: compare on the values newsindex returns (its top 200).
    actor_diff = {k: (n, theirs["actors"].get(k, 0)) for k, n in ours["actors"].items() if theirs["actors"].get(k, 0) != n}
    zero_months = [m for m in month_span(ours["months"]) if m not in theirs["months"]]
    month_diff = {m: (ours["months"].get(m, 0), n) for m, n in theirs["months"].items() if ours["months"].get(m, 0) != n}
    return {
        "total": (ours["total"], theirs["total"]),
        "same_total": ours["total"] == theirs["total"],
        "outlet_values": (len(ours["outlets"]), len(theirs["outlets"])),
        "outlet_tokens_not_names": not_names[:12],
        "outlet_tokens_not_names_count": len(not_names),
        "outlet_tokens_equal_word_sums": dict(by_token) == theirs["outlets"],
        "actor_values": (len(ours["actors"]), len(theirs["actors"])),
        "actor_count_differences": len(actor_diff),
        "actor_examples": dict(list(actor_diff.items())[:5]),
        "months_missing_in_haystack": len(zero_months),  # newsindex's zero-filled buckets with no haystack bucket
        "month_count_differences": len(month_diff),
        "undated": (ours["undated"], theirs["undated"]),
    }


def split_names(count: int = 3) -> str:
    """A few outlet names as haystack's outlet facet shows them."""
    from whoosh.analysis import StemmingAnalyzer

    from search.store.models import Outlet

    analyzer = StemmingAnalyzer()
    names = [n for n in Outlet.objects.values_list("name", flat=True) if " " in n][:count]
    return "; ".join(f"{n!r} -> {', '.join(t.text for t in analyzer(n))}" for n in names)


def month_span(months: dict[str, int]) -> list[str]:
    """Every month from the first to the last key (newsindex's zero-filled histogram)."""
    if not months:
        return []
    first, last = min(months), max(months)
    y, m = int(first[:4]), int(first[5:])
    out = []
    while f"{y:04d}-{m:02d}" <= last:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


# --- main --------------------------------------------------------------------------------------------


def main() -> int:
    args = parse_args()
    data_dir = args.data_dir.resolve()
    compare.start_reference(data_dir, "haystack_settings")
    from importlib.metadata import version

    from django.conf import settings

    from search.store.models import Article

    if args.limit_to_registered_models:
        settings.HAYSTACK_LIMIT_TO_REGISTERED_MODELS = True
    facts = machine_facts()
    facts["django_haystack"] = version("django-haystack")
    print("haystack reference benchmark")
    print(f"  date {facts['date']}  nproc {facts['nproc']}  load average {facts['load_average']}  cpu {facts['cpu']}")
    print(f"  python {facts['python']}  django {facts['django']}  {facts['whoosh']}  django-haystack {facts['django_haystack']}")
    print(f"  data dir {data_dir}  ({Article.objects.filter(hidden=False).count()} visible articles)")
    print()

    index = make_index()
    build = build_index(index, args.batch, args.reuse)
    print()

    mix, counts = compare.query_mix(args.queries)
    start, end = date_range()
    engines: dict[str, compare.Engine] = {} if args.no_ours else {compare.OURS: compare.ours}
    engines["haystack"] = haystack_engine(start, end)
    haystack_answers: dict[int, dict[str, Any]] = {}

    def keep(engine: str, bq: BenchQuery, details: dict[str, Any]) -> None:
        if engine == "haystack":
            haystack_answers[len(haystack_answers)] = haystack_counts(details["total"], details["facets"])

    rows, warmup = compare.run_interleaved(mix, engines, keep)
    latency = {name: compare.summaries(rows, name, counts) for name in engines}
    print(
        f"search latency (ms): each query once per engine, interleaved, after a warm-up of {len(warmup)} queries; "
        f"haystack date facet by month {start} to {end}"
    )
    compare.print_comparison(latency, counts)
    print()

    # Counts: newsindex's raw facet counts (untimed) against haystack's, query by query.
    differences = []
    for i, row in enumerate(rows):
        diff = count_differences(compare.our_counts(row["q"]), haystack_answers[i])
        differences.append({"kind": row["kind"], "q": row["q"], **diff})
    same_total = [d for d in differences if d["same_total"]]
    summary = {
        "queries": len(differences),
        "same_total": len(same_total),
        "with_outlet_tokens_not_names": sum(1 for d in differences if d["outlet_tokens_not_names_count"]),
        "with_months_missing_in_haystack": sum(1 for d in differences if d["months_missing_in_haystack"]),
        "same_total_but_actor_counts_differ": sum(1 for d in same_total if d["actor_count_differences"]),
        "same_total_but_month_counts_differ": sum(1 for d in same_total if d["month_count_differences"]),
        "same_total_but_outlet_tokens_not_word_sums": sum(1 for d in same_total if not d["outlet_tokens_equal_word_sums"]),
    }
    print("counts, newsindex vs haystack (differences are reported, not failures):")
    print(f"  same total on {summary['same_total']} of {summary['queries']} queries (the analysers differ: stemming, stop words, title+body)")
    print(f"  outlet values that are name tokens, not outlet names, on {summary['with_outlet_tokens_not_names']} queries, e.g. {split_names()}")
    print(f"  zero-count months missing from haystack's histogram on {summary['with_months_missing_in_haystack']} queries")
    print(
        f"  among queries with the same total: actor counts differ on {summary['same_total_but_actor_counts_differ']}, "
        f"month counts on {summary['same_total_but_month_counts_differ']}; outlet word counts are not the word-by-word sums "
        f"of newsindex's outlet counts on {summary['same_total_but_outlet_tokens_not_word_sums']}"
    )
    interesting = sorted(differences, key=lambda d: (d["same_total"], d["kind"]))[: args.show_differences]
    for d in interesting:
        print(
            f"  {d['kind']:<15} {d['q'] or '(empty)':<28} total {d['total'][0]}/{d['total'][1]}  "
            f"outlets {d['outlet_values'][0]}/{d['outlet_values'][1]} e.g. {', '.join(d['outlet_tokens_not_names'][:4]) or '-'}  "
            f"actors {d['actor_values'][0]}/{d['actor_values'][1]} ({d['actor_count_differences']} differ)  "
            f"months missing {d['months_missing_in_haystack']}, differ {d['month_count_differences']}  undated {d['undated'][0]}/{d['undated'][1]}"
        )
    print()
    compare.record_load_average(facts)

    write_json(
        args.json,
        {
            "machine": facts,
            "data_dir": str(data_dir),
            "articles": Article.objects.filter(hidden=False).count(),
            "haystack_settings": {
                "limit_to_registered_models": settings.HAYSTACK_LIMIT_TO_REGISTERED_MODELS,
                "date_facet": {"start": start, "end": end, "gap_by": "month"},
            },
            "build": build,
            "query_mix": dict(counts),
            "warmup": warmup,
            "latency_ms": latency,
            "ratio_to_newsindex": compare.ratios(latency, "haystack") if compare.OURS in latency else {},
            "count_summary": summary,
            "count_differences": differences,
            "queries": rows,
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
