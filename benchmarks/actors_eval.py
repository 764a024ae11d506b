"""Actor extraction quality and speed.

    .venv/bin/python benchmarks/actors_eval.py

Imports into a temporary data folder (never the developer's data/):
1. the five seed articles, and scores the actors against the list a reader of them draws up
   (issue "Actors and facets"): recall of (actor, article) pairs, and precision of the extracted
   people and organisations against that list (a lower bound: the list names the main actors only);
2. the BASIL clusters of ../shared/corpora/clusters (Fox / NYT / HuffPost triplets) and scores
   recall against their `gold_actors` column;
3. NER throughput: articles per second of `MentionExtractor` (both cores) on AllSides articles.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "corpora"

# actor -> (kind, seed numbers), from the issue
SEED_GOLD = {
    "Ramzan Kadyrov": ("person", {"000", "001", "002", "003", "004"}),
    "Vladimir Putin": ("person", {"000", "001", "002", "003"}),
    "Svetlana Zakharova": ("person", {"000", "001"}),
    "Linas Linkevičius": ("person", {"001", "002"}),
    "Moskalkova": ("person", {"001"}),
    "Sergey Lavrov": ("person", {"000"}),
    "Theresa May": ("person", {"002"}),
    "Novaya Gazeta": ("org", {"000", "001", "002"}),
    "Human Rights Watch": ("org", {"001", "002"}),
    "Russia LGBT Network": ("org", {"000", "001", "002"}),
    "European Parliament": ("org", {"000", "001", "003", "004"}),
    "State Department": ("org", {"000", "001", "004"}),
}


def setup(data_dir: str) -> None:
    os.environ["NEWSINDEX_DATA_DIR"] = data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsindex.settings")
    sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def seeds() -> dict[str, float]:
    from search.ingest.actors import fold
    from search.store.importer import Importer
    from search.store.models import ArticleActor

    Importer(passages=False).run([ROOT / "corpus"])
    number = {}
    links: set[tuple[str, str, str]] = set()
    for article_id, source, name, kind in ArticleActor.objects.values_list("article_id", "article__source_file", "actor__name", "actor__kind"):
        number[article_id] = Path(source).name[:3]
        links.add((fold(name), kind, Path(source).name[:3]))
    gold = {(fold(name), kind, n) for name, (kind, numbers) in SEED_GOLD.items() for n in numbers}
    found = gold & links
    people_orgs = {link for link in links if link[1] in ("person", "org")}
    missed = sorted(gold - links)
    return {
        "gold_pairs": len(gold),
        "recall": len(found) / len(gold),
        "precision_people_orgs_vs_list": len(people_orgs & gold) / len(people_orgs),
        "extracted_people_org_pairs": len(people_orgs),
        "missed": [" ".join(m) for m in missed],
    }


def basil() -> dict[str, float]:
    from search.ingest.actors import fold
    from search.store.importer import Importer
    from search.store.models import Article, ArticleActor

    folder = SHARED / "clusters"
    with open(folder / "metadata.csv", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["cluster"].startswith("basil__")]
    paths = sorted({str((folder / r["cluster"]).resolve()) for r in rows})
    started = time.monotonic()
    Importer(passages=False).run(paths)
    seconds = time.monotonic() - started
    by_file = dict(Article.objects.values_list("source_file", "id"))
    actors: dict[int, set[str]] = {}
    for article_id, name in ArticleActor.objects.values_list("article_id", "actor__name"):
        actors.setdefault(article_id, set()).add(fold(name))
    total = exact = surname = 0
    for row in rows:
        article = by_file.get(str((folder / row["file"]).resolve()))
        if article is None:
            continue
        names = actors.get(article, set())
        for gold in (g.strip() for g in row["gold_actors"].split(";")):
            if not gold:
                continue
            total += 1
            key = fold(gold)
            exact += key in names
            surname += key in names or any(n.split()[-1:] == key.split()[-1:] for n in names)
    return {"articles": len(rows), "gold_actors": total, "recall_exact_name": exact / total, "recall_same_surname": surname / total, "import_seconds": seconds}


def throughput(count: int) -> dict[str, float]:
    from search.store.actors import MentionExtractor

    with open(SHARED / "allsides" / "sample2000.jsonl") as fh:
        articles = [json.loads(line) for line, _ in zip(fh, range(count))]
    texts = [[a["title"], *[p for p in a["content_original"].split("\n\n") if p.strip()]] for a in articles]
    extractor = MentionExtractor()
    extractor(texts[:80])  # start the workers and load the model outside the timing
    started = time.monotonic()
    extractor(texts)
    seconds = time.monotonic() - started
    extractor.close()
    return {"articles": count, "seconds": seconds, "articles_per_s": count / seconds, "processes": extractor.processes}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--throughput-articles", type=int, default=400)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="newsindex-actors-") as data_dir:
        setup(data_dir)
        figures = {"seeds": seeds(), "basil": basil(), "throughput": throughput(args.throughput_articles)}
    print(json.dumps(figures, indent=2, ensure_ascii=False))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
