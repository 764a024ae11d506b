"""Build a data folder of N synthetic articles, fast, to measure search at 200k to 1M articles.

    .venv/bin/python benchmarks/synthetic_dataset.py --data-dir /tmp/synthetic-200k --articles 200000 --json out.json
    .venv/bin/python benchmarks/search_latency.py --data-dir /tmp/synthetic-200k --reuse

This measures search at scale, NOT the importer. The real importer reads, cleans, runs NER and
finds shared passages at about 30 articles/s here (allsides_dataset.py measures that); a million
articles would take days. The generator (synthetic_corpus.py) already knows every article's clean
paragraphs, its actors with their mention counts and which earlier article it copies, so this
script writes the rows the importer would have written straight into the database (bulk_create, and
one executemany for the many paragraph and actor-link rows): Outlet, Article (the same source_key,
content_hash, raw_text, raw_meta, date and warnings that `import_articles` stores for the JSONL
record of the same article; the source file is "synthetic:seed=S" instead of a path), Paragraph
(with text_hash), Actor and ArticleActor (key = the importer's folded name), and ArticleCopy, which
collapse=1 reads from the index. Then it builds the Whoosh index with `manage.py rebuild_index`,
the same code path as any rebuild. tests/benchmarks/test_synthetic_corpus.py imports the same
records with the real importer and checks that every stored field, paragraph and copy pair matches
what this script writes.

What it leaves out: PassageGroup/PassageMember (the shared-passage highlights and counts; run
`manage.py find_duplicates --rebuild` in the folder for those), learned outlet boilerplate (the
generator prints none), merge suggestions. ArticleCopy is derived from the generator's truth:
an article whose copied paragraphs are 80 % or more of its text is a copy of its source, and
reprints of one story are copies of each other, earliest (by date, then id) first, as
search/store/passages.py decides from detected passages.

Prints each stage's time (generation and database writes are timed apart) and the peak RSS as
JSON, also written to --json. Measured at 5,000 articles on the 2-core machine under load 4 to 9:
generate + store 270 to 470 articles/s, rebuild_index 42 to 56 articles/s (one process; Whoosh's
analysis and posting writes are nearly all of it), so 200k take about an hour, almost all indexing. Everything lives in --data-dir, never in data/: an SQLite database
(DATABASE_URL is ignored, as in search_latency.py) and the Whoosh index. Disk, extrapolated from 5k
articles (89 MB database, 58 MB index): about 6 GB for 200k, 30 GB for 1M.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make `benchmarks` and `search` importable
    sys.path.insert(0, str(ROOT))

from benchmarks.harness.measure import disk_usage, machine_facts, peak_rss_mb, write_json  # noqa: E402
from benchmarks.harness.servers import start_django  # noqa: E402
from benchmarks.synthetic_corpus import SyntheticArticle, articles  # noqa: E402

BATCH_SIZE = 2_000
PROGRESS_EVERY = 10_000


@dataclass
class LoadFigures:
    articles: int = 0
    paragraphs: int = 0
    actors: int = 0
    actor_links: int = 0
    copies: int = 0
    outlets: int = 0
    generate_seconds: float = 0.0
    store_seconds: float = 0.0


class _Store:
    """Writes batches of synthetic articles; remembers the ids it gave out (outlets, actors, articles)."""

    def __init__(self, seed: int, n: int) -> None:
        from search.store.models import Actor, Outlet
        from search.store.passages import COPY_COVERAGE

        self.source_file = f"synthetic:seed={seed}"
        self.outlets: dict[str, int] = dict(Outlet.objects.values_list("name", "id"))
        known = Actor.objects.values_list("id", "kind", "key")
        self.actors: dict[tuple[str, str], int] = {(kind, key): pk for pk, kind, key in known}
        self.ids = np.zeros(n, dtype=np.int64)  # article id of each index
        self.days = np.zeros(n, dtype=np.int64)  # its date's ordinal, 0 when undated
        self.reprint_root: dict[int, int] = {}  # reprint index -> index of the story first printed
        self.reprints: dict[int, list[int]] = {}  # root index -> indices printing it (root included)
        self.copy_coverage = COPY_COVERAGE  # what collapse=1 calls a copy
        self.figures = LoadFigures()

    def add(self, batch: list[SyntheticArticle]) -> None:
        from django.db import transaction

        with transaction.atomic():
            self._add_outlets(batch)
            self._add_articles(batch)
            self._add_paragraphs(batch)
            self._add_actors(batch)
            self._add_copies(batch)

    def _add_outlets(self, batch: list[SyntheticArticle]) -> None:
        from search.store.models import Outlet

        names = sorted({a.outlet.name for a in batch} - set(self.outlets))
        for outlet in Outlet.objects.bulk_create([Outlet(name=name) for name in names]):
            self.outlets[outlet.name] = outlet.pk
        self.figures.outlets += len(names)

    def _add_articles(self, batch: list[SyntheticArticle]) -> None:
        from search.store.models import Article

        rows = [self._article(a) for a in batch]
        Article.objects.bulk_create(rows)
        for made, row in zip(batch, rows, strict=True):
            self.ids[made.index] = row.pk
            self.days[made.index] = row.published.toordinal() if row.published else 0
        self.figures.articles += len(rows)

    def _article(self, made: SyntheticArticle) -> Any:
        """The Article row `import_articles` stores for this article's JSONL record."""
        from search.ingest.dates import parse_date
        from search.ingest.fields import META_FIELDS, canonical_fields
        from search.ingest.identity import identity_of
        from search.ingest.readers import content_hash
        from search.store.models import Article

        fields = canonical_fields(made.record())
        content = fields.pop("body")
        meta = {k: v for k, v in fields.items() if k in META_FIELDS and v}
        published, precision, warning = parse_date(made.date_text)
        # search.store.importer.source_key() of the record's key (file, then record id)
        source_key = hashlib.sha256(f"{self.source_file}#id={made.ident}".encode()).hexdigest()
        ident = identity_of("record", content, meta, source_key, str(made.ident))  # the importer's identity keys
        return Article(
            title=made.title,
            outlet_id=self.outlets[made.outlet.name],
            published=published,
            date_precision=precision,
            authors=list(made.authors),
            url=made.url,
            source_key=source_key,
            url_key=ident.url_key,
            record_key=ident.record_key,
            text_key=ident.text_key,
            source_file=self.source_file,
            source_line=made.index + 1,  # its line in the JSONL `synthetic_corpus.py write` makes
            content_hash=content_hash("record", meta, content),
            raw_kind="record",
            raw_text=content,
            raw_meta=meta,
            import_warnings=[warning] if warning else [],
        )

    def _add_paragraphs(self, batch: list[SyntheticArticle]) -> None:
        from search.ingest.clean import paragraph_hash
        from search.store.models import Paragraph

        rows = [
            (int(self.ids[made.index]), position, text, paragraph_hash(text), False)
            for made in batch
            for position, text in enumerate(made.texts)
        ]
        _insert(Paragraph, ("article", "position", "text", "text_hash", "boilerplate"), rows)
        self.figures.paragraphs += len(rows)

    def _add_actors(self, batch: list[SyntheticArticle]) -> None:
        from search.ingest.actors import fold
        from search.store.models import Actor, ArticleActor

        links: dict[tuple[int, tuple[str, str]], int] = {}
        names: dict[tuple[str, str], str] = {}
        for made in batch:
            article_id = int(self.ids[made.index])
            for found, count in made.actors().items():
                ident = (found.kind, fold(found.name)[:300])
                names.setdefault(ident, found.name[:300])
                links[(article_id, ident)] = links.get((article_id, ident), 0) + count  # two names, one key
        new = [Actor(kind=kind, key=key, name=names[(kind, key)]) for kind, key in names if (kind, key) not in self.actors]
        for created in Actor.objects.bulk_create(new, batch_size=2_000):
            self.actors[(created.kind, created.key)] = created.pk
        rows = [(article_id, self.actors[ident], count, ident[0]) for (article_id, ident), count in links.items()]
        _insert(ArticleActor, ("article", "actor", "mentions", "kind"), rows)
        self.figures.actors += len(new)
        self.figures.actor_links += len(links)

    def _add_copies(self, batch: list[SyntheticArticle]) -> None:
        from search.store.models import ArticleCopy

        pairs: dict[tuple[int, int], float] = {}
        for made in batch:
            if made.copy is None:
                continue
            for copy_index, source_index, coverage in self._copy_pairs(made):
                pairs[(copy_index, source_index)] = coverage
        ArticleCopy.objects.bulk_create(
            [
                ArticleCopy(article_id=int(self.ids[c]), source_id=int(self.ids[s]), coverage=round(coverage, 3))
                for (c, s), coverage in pairs.items()
            ],
            batch_size=5_000,
        )
        self.figures.copies += len(pairs)

    def _copy_pairs(self, made: SyntheticArticle) -> list[tuple[int, int, float]]:
        """(copy, source, coverage) for this article: the later of two articles is the copy."""
        assert made.copy is not None
        if made.copy.whole:
            root = self.reprint_root.get(made.copy.source, made.copy.source)
            self.reprint_root[made.index] = root
            printed = self.reprints.setdefault(root, [root])
            others = list(printed)
            printed.append(made.index)
            return [self._ordered(made.index, other, 1.0) for other in others]
        texts = made.texts
        copied = sum(len(texts[p]) for p in made.copy.positions)
        coverage = copied / sum(len(t) for t in texts)
        if coverage < self.copy_coverage:
            return []
        return [self._ordered(made.index, made.copy.source, coverage)]

    def _ordered(self, one: int, other: int, coverage: float) -> tuple[int, int, float]:
        """(copy, source, coverage): the presumed source is the earlier by date (undated last), then by id."""
        return (one, other, coverage) if self._rank(other) < self._rank(one) else (other, one, coverage)

    def _rank(self, index: int) -> tuple[int, int]:
        return (int(self.days[index]) or dt.date.max.toordinal(), int(self.ids[index]))


def _insert(model: Any, fields: Sequence[str], rows: list[tuple[object, ...]]) -> None:
    """INSERT the rows with one executemany. Paragraphs and actor links are most of the rows, and
    bulk_create spends most of its time building and reading a model instance per row."""
    from django.db import connection

    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({placeholders})", rows)


def load(n: int, seed: int = 0, batch_size: int = BATCH_SIZE, progress: Callable[[int], None] | None = None) -> LoadFigures:
    """Store the first `n` synthetic articles of `seed` in the configured database (Django set up)."""
    store = _Store(seed, n)
    stream = articles(n, seed)
    while True:
        started = time.perf_counter()
        batch = list(islice(stream, batch_size))
        generated = time.perf_counter()
        store.figures.generate_seconds += generated - started
        if not batch:
            return store.figures
        store.add(batch)
        store.figures.store_seconds += time.perf_counter() - generated
        if progress:
            progress(store.figures.articles)


# --- the command ---------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, required=True, help="NEWSINDEX_DATA_DIR to build (must hold no articles yet)")
    parser.add_argument("--articles", type=int, default=200_000, help="how many articles (default 200,000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE, help="articles per transaction")
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write the figures as JSON to OUT")
    parser.add_argument("--engine", choices=("whoosh", "postgres"), default="whoosh",
                        help="the index rebuild_index builds; postgres stores in DATABASE_URL and indexes there")
    args = parser.parse_args(argv)
    if args.articles < 1 or args.batch_size < 1:
        parser.error("--articles and --batch-size must be at least 1")
    return args


def _progress_printer(total: int) -> Callable[[int], None]:
    started = time.perf_counter()
    next_report = PROGRESS_EVERY

    def progress(done: int) -> None:
        nonlocal next_report
        if done >= next_report or done == total:
            elapsed = time.perf_counter() - started
            print(f"  stored {done}/{total} articles, {elapsed:.0f}s ({done / elapsed:.0f}/s)", file=sys.stderr, flush=True)
            next_report = done + PROGRESS_EVERY

    return progress


def _stage(label: str, seconds: float, articles_done: int, **extra: object) -> dict[str, object]:
    rate = round(articles_done / seconds, 1) if seconds and articles_done else None
    figures: dict[str, object] = {"label": label, "seconds": round(seconds, 1), "articles_per_s": rate}
    figures.update({key: round(value, 1) if isinstance(value, float) else value for key, value in extra.items()})
    figures["peak_rss_mb_so_far"] = round(peak_rss_mb())
    print(json.dumps(figures), flush=True)
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    data_dir = args.data_dir.resolve()

    start_django(data_dir, args.engine)
    from django.conf import settings
    from django.core.management import call_command

    from search.store.models import Article

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    stages = [_stage("migrate", time.perf_counter() - started, 0)]
    if Article.objects.exists():
        print(f"error: {data_dir} already holds articles; give an empty --data-dir", file=sys.stderr)
        return 2

    started = time.perf_counter()
    loaded = load(args.articles, args.seed, args.batch_size, _progress_printer(args.articles))
    seconds = time.perf_counter() - started
    stages.append(_stage("generate + store", seconds, loaded.articles, **asdict(loaded)))

    started = time.perf_counter()
    out = io.StringIO()
    call_command("rebuild_index", stdout=out)
    stages.append(_stage("rebuild_index", time.perf_counter() - started, loaded.articles, output=out.getvalue().strip()))

    database = Path(settings.DATABASES["default"]["NAME"])
    figures = {
        "corpus": f"synthetic, seed {args.seed}, {args.articles} articles (benchmarks/synthetic_corpus.py)",
        "data_dir": str(data_dir),
        "stages": stages,
        "total_seconds": round(sum(float(s["seconds"]) for s in stages), 1),
        "peak_rss_mb": round(peak_rss_mb()),
        "database_mb": round(sum(disk_usage(Path(f"{database}{suffix}"))[0] for suffix in ("", "-wal")) / 1e6),
        "index_mb": round(disk_usage(Path(settings.NEWSINDEX_SEARCH["PATH"]))[0] / 1e6),
        "machine": machine_facts(),
    }
    print(json.dumps(figures, indent=2))
    write_json(args.json, figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
