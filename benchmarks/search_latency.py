"""Import throughput and search latency of newsindex on a real corpus.

Run from the repository root:

    .venv/bin/python benchmarks/search_latency.py
    .venv/bin/python benchmarks/search_latency.py --corpus ../shared/corpora/allsides/sample2000.jsonl
    .venv/bin/python benchmarks/search_latency.py --data-dir /tmp/bench --reuse --json bench.json

Both engines on one PostgreSQL archive (imported once; each engine's index rebuilt and timed):

    DATABASE_URL=postgres://... .venv/bin/python benchmarks/search_latency.py --engine postgres --data-dir D --reuse --rebuild
    DATABASE_URL=postgres://... NEWSINDEX_BENCH_KEEP_DATABASE=1 .venv/bin/python benchmarks/search_latency.py \
        --engine whoosh --data-dir D --reuse --rebuild

What it measures:

1. Import: `Importer().run([corpus])` into an empty data folder (SQLite database and Whoosh
   index), then a second, unchanged re-import of the same file (every record "unchanged").
2. Search: a fixed mix of queries (random.Random(42)) drawn from the imported articles
   themselves: common and rare terms, AND and OR pairs, quoted phrases copied from article
   text, outlet: and actor: field queries, wildcards, fuzzy terms and the empty query
   (newest first).
   By default (--via http) each query is timed once as a GET of the search page, `/?q=...`,
   from one client against the production-style server of `make serve`: gunicorn with 3 sync
   workers, DEBUG off, whitenoise, started by this script on a free 127.0.0.1 port over the same
   data folder. The time is from sending the request to reading the whole page: the Whoosh
   search, the exact total, outlet/actor/date facets over all matches, loading the 20 articles
   of the page and their highlighted snippets, rendering the template, and HTTP. The page's
   Server-Timing header gives the part spent in the search itself (`search`). With --via
   process the same queries are timed in this process through `run_search()` instead.
   A short warm-up pass runs first and is not counted (over HTTP, in every worker).

It reports p50/p95/p99/max latency overall and per query kind, the index and database sizes
and the machine it ran on. Everything lives in --data-dir (default: a new temporary folder,
removed at the end), never in the developer's data/: NEWSINDEX_DATA_DIR is set before Django
starts. DATABASE_URL is ignored (the benchmark measures the default SQLite set-up) and DEBUG
is forced off so Django does not keep every SQL query in memory.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import json
import math
import os
import platform
import random
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO.parent / "shared" / "corpora" / "allsides" / "articles.jsonl.gz"
SEED = 42
# Warm-up (not counted): the first query of each of these kinds opens the searcher, builds the
# facet arrays, reads the words of the title and body fields (for prefix, wildcard and fuzzy
# terms) and opens the database connection, in every worker. That first-query cost, paid again
# after each change of the index, is reported apart ("warm-up").
WARMUP_KINDS = ("empty (newest)", "common term", "two terms AND", "phrase", "outlet: field", "wildcard", "fuzzy")
SAMPLE_ARTICLES = 2000  # articles read to find words and phrases for the query mix

# Query kinds and their share of the mix (out of 100).
MIX: dict[str, int] = {
    "empty (newest)": 4,
    "common term": 16,
    "rare term": 15,
    "two terms AND": 14,
    "two terms OR": 10,
    "phrase": 15,
    "outlet: field": 7,
    "actor: field": 5,
    "wildcard": 7,
    "fuzzy": 7,
}
TOP_ACTORS = 300  # actor: queries name one of the actors in the most articles
_WORD = re.compile(r"[a-z]{4,}")


# --- set-up ----------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help=f"file or folder to import (default: {DEFAULT_CORPUS})")
    parser.add_argument("--data-dir", type=Path, help="NEWSINDEX_DATA_DIR for the run (default: a new temporary folder, removed after)")
    parser.add_argument("--queries", type=int, default=100, help="number of timed queries (default: 100)")
    parser.add_argument("--reuse", action="store_true", help="skip the import when --data-dir already holds an imported corpus")
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write the figures as JSON to OUT")
    parser.add_argument(
        "--via", choices=("http", "process"), default="http", help="time the search page over HTTP (default) or run_search() in process"
    )
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers with --via http (default 3, as make serve)")
    parser.add_argument(
        "--engine",
        choices=("whoosh", "postgres"),
        default="whoosh",
        help="search engine (SEARCH_BACKEND); postgres runs on DATABASE_URL, which must be set",
    )
    parser.add_argument(
        "--queries-from",
        type=Path,
        metavar="JSON",
        help="time the query mix of an earlier run (its --json file) instead of drawing one: the same queries on both engines",
    )
    parser.add_argument(
        "--rebuild", action="store_true", help="time `rebuild_index` (the index build throughput, articles/s) before the queries"
    )
    args = parser.parse_args(argv)
    if args.queries < 1:
        parser.error("--queries must be at least 1")
    if not args.corpus.exists():
        parser.error(f"--corpus {args.corpus}: no such file or folder")
    if args.engine == "postgres" and not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        parser.error("--engine postgres needs DATABASE_URL=postgres://... (the engine keeps its index in that database)")
    return args


def start_django(data_dir: Path, engine: str = "whoosh") -> None:
    """Point newsindex at `data_dir`, then start Django (the order matters: settings read the env).
    With the postgres engine DATABASE_URL is kept (the index is in that database); with Whoosh it
    is kept only when NEWSINDEX_BENCH_KEEP_DATABASE=1 (Whoosh beside the same PostgreSQL data)."""
    os.environ["NEWSINDEX_DATA_DIR"] = str(data_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "newsindex.settings"
    os.environ["DEBUG"] = "0"
    os.environ["SEARCH_BACKEND"] = engine
    if engine == "whoosh" and os.environ.get("NEWSINDEX_BENCH_KEEP_DATABASE") != "1" and os.environ.pop("DATABASE_URL", None):
        print("note: DATABASE_URL is set; ignored, the benchmark uses SQLite in the data folder", file=sys.stderr)
    sys.path.insert(0, str(REPO))
    import django

    django.setup()


# --- measuring ---------------------------------------------------------------------------------


def percentile(values: Sequence[float], pct: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return math.nan
    ordered = sorted(values)
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


def mb(n: float) -> str:
    return f"{n / 1_000_000:.1f} MB"


def _load_average() -> list[float]:
    """1, 5 and 15 minute load averages: other work on the machine skews every figure."""
    return [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else []


def machine_facts() -> dict[str, Any]:
    import django

    cpu = ""
    with contextlib.suppress(OSError):
        lines = Path("/proc/cpuinfo").read_text().splitlines()
        cpu = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), "")
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "nproc": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "load_average": _load_average(),
        "cpu": cpu or platform.processor(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "whoosh": f"whoosh3 {package_version('whoosh3')}",
    }


# --- import ------------------------------------------------------------------------------------


@dataclass
class ImportFigures:
    label: str
    records: int
    imported: int
    updated: int
    unchanged: int
    rejected: int
    warnings: int
    boilerplate_articles: int
    seconds: float
    records_per_s: float
    articles_per_s: float
    rejections: list[str] = field(default_factory=list)


def _progress_printer(label: str) -> object:
    """A Progress (search.ingest.progress) that prints the records every 5,000."""
    from search.ingest.progress import Progress

    class Printer(Progress):
        def __init__(self) -> None:
            self.started = time.perf_counter()
            self.seen = 0
            self.next_report = 5000

        def records(self, count: int) -> None:
            self.seen += count
            if self.seen >= self.next_report:
                elapsed = time.perf_counter() - self.started
                print(f"  {label}: {self.seen} records, {elapsed:.0f}s ({self.seen / elapsed:.0f}/s)", file=sys.stderr, flush=True)
                self.next_report += 5000

    return Printer()


def timed_import(corpus: Path, label: str) -> ImportFigures:
    from search.store.importer import Importer

    started = time.perf_counter()
    report = Importer().run([corpus], progress=_progress_printer(label))  # type: ignore[arg-type]
    seconds = time.perf_counter() - started
    return ImportFigures(
        label=label,
        records=report.seen,
        imported=report.imported,
        updated=report.updated,
        unchanged=report.unchanged,
        rejected=len(report.rejected),
        warnings=len(report.warnings),
        boilerplate_articles=report.boilerplate_articles,
        seconds=seconds,
        records_per_s=report.seen / seconds if seconds else 0.0,
        articles_per_s=report.imported / seconds if seconds else 0.0,
        rejections=[f"{r.where()}: {r.reason}" for r in report.rejected[:20]],
    )


def already_imported() -> bool:
    from search.index import get_backend
    from search.store.models import Article

    return bool(Article.objects.exists()) and get_backend().doc_count() > 0


# --- the query mix -------------------------------------------------------------------------------


@dataclass(frozen=True)
class BenchQuery:
    kind: str
    q: str


def _allocate(total: int) -> dict[str, int]:
    """Split `total` queries over MIX in proportion (largest remainders)."""
    weight = sum(MIX.values())
    exact = {kind: total * share / weight for kind, share in MIX.items()}
    counts = {kind: math.floor(value) for kind, value in exact.items()}
    by_remainder = sorted(MIX, key=lambda kind: (exact[kind] - counts[kind], MIX[kind]), reverse=True)
    for kind in by_remainder[: total - sum(counts.values())]:
        counts[kind] += 1
    return counts


class _Vocabulary:
    """Words of the sampled articles: in how many sampled articles each occurs (`sample_df`)
    and in how many indexed articles its stem occurs (`index_df`)."""

    def __init__(self, articles: list[list[str]]) -> None:
        from whoosh import index as whoosh_index

        from search.index import get_backend
        from search.index.whoosh.backend import INDEX_NAME
        from search.index.whoosh.schema import NEWS_STOP_WORDS, build_schema

        counts: Counter[str] = Counter()
        for paragraphs in articles:
            counts.update({w for p in paragraphs for w in _WORD.findall(p.lower())} - NEWS_STOP_WORDS)
        self.sample_size = len(articles)
        self.sample_df = dict(sorted(counts.items()))
        if get_backend().transactional:
            self._postgres_df()
            return
        analyzer = build_schema()["body"].analyzer
        ix = whoosh_index.open_dir(get_backend().path, indexname=INDEX_NAME, readonly=True)
        self.index_df: dict[str, int] = {}
        with ix.reader() as reader:
            self.doc_count = reader.doc_count()
            for word in self.sample_df:
                tokens = [t.text for t in analyzer(word)]
                if len(tokens) == 1:
                    self.index_df[word] = reader.doc_frequency("body", tokens[0])
        ix.close()

    def _postgres_df(self) -> None:
        """The postgres engine's document frequencies (ts_stat over every indexed title and body)."""
        from django.db import connection

        from search.index.postgres.analysis import stem_analyzer

        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM search_pgdocument")
            self.doc_count = cursor.fetchone()[0]
            cursor.execute("SELECT word, ndoc FROM ts_stat('SELECT text_vector FROM search_pgdocument')")
            ndoc = dict(cursor.fetchall())
        analyzer = stem_analyzer()
        self.index_df = {}
        for word in self.sample_df:
            tokens = [t.text for t in analyzer(word)]
            if len(tokens) == 1:
                self.index_df[word] = ndoc.get(tokens[0], 0)

    def by_share(self, low: float, high: float) -> list[str]:
        """Words found in between `low` and `high` (fractions) of the sampled articles."""
        return [w for w, df in self.sample_df.items() if low * self.sample_size <= df <= high * self.sample_size]

    def rare(self, high: float) -> list[str]:
        """Words whose stem is in at least 2 and at most `high` indexed articles."""
        return [w for w, df in self.index_df.items() if 2 <= df <= high]


def _phrase(rng: random.Random, text: str, stop_words: frozenset[str]) -> str | None:
    """Two or three consecutive plain words of `text`, none of them a stop word."""
    words = text.split()
    size = rng.choice((2, 3))
    starts = [
        i
        for i in range(len(words) - size + 1)
        if all(w.isalpha() and w.isascii() and len(w) >= 3 and w.lower() not in stop_words for w in words[i : i + size])
    ]
    if not starts:
        return None
    start = rng.choice(starts)
    return " ".join(words[start : start + size])


def build_query_mix(total: int) -> list[BenchQuery]:
    """A deterministic mix (random.Random(SEED)) drawn from the imported articles."""
    from django.db.models import Count

    from search.index.whoosh.schema import NEWS_STOP_WORDS
    from search.store.models import Actor, Article, Outlet, Paragraph

    rng = random.Random(SEED)
    ids = sorted(Article.objects.filter(hidden=False).values_list("id", flat=True))
    sample_ids = sorted(rng.sample(ids, min(SAMPLE_ARTICLES, len(ids))))
    paragraphs: dict[int, list[str]] = {}
    for start in range(0, len(sample_ids), 500):
        rows = (
            Paragraph.objects.filter(article_id__in=sample_ids[start : start + 500], boilerplate=False)
            .order_by("article_id", "position")
            .values_list("article_id", "text")
        )
        for article_id, text in rows:
            paragraphs.setdefault(article_id, []).append(text)
    articles = [paragraphs[i] for i in sample_ids if i in paragraphs]
    vocab = _Vocabulary(articles)

    common = vocab.by_share(0.05, 0.5) or vocab.by_share(0.01, 1)
    medium = vocab.by_share(0.005, 0.2) or common
    rare = vocab.rare(max(5, vocab.doc_count / 1000)) or list(vocab.sample_df)
    outlets = sorted(
        name
        for name in Outlet.objects.filter(articles__hidden=False).values_list("name", flat=True).distinct()
        if re.match(r"[A-Za-z0-9]{2,}\b", name)
    )
    top_actors = Actor.objects.annotate(articles=Count("article_links")).order_by("-articles", "id")[:TOP_ACTORS]
    # The last word of each name: actor:trump, actor:kremlin.
    actor_names = [re.findall(r"[A-Za-z]{3,}", name) for name in top_actors.values_list("name", flat=True)]
    actor_words = sorted({words[-1].lower() for words in actor_names if words})

    def pick(kind: str) -> str:
        if kind == "empty (newest)":
            return ""
        if kind == "common term":
            return rng.choice(common)
        if kind == "rare term":
            return rng.choice(rare)
        if kind in ("two terms AND", "two terms OR"):
            pool = common if kind == "two terms OR" else medium
            # Two words of the same article, so the pair has matches.
            words = sorted({w for p in rng.choice(articles) for w in _WORD.findall(p.lower())} & set(pool))
            a, b = rng.sample(words, 2) if len(words) >= 2 else rng.sample(pool, 2)
            return f"{a} AND {b}" if kind == "two terms AND" else f"{a} OR {b}"
        if kind == "phrase":
            for _ in range(50):
                found = _phrase(rng, rng.choice(rng.choice(articles)), NEWS_STOP_WORDS)
                if found:
                    return f'"{found}"'
            return '"white house"'
        if kind == "outlet: field":
            name = rng.choice(outlets) if outlets else "fox"
            return "outlet:" + re.match(r"[A-Za-z0-9]+", name).group().lower()  # type: ignore[union-attr]
        if kind == "actor: field":
            return "actor:" + (rng.choice(actor_words) if actor_words else "trump")
        if kind == "wildcard":
            return rng.choice(common)[: rng.choice((4, 5))] + "*"
        if kind == "fuzzy":
            word = rng.choice([w for w in common if len(w) >= 6] or common)
            cut = rng.randrange(1, len(word) - 1)
            return word[:cut] + word[cut + 1 :] + "~"
        raise ValueError(kind)

    fixed = {"wildcard": "elect*", "fuzzy": "presidnt~"}
    mix: list[BenchQuery] = []
    for kind, count in _allocate(total).items():
        chosen: list[str] = [fixed[kind]] if kind in fixed and count else []
        tries = 0
        while len(chosen) < count:
            q = pick(kind)
            tries += 1
            if q not in chosen or kind == "empty (newest)" or tries > 20 * count:
                chosen.append(q)
        mix += [BenchQuery(kind, q) for q in chosen]
    rng.shuffle(mix)
    return mix


# --- search timing -------------------------------------------------------------------------------


@dataclass
class QueryTiming:
    kind: str
    q: str
    ms: float
    total: int
    rows: int
    timed_out: bool
    messages: list[str]
    server_ms: float | None = None  # over HTTP: the page's Server-Timing "search" part


def describe_mix(mix: list[BenchQuery]) -> Counter[str]:
    """Print how many queries of each kind the mix holds, with examples; return the counts."""
    counts = Counter(bq.kind for bq in mix)
    print(f"query mix ({len(mix)} queries, seed {SEED}, build_query_mix):")
    for kind in MIX:
        examples = list(dict.fromkeys(bq.q or "(empty)" for bq in mix if bq.kind == kind))[:4]
        print(f"  {kind:<16} {counts[kind]:>3}   e.g. {', '.join(examples)}")
    print()
    return counts


def run_query(q: str, **extra: str) -> QueryTiming:
    """One query through run_search() in this process (--via process)."""
    from django.http import QueryDict

    from search.query.params import SearchParams
    from search.query.results import run_search

    started = time.perf_counter()
    page = run_search(SearchParams.from_query(QueryDict(urlencode({"q": q, **extra}))))
    ms = (time.perf_counter() - started) * 1000
    return QueryTiming("", q, ms, page.total, len(page.rows), page.timed_out, list(page.messages))


_SERVER_SEARCH = re.compile(r"\bsearch;dur=([0-9.]+)")
_NOTICE = re.compile(r'<p class="notice">(.*?)</p>', re.S)


class PageServer:
    """The server of `make serve` over the benchmark's data folder: gunicorn workers (DEBUG off,
    whitenoise), on a free loopback port; every child is stopped by close()."""

    def __init__(self, data_dir: Path, workers: int, engine: str | None = None) -> None:
        import load_test  # beside this script: the load test's process handling

        self._load_test = load_test
        self.workers = workers
        self.log_dir = Path(tempfile.mkdtemp(prefix="newsindex-bench-http-"))
        self.children = load_test.Children(self.log_dir)
        env = {**os.environ, "NEWSINDEX_DATA_DIR": str(data_dir), "DEBUG": "false", "PYTHONUNBUFFERED": "1"}
        for name in ("NEWSINDEX_HTTPS", "DJANGO_SETTINGS_MODULE"):
            env.pop(name, None)
        # DATABASE_URL and SEARCH_BACKEND stay as start_django() left them: the server reads the
        # same database with the same engine, unless `engine` names another one.
        if engine is not None:
            env["SEARCH_BACKEND"] = engine
        load_test.manage(env, "collectstatic", "--noinput", "-v0")
        self.port = load_test.free_port()
        server = self.children.start(
            "gunicorn",
            [load_test.GUNICORN, "newsindex.wsgi", "--workers", str(workers), "--bind", f"127.0.0.1:{self.port}", "--timeout", "30"],
            env,
        )
        load_test.wait_for_server(self.port, server)

    def get(self, q: str, **extra: str) -> QueryTiming:
        path = "/?" + urlencode({"q": q, **extra})
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            started = time.perf_counter()
            conn.request("GET", path, headers={"Connection": "close"})
            response = conn.getresponse()
            body = response.read()
            ms = (time.perf_counter() - started) * 1000
        finally:
            conn.close()
        if response.status != 200:
            raise RuntimeError(f"GET {path} answered {response.status}:\n{self.children.tail('gunicorn')}")
        html = body.decode("utf-8", "replace")
        total = response.getheader("X-Total-Count")
        found = _SERVER_SEARCH.search(response.getheader("Server-Timing") or "")
        server_ms = float(found.group(1)) if found else None
        messages = [re.sub(r"<[^>]+>", "", m).strip() for m in _NOTICE.findall(html)]
        timed_out = any("took longer than" in m or "took too long" in m for m in messages)
        return QueryTiming("", q, ms, int(total) if total else -1, html.count('<li class="hit">'), timed_out, messages, server_ms)

    def warm(self, queries: list[str]) -> list[float]:
        """Each query once per worker at the same time: a sync worker serves one request at a
        time, so concurrent requests reach different workers (each opens its own searcher).
        Returns the milliseconds of every warm-up request."""
        from concurrent.futures import ThreadPoolExecutor

        def timed(q: str) -> float:
            started = time.perf_counter()
            self._load_test.fetch(self.port, "/?" + urlencode({"q": q}), {}, 120)
            return (time.perf_counter() - started) * 1000

        times: list[float] = []
        with ThreadPoolExecutor(self.workers) as pool:
            for q in queries:
                for _ in range(2):
                    times += list(pool.map(lambda _n, q=q: timed(q), range(self.workers)))
        return times

    def close(self) -> None:
        self.children.stop_all()
        shutil.rmtree(self.log_dir, ignore_errors=True)


def time_queries(mix: list[BenchQuery], server: PageServer | None) -> tuple[list[QueryTiming], list[str], list[float]]:
    """Run the warm-up queries (timed apart), then time every query of the mix once."""
    firsts = {kind: next((bq.q for bq in mix if bq.kind == kind), None) for kind in WARMUP_KINDS}
    warmup = [q for q in firsts.values() if q is not None]
    if server is not None:
        warmup_ms = server.warm(warmup)
    else:
        warmup_ms = [run_query(q).ms for q in warmup]
    timings = []
    for bq in mix:
        timing = server.get(bq.q) if server is not None else run_query(bq.q)
        timing.kind = bq.kind
        timings.append(timing)
    return timings, warmup, warmup_ms


# Timed again with collapse=1 (copies hidden, counted both ways), after the mix: not part of
# "all", and not of the reference scripts' mix.
COLLAPSE_KINDS = ("common term", "two terms AND")


def time_collapsed(mix: list[BenchQuery], server: PageServer | None) -> list[QueryTiming]:
    timings = []
    for bq in mix:
        if bq.kind in COLLAPSE_KINDS:
            timing = server.get(bq.q, collapse="1") if server is not None else run_query(bq.q, collapse="1")
            timing.kind = f"{bq.kind}, collapse=1"
            timings.append(timing)
    return timings


# --- report ---------------------------------------------------------------------------------------


def print_import(figures: ImportFigures) -> None:
    print(
        f"{figures.label:<22} {figures.records:>7} records  imported {figures.imported}  updated {figures.updated}  "
        f"unchanged {figures.unchanged}  rejected {figures.rejected}  in {figures.seconds:.1f}s  "
        f"= {figures.records_per_s:.0f} records/s, {figures.articles_per_s:.0f} articles/s"
    )
    if figures.warnings or figures.boilerplate_articles:
        print(f"{'':<22} {figures.warnings} cleaning warnings, {figures.boilerplate_articles} articles had boilerplate removed")
    for line in figures.rejections[:5]:
        print(f"{'':<22} rejected {line}")
    if figures.rejected > 5:
        print(f"{'':<22} ... {figures.rejected - 5} more rejections")


def print_latency_table(rows: list[tuple[str, dict[str, float]]]) -> None:
    print(f"{'query kind':<28} {'n':>4} {'p50 ms':>9} {'p95 ms':>9} {'p99 ms':>9} {'max ms':>9} {'mean ms':>9}")
    print("-" * 82)
    for name, s in rows:
        print(f"{name:<28} {s['n']:>4} {s['p50']:>9.1f} {s['p95']:>9.1f} {s['p99']:>9.1f} {s['max']:>9.1f} {s['mean']:>9.1f}")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    corpus = args.corpus.resolve()
    temporary = args.data_dir is None
    data_dir = Path(tempfile.mkdtemp(prefix="newsindex-bench-")) if temporary else args.data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        return benchmark(args, corpus, data_dir, temporary)
    finally:
        if temporary:
            shutil.rmtree(data_dir, ignore_errors=True)


def benchmark(args: argparse.Namespace, corpus: Path, data_dir: Path, temporary: bool) -> int:
    start_django(data_dir, args.engine)
    from django.conf import settings
    from django.core.management import call_command

    from search.store.models import Article

    facts = machine_facts()
    print("newsindex search benchmark")
    print(f"  date {facts['date']}  nproc {facts['nproc']}  load average {facts['load_average']}  cpu {facts['cpu']}")
    print(f"  python {facts['python']}  django {facts['django']}  {facts['whoosh']}  {facts['platform']}")
    print(f"  corpus {corpus}")
    print(f"  data dir {data_dir}{' (temporary)' if temporary else ''}")
    print()

    call_command("migrate", verbosity=0)
    imports: list[ImportFigures] = []
    if args.reuse and (already_imported() or (args.rebuild and Article.objects.exists())):
        print(f"import: skipped (--reuse, {Article.objects.count()} articles already in the data dir)")
    else:
        if Article.objects.exists():
            print(f"error: {data_dir} already holds articles; use an empty --data-dir, or --reuse to skip the import", file=sys.stderr)
            return 2
        print("import (first run prints progress on stderr)")
        imports.append(timed_import(corpus, "import"))
        print_import(imports[-1])
        imports.append(timed_import(corpus, "re-import (unchanged)"))
        print_import(imports[-1])
    print()

    rebuild: dict[str, float] | None = None
    if args.rebuild:
        articles_before = Article.objects.filter(hidden=False).count()
        started = time.perf_counter()
        call_command("rebuild_index", stdout=open(os.devnull, "w"))  # noqa: SIM115
        seconds = time.perf_counter() - started
        rebuild = {"articles": articles_before, "seconds": seconds, "articles_per_s": articles_before / seconds}
        print(f"index build ({args.engine}, rebuild_index): {articles_before} articles in {seconds:.1f} s = {rebuild['articles_per_s']:.0f} articles/s")
        print()

    if args.queries_from:
        earlier = json.loads(args.queries_from.read_text())["queries"]
        mix = [BenchQuery(q["kind"], q["q"]) for q in earlier if not q["kind"].endswith(", collapse=1")]
    else:
        mix = build_query_mix(args.queries)
    counts = describe_mix(mix)

    server = PageServer(data_dir, args.workers) if args.via == "http" else None
    try:
        if server is not None:
            print(f"server: gunicorn, {server.workers} workers, DEBUG off, on 127.0.0.1:{server.port}; one client, GET /?q=...")
        timings, warmup, warmup_ms = time_queries(mix, server)
        collapsed = time_collapsed(mix, server)
    finally:
        if server is not None:
            server.close()
    overall = latency_summary([t.ms for t in timings])
    by_kind = [(kind, latency_summary([t.ms for t in timings if t.kind == kind])) for kind in MIX if counts[kind]]
    by_kind += [
        (f"{kind}, collapse=1", latency_summary([t.ms for t in collapsed if t.kind == f"{kind}, collapse=1"]))
        for kind in COLLAPSE_KINDS
        if counts[kind]
    ]
    how = "GET of the search page over HTTP" if server is not None else "run_search() in process"
    print(f"search latency: {how} per query, each timed once after a warm-up of {len(warmup)} queries")
    print_latency_table([*by_kind, ("ALL (the mix)", overall)])
    print(f"warm-up (not counted): {len(warmup_ms)} requests, the slowest {max(warmup_ms, default=0):.0f} ms")
    server_part: dict[str, float] | None = None
    if server is not None:
        server_part = latency_summary([t.server_ms for t in timings if t.server_ms is not None])
        print(f"of which the search itself (Server-Timing): p50 {server_part['p50']:.1f} ms, p95 {server_part['p95']:.1f} ms")
    print()
    print("slowest queries:")
    for t in sorted(timings, key=lambda t: t.ms, reverse=True)[:10]:
        flag = "  TIMED OUT" if t.timed_out else ""
        print(f"  {t.ms:>8.1f} ms  {t.kind:<16} {t.q or '(empty)':<36} {t.total:>6} matches, {t.rows} rows{flag}")
    empty = [t for t in timings if t.total == 0]
    if empty:
        print(f"queries with no match: {len(empty)} ({', '.join(t.q for t in empty[:8])})")
    timed_out = [t for t in timings if t.timed_out]
    if timed_out:
        print(f"queries that hit the search time limit: {len(timed_out)}")
    print()

    articles = Article.objects.count()
    print(f"articles in the database: {articles}")
    if args.engine == "postgres":
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_total_relation_size('search_pgdocument') + pg_total_relation_size('search_pgword'),"
                " pg_database_size(current_database())"
            )
            index_used, db_used = cursor.fetchone()
        index_apparent, db_apparent, wal_used = index_used, db_used, 0
        print(f"index in the database: {mb(index_used)} (search_pgdocument and search_pgword, with their indexes)")
        print(f"database size:    {mb(db_used)}  {connection.settings_dict['NAME']}")
    else:
        index_used, index_apparent = disk_usage(Path(settings.NEWSINDEX_SEARCH["PATH"]))
        print(f"index on disk:    {mb(index_used)} ({mb(index_apparent)} apparent)  {settings.NEWSINDEX_SEARCH['PATH']}")
        if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
            db_path = Path(settings.DATABASES["default"]["NAME"])
            db_used, db_apparent = disk_usage(db_path)
            wal_used, _ = disk_usage(db_path.with_name(db_path.name + "-wal"))
            print(f"database on disk: {mb(db_used)} ({mb(db_apparent)} apparent) + WAL {mb(wal_used)}  {db_path}")
        else:
            db_used = db_apparent = wal_used = 0
    facts["load_average_end"] = _load_average()
    print(f"load average at the end: {facts['load_average_end']} (on {facts['nproc']} CPUs)")

    if args.json:
        figures = {
            "machine": facts,
            "corpus": str(corpus),
            "data_dir": str(data_dir),
            "articles": articles,
            "imports": [asdict(f) for f in imports],
            "query_mix": dict(counts),
            "engine": args.engine,
            "rebuild": rebuild,
            "via": args.via,
            "workers": args.workers if args.via == "http" else None,
            "server_search_ms": server_part,
            "warmup": warmup,
            "warmup_ms": {"n": len(warmup_ms), "max": max(warmup_ms, default=None)},
            "latency_ms": {"all": overall, **dict(by_kind)},
            "queries": [asdict(t) for t in timings + collapsed],
            "index_bytes": index_used,
            "index_apparent_bytes": index_apparent,
            "db_bytes": db_used,
            "db_apparent_bytes": db_apparent,
            "db_wal_bytes": wal_used,
        }
        args.json.write_text(json.dumps(figures, indent=2, default=str) + "\n")
        print(f"figures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
