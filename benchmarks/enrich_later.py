"""Search-ready first, enrichment after (issue #14 §1): time `import_articles --enrich=later`, then
the background enrichment (search.store.enrichment) until nothing waits, index updates included.

    .venv/bin/python benchmarks/enrich_later.py --data-dir /tmp/enrich-bench [--ner] [--articles N]

Without --ner the actors come from the name heuristic of allsides_dataset.py (as `make bench`'s
import figures); with --ner from spaCy, as run_index_worker does. Prints one JSON object; figures
are reported, never asserted. The data folder must not exist yet (a fresh SQLite archive).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the repository: `search`, `benchmarks.harness`
from benchmarks.harness.servers import setup_django  # noqa: E402

SAMPLE = ROOT.parent / "shared" / "corpora" / "allsides" / "sample2000.jsonl"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--corpus", type=Path, default=SAMPLE)
    parser.add_argument("--articles", type=int, help="only the first N records of the corpus")
    parser.add_argument("--ner", action="store_true", help="real spaCy NER instead of the name heuristic")
    args = parser.parse_args()
    if args.data_dir.exists():
        parser.error(f"{args.data_dir} exists: give a fresh folder")
    args.data_dir.mkdir(parents=True)
    corpus = args.corpus
    if args.articles:
        from benchmarks.allsides_dataset import first_records

        corpus = first_records(args.corpus, args.articles, args.data_dir / f"first{args.articles}.jsonl")
    os.environ.pop("DATABASE_URL", None)
    setup_django(args.data_dir)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from search.index.outbox import drain_once
    from search.store.enrichment import Enricher
    from search.store.importer import Importer
    from search.store.models import Article

    started = time.monotonic()
    report = Importer(enrich="later").run([corpus])
    search_ready = time.monotonic() - started
    articles = Article.objects.count()

    extractor = None
    if not args.ner:
        from allsides_dataset import NameHeuristic

        extractor = NameHeuristic()
    enricher = Enricher(extractor=extractor)  # type: ignore[arg-type]
    stages: Counter[str] = Counter()
    steps: Counter[str] = Counter()
    started = time.monotonic()
    try:
        while (step := enricher.step(wait=None)) is not None:
            stages[step.stage] += step.seconds
            steps[step.stage] += 1
            drained = time.monotonic()
            drain_once()  # what run_index_worker does after each step
            stages["index"] += time.monotonic() - drained
    finally:
        enricher.close()
    enriched = time.monotonic() - started
    load = os.getloadavg()
    print(json.dumps({
        "corpus": str(corpus),
        "articles": articles,
        "actors": "spaCy NER" if args.ner else "name heuristic",
        "search_ready_s": round(search_ready, 1),
        "search_ready_per_s": round(report.seen / search_ready, 1),
        "import_stages": {k: round(v, 1) for k, v in report.stages.items()},
        "enrichment_s": round(enriched, 1),
        "enrichment_per_s": round(articles / enriched, 1) if enriched else None,
        "enrichment_stages": {k: round(v, 1) for k, v in stages.items()},
        "enrichment_steps": dict(steps),
        "everything_per_s": round(articles / (search_ready + enriched), 1),
        "load_average": [round(x, 2) for x in load],
    }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
