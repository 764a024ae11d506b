"""Monitoring costs on real AllSides articles: saved searches at import, and "/check/" answer time.

    .venv/bin/python benchmarks/monitor_bench.py --data-dir /tmp/monitor-bench \
        [--corpus ../shared/corpora/allsides/sample2000.jsonl] [--searches 100] [--new 100] [--json out.json]

1. Imports the corpus except its last `--new` records (no NER: the name heuristic of
   allsides_dataset.py), or reuses the data folder when it already holds them (--reuse).
2. Saves `--searches` searches (words, phrases, outlet and date filters, taken from the corpus)
   and imports the last `--new` records: the import report's "alerts" stage is what the saved
   searches added (each runs over the new articles only).
3. Times check_text() on pasted texts: one paragraph, three paragraphs and a whole article from
   articles that share passages, and a 100,000-character text made of many articles' paragraphs.

With --check-only only step 3 runs, read-only, on the archive as it is (DATABASE_URL and
--data-dir): e.g. the shared 37.5k archive. --answers FILE keeps every answer, to compare versions;
--hardest N times the slow end instead: the N shared paragraphs whose 5-grams the most articles
share (wire copy, boilerplate), and the articles they are from.

With --lookup-only CORPUS (e.g. the whole AllSides corpus) only the part of a check that grows
with the archive is timed: the candidate look-up in the shingle index of every paragraph.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the repository: `search`, `benchmarks.harness`
from benchmarks.harness.measure import percentile, write_json  # noqa: E402
from benchmarks.harness.servers import setup_django  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpora" / "allsides" / "sample2000.jsonl"


def split_corpus(source: Path, new: int, folder: Path) -> tuple[Path, Path]:
    opener = gzip.open if source.suffix == ".gz" else open
    with opener(source, "rt", encoding="utf-8") as src:
        lines = src.readlines()
    folder.mkdir(parents=True, exist_ok=True)
    old, fresh = folder / "old.jsonl", folder / "new.jsonl"
    old.write_text("".join(lines[:-new]), encoding="utf-8")
    fresh.write_text("".join(lines[-new:]), encoding="utf-8")
    return old, fresh


def saved_queries(n: int, rng: random.Random) -> list[str]:
    """Queries like a monitoring desk's: names and words of the corpus, phrases, filters."""
    from django.db.models import Count

    from search.store.models import Article, Outlet

    words = ["trump", "obama", "immigration", "senate", "climate", "russia", "election", "tax", "police", "iran",
             "healthcare", "supreme court", "border", "vote", "china", "syria", "clinton", "congress", "economy", "guns"]
    outlets = list(Outlet.objects.annotate(n=Count("articles")).order_by("-n").values_list("name", flat=True)[:10])
    titles = list(Article.objects.order_by("?").values_list("title", flat=True)[:200])
    queries: list[str] = []
    from urllib.parse import urlencode

    for i in range(n):
        kind = i % 5
        if kind == 0:
            pairs = [("q", rng.choice(words))]
        elif kind == 1:
            title_words = [w for w in rng.choice(titles).split() if w.isalpha() and len(w) > 4][:2]
            pairs = [("q", " ".join(title_words) or "news")]
        elif kind == 2:
            pairs = [("q", f'"{rng.choice(["white house", "supreme court", "health care", "north korea", "federal reserve"])}"')]
        elif kind == 3:
            pairs = [("q", rng.choice(words)), ("outlet", rng.choice(outlets) if outlets else "CNN")]
        else:
            pairs = [("q", f"{rng.choice(words)} OR {rng.choice(words)}"), ("from", "2016-01-01")]
        queries.append(urlencode(pairs))
    return queries


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--searches", type=int, default=100)
    parser.add_argument("--new", type=int, default=100)
    parser.add_argument("--checks", type=int, default=20, help="pasted texts of each kind")
    parser.add_argument("--reuse", action="store_true", help="the data folder already holds the corpus minus the new records")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--check-only", action="store_true", help="only time /check/ on the data folder and database as they are (read-only: no migration, no import)")
    parser.add_argument("--hardest", type=int, metavar="N", help="with --check-only: instead, the N shared paragraphs with the most candidate articles, and their articles")
    parser.add_argument("--answers", type=Path, help="with --check-only: write every check's answer here (JSON), to compare two versions")
    parser.add_argument("--lookup-only", type=Path, metavar="CORPUS", help="only time the candidate look-up over this corpus's shingle index (no import)")
    args = parser.parse_args()
    os.environ["NEWSINDEX_DATA_DIR"] = str(args.data_dir)
    if args.check_only:
        return check_only(args)
    if args.lookup_only:
        figures = lookup_at_scale(args.lookup_only, args.checks)
        print(json.dumps(figures, indent=2))
        write_json(args.json, figures)
        return 0
    setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.contrib.auth import get_user_model

    from benchmarks.allsides_dataset import NameHeuristic
    from search.monitor.alerts import LAST_STATS
    from search.monitor.models import SavedSearch
    from search.store.importer import Importer
    from search.store.models import Article

    old, fresh = split_corpus(args.corpus, args.new, args.data_dir / "input")
    figures: dict[str, object] = {"corpus": str(args.corpus)}
    if not args.reuse:
        started = time.monotonic()
        report = Importer(extractor=NameHeuristic()).run([old])  # type: ignore[arg-type]
        figures["base_import"] = {"imported": report.imported, "seconds": round(time.monotonic() - started, 1)}
        print(json.dumps(figures["base_import"]), flush=True)
    rng = random.Random(16)
    user, _ = get_user_model().objects.get_or_create(username="bench")
    SavedSearch.objects.all().delete()
    SavedSearch.objects.bulk_create(
        [SavedSearch(user=user, name=f"s{i}", query=q) for i, q in enumerate(saved_queries(args.searches, rng))]
    )
    started = time.monotonic()
    report = Importer(extractor=NameHeuristic()).run([fresh])  # type: ignore[arg-type]
    figures["import_with_saved_searches"] = {
        "articles_in_archive": Article.objects.count(),
        "new_articles": report.imported,
        "saved_searches": args.searches,
        "import_seconds": round(time.monotonic() - started, 2),
        "alerts_seconds": round(report.stages.get("alerts", 0.0), 3),
        "match_seconds": round(LAST_STATS.get("total_s", 0.0), 3),  # of alerts_seconds: running the searches (then recording)
        "matches": sum(s.matches.count() for s in SavedSearch.objects.all()),
        "searches_with_matches": SavedSearch.objects.filter(matches__isnull=False).distinct().count(),
    }
    print(json.dumps(figures["import_with_saved_searches"]), flush=True)

    figures["check"] = time_checks(check_texts(args.checks, rng))
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return 0


def check_texts(count: int, rng: random.Random) -> dict[str, list[str]]:
    """Pasted texts: one paragraph, three paragraphs and a whole article of `count` articles that
    share passages, and a 100,000-character text made of many articles' paragraphs (3 times)."""
    from search.store.models import Article, PassageMember

    shared = list(PassageMember.objects.order_by("article_id").values_list("article_id", flat=True).distinct()[:2000])
    rng.shuffle(shared)
    texts: dict[str, list[str]] = {"one paragraph": [], "three paragraphs": [], "whole article": []}
    for article in Article.objects.filter(id__in=shared[:count]).order_by("id").prefetch_related("paragraphs"):
        paras = [p.text for p in article.body_paragraphs()]
        shared_para = next((m.paragraph.text for m in PassageMember.objects.filter(article=article).order_by("id").select_related("paragraph")[:1]), paras[0])
        texts["one paragraph"].append(shared_para)
        texts["three paragraphs"].append("\n\n".join(paras[:3]))
        texts["whole article"].append("\n\n".join(paras))
    ids = list(Article.objects.order_by("id").values_list("id", flat=True))
    big: list[str] = []
    for article in Article.objects.filter(id__in=rng.sample(ids, min(400, len(ids)))).prefetch_related("paragraphs"):
        big += [p.text for p in article.body_paragraphs()]
        if sum(len(p) + 2 for p in big) > 100_000:
            break
    texts["100,000 characters"] = ["\n\n".join(big)[:100_000]] * 3
    return texts


def hardest_texts(count: int, rng: random.Random, sample: int = 8000) -> dict[str, list[str]]:
    """The slow end of /check/: of `sample` paragraphs that share passages, the `count` whose
    5-grams the most articles share (a check aligns all of those), and the articles they are from."""
    import numpy as np

    from search.duplicates.model import Settings
    from search.query.check import _candidates, corpus_index
    from search.store.models import Article, Paragraph, PassageMember

    index = corpus_index()
    assert index is not None, "no shingle index in this data folder"
    para_ids = list(PassageMember.objects.order_by("paragraph_id").values_list("paragraph_id", flat=True).distinct())
    texts = dict(Paragraph.objects.filter(id__in=rng.sample(para_ids, min(sample, len(para_ids)))).values_list("id", "text"))
    row_of = {int(p): r for r, p in enumerate(np.asarray(index.para_id).tolist())}
    article_of = np.asarray(index.para_article)
    spread = {pk: len({int(article_of[row_of[int(c)]]) for c in _candidates(index, [text], Settings())}) for pk, text in texts.items()}
    hardest = sorted(spread, key=lambda pk: (-spread[pk], pk))[:count]
    print("candidate articles of the hardest paragraphs:", [spread[pk] for pk in hardest], flush=True)
    articles = Article.objects.filter(paragraphs__id__in=hardest).distinct().order_by("id").prefetch_related("paragraphs")
    return {"one paragraph": [texts[pk] for pk in hardest], "whole article": ["\n\n".join(p.text for p in a.body_paragraphs()) for a in articles]}


def time_checks(texts: dict[str, list[str]], answers: list[dict[str, object]] | None = None) -> dict[str, object]:
    """check_text() on each text: p50/p95/max per kind and over all texts (answers appended if asked)."""
    from search.query.check import check_text

    check_text(next(iter(texts.values()))[0])  # warm-up: maps the shingle index
    timings: dict[str, object] = {}
    every: list[float] = []
    for kind, items in texts.items():
        seconds, found = [], []
        for text in items:
            result = check_text(text)
            seconds.append(result.seconds)
            found.append(len(result.matches))
            if answers is not None:
                answers.append({"kind": kind, "chars": len(text), "seconds": round(result.seconds, 3), **answer_of(result)})
        every += seconds
        timings[kind] = {
            "texts": len(items),
            "chars_median": int(statistics.median(len(t) for t in items)),
            "p50_ms": round(percentile(seconds, 50) * 1000, 1),
            "max_ms": round(max(seconds) * 1000, 1),
            "articles_found_median": statistics.median(found),
        }
        print(kind, json.dumps(timings[kind]), flush=True)
    every.sort()
    timings["all"] = {"texts": len(every), "p50_ms": round(statistics.median(every) * 1000, 1),
                      "p95_ms": round(percentile(every, 95, "nearest") * 1000, 1), "max_ms": round(every[-1] * 1000, 1)}
    print("all", json.dumps(timings["all"]), flush=True)
    return timings


def answer_of(result) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """What a check shows, as plain data: articles, coverage, passages and highlights."""
    return {
        "coverage": round(result.coverage, 6),
        "highlighted": [str(h) for h in result.highlighted],
        "messages": result.messages,
        "matches": [[m.article.pk, round(m.coverage, 6), [[p.pasted_paragraph, p.paragraph_position, p.pasted, p.found, p.diff and str(p.diff)] for p in m.passages]]
                    for m in result.matches],
    }


def check_only(args: argparse.Namespace) -> int:
    """Times /check/ on an existing archive without writing to it (the texts as in main())."""
    setup_django()
    answers: list[dict[str, object]] | None = [] if args.answers else None
    load = os.getloadavg()[0]
    texts = hardest_texts(args.hardest, random.Random(16)) if args.hardest else check_texts(args.checks, random.Random(16))
    figures = {"check": time_checks(texts, answers), "load_before": round(load, 2),
               "load_after": round(os.getloadavg()[0], 2)}
    print(json.dumps(figures, indent=2))
    write_json(args.json, figures)
    if args.answers:
        args.answers.write_text(json.dumps(answers))
    return 0


def lookup_at_scale(corpus: Path, texts: int = 20) -> dict[str, object]:
    """The part of /check/ that grows with the archive: looking the pasted text's 5-grams up in
    the corpus's shingle index. Builds the index of every paragraph of `corpus` (no database) and
    times the candidate look-up for paragraphs and whole articles taken from it. The rest of a
    check (reading at most 2,000 candidate paragraphs, aligning them) does not depend on the size
    of the archive and is measured by main() on a real import."""
    setup_django()
    from search.duplicates.detect import Para, ShingleIndex
    from search.duplicates.model import Settings
    from search.ingest.clean import split_paragraphs
    from search.query.check import _candidates

    opener = gzip.open if corpus.suffix == ".gz" else open
    paras: list[Para] = []
    bodies: list[list[str]] = []
    with opener(corpus, "rt", encoding="utf-8") as src:
        for number, line in enumerate(src, 1):
            record = json.loads(line)
            split = split_paragraphs(record.get("content_original") or "")
            bodies.append(split)
            paras += [Para(number, len(paras) + i + 1, p) for i, p in enumerate(split)]
    started = time.monotonic()
    index = ShingleIndex.build(paras)
    built = time.monotonic() - started
    rng = random.Random(16)
    picked = [b for b in rng.sample(bodies, texts * 3) if b][:texts]
    out: dict[str, object] = {"articles": len(bodies), "paragraphs": len(paras), "build_s": round(built, 1)}
    for kind, items in (("one paragraph", [max(b, key=len) for b in picked]), ("whole article", ["\n\n".join(b) for b in picked])):
        seconds, found = [], []
        for text in items:
            t = time.perf_counter()
            ids = _candidates(index, split_paragraphs(text), Settings())
            seconds.append(time.perf_counter() - t)
            found.append(len(ids))
        out[kind] = {"p50_ms": round(percentile(seconds, 50) * 1000, 1), "max_ms": round(max(seconds) * 1000, 1),
                     "candidates_median": statistics.median(found)}
    return out


if __name__ == "__main__":
    sys.exit(main())
