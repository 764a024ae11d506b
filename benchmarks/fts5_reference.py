"""SQLite FTS5 as the embedded-engine reference line for newsindex's faceted search.

Run from the repository root, on a data folder built by benchmarks/allsides_dataset.py:

    .venv/bin/python benchmarks/fts5_reference.py --data-dir /tmp/refdev --json fts5.json

What it does:

1. Builds <data-dir>/fts5_reference.sqlite3 (a separate SQLite file; newsindex's database is
   only read) from the visible articles:
       docs     fts5(outlet UNINDEXED, published UNINDEXED, title, body,
                     tokenize='porter unicode61 remove_diacritics 2'), rowid = article id
       doc_actors(article_id, actor_id)                 side table, both ways indexed
       outlet_names, actor_names   fts5(name, tokenize='unicode61 remove_diacritics 2')
   (the UNINDEXED columns come first so scanning them never reads the text), then FTS5's
   'optimize'. Build time, articles/s and file size are reported; --reuse keeps a built file.
2. Runs the query mix search_latency.py times (benchmarks/harness/mix.py, same seed, same
   queries) translated to FTS5 MATCH syntax: words and phrases quoted ("word", "two words"),
   AND/OR kept, prefix `elec*` -> "elec"*. Fuzzy terms (`word~`) have no FTS5 form: those
   queries are skipped and marked "not expressible". `outlet:x` and `actor:x` are not MATCHes
   on the article table: the name is matched in the small names table and the articles
   filtered by SQL (an IN over the UNINDEXED outlet column, or the actors side table); the
   empty query takes every article. Each query then does what the search page needs:
       matches into a temp table (one MATCH), count(*), GROUP BY outlet, GROUP BY month,
       GROUP BY actor joined through doc_actors (top 200, as newsindex), and the first 20 rows
       by bm25 (title weighted 2, as newsindex) with snippet() of the body
       (newest first, no snippet, when there is no MATCH).
   Newsindex's own run_search() runs on the same queries in the same process, interleaved
   (--no-ours skips it), so the report has both lines and the ratio.
3. Reports build figures and p50/p95/p99 per query kind and overall; --json writes everything.

Differences in what is matched: porter stemming and no stop words (newsindex: its own
analyser and stop list); FTS5's prefix query works on indexed (stemmed) tokens.
"""

from __future__ import annotations

import argparse
import re
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository: `search`, `benchmarks.harness`

from benchmarks.harness import compare  # noqa: E402
from benchmarks.harness.measure import disk_usage, latency_summary, machine_facts, mb, write_json  # noqa: E402
from benchmarks.harness.mix import BenchQuery  # noqa: E402

PAGE = 20
FACET_SIZE = 200  # actors returned per query, as newsindex's SearchQuery.facet_size
FILE_NAME = "fts5_reference.sqlite3"

SCHEMA = """
CREATE VIRTUAL TABLE docs USING fts5(
    outlet UNINDEXED, published UNINDEXED, title, body,
    tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TABLE doc_actors (article_id INTEGER NOT NULL, actor_id INTEGER NOT NULL, PRIMARY KEY (article_id, actor_id)) WITHOUT ROWID;
CREATE INDEX doc_actors_actor ON doc_actors (actor_id, article_id);
CREATE VIRTUAL TABLE outlet_names USING fts5(name, tokenize = 'unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE actor_names USING fts5(name, tokenize = 'unicode61 remove_diacritics 2');
"""

# How the matching articles get into temp.m, per kind of query.
FILL = {
    "match": "INSERT INTO m SELECT rowid, outlet, substr(published, 1, 7) FROM docs WHERE docs MATCH ?",
    "outlet": (
        "INSERT INTO m SELECT rowid, outlet, substr(published, 1, 7) FROM docs "
        "WHERE outlet IN (SELECT name FROM outlet_names WHERE outlet_names MATCH ?)"
    ),
    "actor": (
        "INSERT INTO m SELECT rowid, outlet, substr(published, 1, 7) FROM docs WHERE rowid IN "
        "(SELECT article_id FROM doc_actors WHERE actor_id IN (SELECT rowid FROM actor_names WHERE actor_names MATCH ?))"
    ),
    "all": "INSERT INTO m SELECT rowid, outlet, substr(published, 1, 7) FROM docs",
}
FACETS = {
    "total": "SELECT count(*) FROM m",
    "outlets": "SELECT outlet, count(*) FROM m GROUP BY outlet ORDER BY 2 DESC, 1",
    "months": "SELECT month, count(*) FROM m GROUP BY month ORDER BY 1",
    "actors": f"SELECT a.actor_id, count(*) FROM m JOIN doc_actors a ON a.article_id = m.id GROUP BY a.actor_id ORDER BY 2 DESC, 1 LIMIT {FACET_SIZE}",
}
TOP_BY_RANK = (
    "SELECT rowid, title, outlet, published, snippet(docs, 3, '<mark>', '</mark>', '…', 24) FROM docs "
    f"WHERE docs MATCH ? ORDER BY bm25(docs, 0.0, 0.0, 2.0, 1.0) LIMIT {PAGE}"
)
TOP_BY_DATE = (
    "SELECT d.rowid, d.title, d.outlet, d.published, substr(d.body, 1, 200) FROM m JOIN docs d ON d.rowid = m.id "
    f"ORDER BY d.published IS NULL, d.published DESC, d.rowid LIMIT {PAGE}"
)
_TOKEN = re.compile(r'"[^"]*"|\S+')


# --- build ---------------------------------------------------------------------------------------


def build(path: Path, reuse: bool) -> dict[str, Any]:
    from django.db.models import Prefetch

    from search.store.models import Actor, Article, Outlet, Paragraph

    ids = list(Article.objects.filter(hidden=False).order_by("id").values_list("id", flat=True))
    if reuse and path.exists():
        with sqlite3.connect(path) as con:
            count = con.execute("SELECT count(*) FROM docs").fetchone()[0]
        if count == len(ids):
            print(f"FTS5 index: reused ({count} articles in {path})")
            return {"reused": True, "documents": count, "path": str(path)}
        print(f"FTS5 index: {count} articles for {len(ids)} visible, rebuilding")
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    print(f"FTS5 index: building {len(ids)} articles into {path}")
    clock = compare.Stopwatch()
    load_s = insert_s = 0.0
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode = WAL")
    con.executescript(SCHEMA)
    con.executemany("INSERT INTO outlet_names(rowid, name) VALUES (?, ?)", Outlet.objects.values_list("id", "name"))
    con.executemany("INSERT INTO actor_names(rowid, name) VALUES (?, ?)", Actor.objects.values_list("id", "name"))
    for start in range(0, len(ids), 500):
        t0 = time.perf_counter()
        articles = (
            Article.objects.filter(id__in=ids[start : start + 500])
            .select_related("outlet")
            .prefetch_related(Prefetch("paragraphs", queryset=Paragraph.objects.order_by("position")), "actor_links")
            .order_by("id")
        )
        docs = [(a.id, a.outlet_name, a.published.isoformat() if a.published else None, a.title, a.body) for a in articles]
        links = [(a.id, link.actor_id) for a in articles for link in a.actor_links.all()]
        t1 = time.perf_counter()
        with con:
            con.executemany("INSERT INTO docs(rowid, outlet, published, title, body) VALUES (?, ?, ?, ?, ?)", docs)
            con.executemany("INSERT OR IGNORE INTO doc_actors VALUES (?, ?)", links)
        load_s += t1 - t0
        insert_s += time.perf_counter() - t1
        done = start + len(docs)
        print(f"  {done:>7} articles  {clock.seconds:7.1f}s  ({done / clock.seconds:.0f} articles/s)", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    with con:
        for table in ("docs", "outlet_names", "actor_names"):
            con.execute(f"INSERT INTO {table}({table}) VALUES ('optimize')")
    optimize_s = time.perf_counter() - t0
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    seconds = clock.seconds
    used, apparent = disk_usage(path)
    figures = {
        "reused": False,
        "documents": len(ids),
        "seconds": round(seconds, 2),
        "articles_per_s": round(len(ids) / seconds, 1) if seconds else None,
        "database_load_seconds": round(load_s, 2),
        "insert_seconds": round(insert_s, 2),
        "optimize_seconds": round(optimize_s, 2),
        "file_bytes": used,
        "file_apparent_bytes": apparent,
        "path": str(path),
    }
    print(
        f"FTS5 index: {len(ids)} articles in {seconds:.1f}s = {figures['articles_per_s']} articles/s "
        f"(loading from the database {load_s:.1f}s, FTS5 inserts {insert_s:.1f}s, optimize {optimize_s:.1f}s), {mb(used)} on disk"
    )
    return figures


# --- queries -------------------------------------------------------------------------------------


def translate(bq: BenchQuery) -> tuple[str, str] | None:
    """(how to fill the match table, its parameter) for one query of the mix; None: not expressible."""
    q = bq.q.strip()
    if not q:
        return "all", ""
    field = re.fullmatch(r"(outlet|actor):(\w+)", q)
    if field:
        return field.group(1), f'"{field.group(2)}"'
    parts = []
    for token in _TOKEN.findall(q):
        if token in ("AND", "OR", "NOT"):
            parts.append(token)
        elif token.startswith('"'):
            parts.append(token)
        elif token.endswith("~"):
            return None  # fuzzy: FTS5 has no edit-distance query
        elif token.endswith("*"):
            parts.append(f'"{token.rstrip("*")}"*')
        else:
            parts.append('"' + token.replace('"', "") + '"')
    return "match", " ".join(parts)


def fts5_engine(path: Path) -> compare.Engine:
    con = sqlite3.connect(path, check_same_thread=False)
    con.execute("PRAGMA temp_store = MEMORY")
    con.execute("PRAGMA cache_size = -65536")  # 64 MB page cache
    con.execute("CREATE TEMP TABLE m (id INTEGER PRIMARY KEY, outlet TEXT, month TEXT)")

    def run(bq: BenchQuery) -> tuple[float, dict[str, Any]]:
        translated = translate(bq)
        if translated is None:
            return 0.0, {"skipped": "not expressible in FTS5"}
        how, match = translated
        started = time.perf_counter()
        con.execute("DELETE FROM m")
        con.execute(FILL[how], (match,) if how != "all" else ())
        total = con.execute(FACETS["total"]).fetchone()[0]
        outlets = con.execute(FACETS["outlets"]).fetchall()
        months = con.execute(FACETS["months"]).fetchall()
        actors = con.execute(FACETS["actors"]).fetchall()
        rows = con.execute(TOP_BY_RANK, (match,)).fetchall() if how == "match" else con.execute(TOP_BY_DATE).fetchall()
        ms = (time.perf_counter() - started) * 1000
        facets = {"outlets": dict(outlets), "actors": {str(a): n for a, n in actors}, "months": dict(months)}
        return ms, {"match": match, "total": total, "rows": len(rows), "outlet_values": len(outlets), "actor_values": len(actors), "facets": facets}

    return run


def compare_counts(rows: list[dict[str, Any]], facets: list[dict[str, Any]]) -> dict[str, Any]:
    """newsindex's raw counts (untimed) against FTS5's, query by query."""
    out: dict[str, Any] = {"queries": 0, "same_total": 0, "same_total_but_facets_differ": 0, "facet_differences": [], "total_differs": []}
    for row, theirs in zip(rows, facets, strict=True):
        if row["fts5"].get("skipped"):
            continue
        ours = compare.our_counts(row["q"])
        out["queries"] += 1
        if ours["total"] != row["fts5"]["total"]:
            out["total_differs"].append({"kind": row["kind"], "q": row["q"], "match": row["fts5"]["match"], "newsindex": ours["total"], "fts5": row["fts5"]["total"]})
            continue
        out["same_total"] += 1
        months = {m: n for m, n in theirs["months"].items() if m}
        differs = {
            "outlets": ours["outlets"] != theirs["outlets"],
            "months": ours["months"] != months,
            "undated": ours["undated"] != theirs["months"].get(None, 0),
            # Both cut at 200 values; ties at the cut may fall either way, so compare the shared ones.
            "actors": any(theirs["actors"][k] != n for k, n in ours["actors"].items() if k in theirs["actors"]),
        }
        if any(differs.values()):
            out["same_total_but_facets_differ"] += 1
            out["facet_differences"].append({"kind": row["kind"], "q": row["q"], **differs})
    return out


def main() -> int:
    args = compare.parse_args(argparse.ArgumentParser(description=__doc__.split("\n\n")[0]))
    data_dir = args.data_dir.resolve()
    compare.start_reference(data_dir)
    from search.store.models import Article

    facts = machine_facts()
    facts["sqlite"] = sqlite3.sqlite_version
    print("SQLite FTS5 reference benchmark")
    print(f"  date {facts['date']}  nproc {facts['nproc']}  load average {facts['load_average']}  cpu {facts['cpu']}")
    print(f"  python {facts['python']}  django {facts['django']}  {facts['whoosh']}  sqlite {facts['sqlite']}")
    print(f"  data dir {data_dir}  ({Article.objects.filter(hidden=False).count()} visible articles)")
    print()
    path = data_dir / FILE_NAME
    built = build(path, args.reuse)
    print()

    mix, counts = compare.query_mix(args.queries)
    engines: dict[str, compare.Engine] = {} if args.no_ours else {compare.OURS: compare.ours}
    engines["fts5"] = fts5_engine(path)
    facets: list[dict[str, Any]] = []

    def keep(engine: str, bq: BenchQuery, details: dict[str, Any]) -> None:
        if engine == "fts5":
            facets.append(details.get("facets", {}))

    rows, warmup = compare.run_interleaved(mix, engines, keep)
    for row in rows:  # skipped queries carry no time
        if row["fts5"].get("skipped"):
            row["fts5"]["ms"] = None
    latency = {name: compare.summaries(rows, name, counts) for name in engines}
    skipped = sorted({row["kind"] for row in rows if row["fts5"].get("skipped")})
    extra = []
    if skipped and compare.OURS in latency:
        extra = ["all FTS5 kinds"]
        latency[compare.OURS][extra[0]] = latency_summary([r[compare.OURS]["ms"] for r in rows if r["kind"] not in skipped])
        latency["fts5"][extra[0]] = latency["fts5"]["all"]
    print(f"search latency (ms): each query once per engine, interleaved, after a warm-up of {len(warmup)} queries")
    compare.print_comparison(latency, counts, extra)
    if skipped:
        print(f"not expressible in FTS5, skipped: {', '.join(skipped)} (FTS5's ALL leaves them out; 'all FTS5 kinds' compares like with like)")
    print()
    comparison = compare_counts(rows, facets)
    print(
        f"counts: FTS5's total equals newsindex's on {comparison['same_total']} of {comparison['queries']} queries "
        "(porter stemming, no stop words vs newsindex's analyser); on those, facet counts differ on "
        f"{comparison['same_total_but_facets_differ']} (outlets, months, undated, and actors both engines return)"
    )
    for d in comparison["total_differs"][:6]:
        print(f"  {d['kind']:<15} {d['q'] or '(empty)':<28} -> {d['match']!r:<32} newsindex {d['newsindex']}, FTS5 {d['fts5']}")
    print()
    compare.record_load_average(facts)
    write_json(
        args.json,
        {
            "machine": facts,
            "data_dir": str(data_dir),
            "articles": Article.objects.filter(hidden=False).count(),
            "build": built,
            "query_mix": dict(counts),
            "not_expressible": skipped,
            "warmup": warmup,
            "latency_ms": latency,
            "ratio_to_newsindex": compare.ratios(latency, "fts5") if compare.OURS in latency else {},
            "count_comparison": comparison,
            "queries": rows,
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
