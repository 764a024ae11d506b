"""Build a benchmark data folder from the AllSides corpus (37.5k articles), timing the import.

    .venv/bin/python benchmarks/allsides_dataset.py --data-dir /tmp/allsides [--ner] [--articles N]

Without --ner, actors come from a fast capitalised-name heuristic instead of spaCy: on this
machine NER runs at about 20 articles/s (benchmarks/actors_eval.py measures it), so a full NER
import of all 37.5k articles takes most of an hour; the heuristic gives the actor facet a
realistic number of values per article (about 20) for measuring facet speed. Everything else is
the real importer: reading, cleaning, storing, shared-passage detection and indexing. `make
bench` runs both: the heuristic over the whole corpus (the search benchmarks' data folder) and
real NER over the first 5,000 records (--ner --articles 5000), which the full-import target is
judged on.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the repository: `search`, `benchmarks.harness`
from benchmarks.harness.measure import peak_rss_mb, write_json  # noqa: E402
from benchmarks.harness.servers import setup_django  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpora" / "allsides" / "articles.jsonl.gz"
_NAME = re.compile(r"\b[A-Z][a-z]+(?: [A-Z][a-z]+){1,2}\b")


class NameHeuristic:
    """Stands in for MentionExtractor: capitalised two- and three-word sequences as actors."""

    processes = 1

    def __call__(self, texts):  # type: ignore[no-untyped-def]
        from search.ingest.actors import resolve_in_article

        out = []
        for paragraphs in texts:
            found = [(m, "PERSON" if m.count(" ") == 1 else "ORG") for p in paragraphs[1:] for m in _NAME.findall(p)]
            out.append(resolve_in_article(found))
        return out

    def close(self) -> None:
        return None


def first_records(source: Path, count: int, target: Path) -> Path:
    """The first `count` lines of the (gzipped) JSONL corpus, written beside the data folder."""
    import gzip
    import itertools

    opener = gzip.open if source.suffix == ".gz" else open
    with opener(source, "rt", encoding="utf-8") as src, target.open("w", encoding="utf-8") as out:
        out.writelines(itertools.islice(src, count))
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--ner", action="store_true", help="real spaCy NER (slow) instead of the name heuristic")
    parser.add_argument("--articles", type=int, help="import only the first N records of the corpus (a fresh file of them)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    corpus = args.corpus
    if args.articles:
        corpus = first_records(args.corpus, args.articles, args.data_dir.parent / f"{args.data_dir.name}-first{args.articles}.jsonl")
    setup_django(args.data_dir)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from search.store.importer import Importer

    runs = []
    for label in ("import", "re-import (unchanged)"):
        importer = Importer(extractor=None if args.ner else NameHeuristic())  # type: ignore[arg-type]
        started = time.monotonic()
        report = importer.run([corpus])
        seconds = time.monotonic() - started
        runs.append(
            {
                "label": label,
                "imported": report.imported,
                "unchanged": report.unchanged,
                "rejected": len(report.rejected),
                "passage_groups": report.passage_groups,
                "seconds": round(seconds, 1),
                "records_per_s": round(report.seen / seconds, 1),
                "stages": {stage: round(value, 1) for stage, value in report.stages.items()},
            }
        )
        print(json.dumps(runs[-1]), flush=True)
    figures = {"corpus": str(args.corpus), "articles_asked": args.articles, "actors": "spaCy NER" if args.ner else "name heuristic", "runs": runs, "peak_rss_mb": round(peak_rss_mb()),
               "peak_rss_children_mb": round(peak_rss_mb(children=True))}
    print(json.dumps(figures, indent=2))
    write_json(args.json, figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
