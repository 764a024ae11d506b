"""Evaluate the shared-passage detector (search/duplicates) on the real corpora in ../shared.

Recall (default mode), on the event clusters:
    .venv/bin/python benchmarks/duplicates_eval.py [--sample-out /tmp/duplicates_precision_sample.txt]
  builds one index over every cluster file, runs the full pass and checks each gold pair of
  shared_text_pairs.jsonl: a shared sentence/paragraph counts as found when one group has a
  member in each of the two files covering (>= --coverage of its characters) an occurrence of
  that text. It also writes a random sample of flagged article pairs that are NOT gold pairs, the
  passages side by side, for a human to judge precision.

Speed (--speed), on AllSides (37.5k articles):
    .venv/bin/python benchmarks/duplicates_eval.py --speed [--allsides PATH] [--workers 2]
  builds the index without 100 held-out articles, runs the full pass, adds the 100 articles
  and runs the incremental pass; prints the times and the peak memory (ru_maxrss), and with
  --check verifies that the incremental groups equal those of a full pass for those articles.

Both modes also write the printed figures as JSON with --json OUT (benchmarks/report.py reads it).

Hand-labelled precision (issue #12), on an existing import (e.g. the first 3,000 AllSides records):
    NEWSINDEX_DATA_DIR=/tmp/x .venv/bin/python benchmarks/duplicates_eval.py --groups-sheet OUT.csv \
        [--contexts CTX.txt] [--size 100] [--seed 12]
  writes a seeded random sample of the stored passage groups (boilerplate ones aside) as a CSV with
  empty `label` (yes: real reuse) and `note` columns, and each group's members in context to
  CTX.txt (outside the repository: corpus text is never committed);
    .venv/bin/python benchmarks/duplicates_eval.py --score-groups benchmarks/labels/passages_after.csv
  prints the labelled precision (overall, across outlets, within one outlet).

The corpora are read in place and never copied; the script needs no Django.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.harness.measure import load_average, peak_rss_mb, write_json  # noqa: E402
from search.duplicates.detect import Para, PassageGroup, Settings, ShingleIndex, Span, find_groups
from search.duplicates.quality import quote_checker, refine
from search.duplicates.tokens import tokenize

CORPORA = ROOT.parent / "shared" / "corpora"
CLUSTERS = CORPORA / "clusters"
ALLSIDES = CORPORA / "allsides" / "articles.jsonl.gz"


# -- loading ---------------------------------------------------------------------------------------


def split_body(text: str) -> list[str]:
    """Paragraphs of a cluster file: skip the title line; blank-line separated paragraphs, or
    one paragraph per non-empty line for one-sentence-per-line files (ECB+)."""
    body = text.replace("\r\n", "\n").split("\n", 1)[1] if "\n" in text else ""
    if "\n\n" in body.strip("\n"):
        parts = body.split("\n\n")
    else:
        parts = body.split("\n")
    return [p.strip() for p in parts if p.strip()]


@dataclass
class Corpus:
    """Paragraphs plus what is needed to talk about them: names and texts by id."""

    paras: list[Para] = field(default_factory=list)
    names: dict[int, str] = field(default_factory=dict)  # article id -> file name
    texts: dict[int, str] = field(default_factory=dict)  # paragraph id -> text
    by_article: dict[int, list[Para]] = field(default_factory=lambda: defaultdict(list))

    def add_article(self, name: str, paragraphs: list[str]) -> int:
        article = len(self.names)
        self.names[article] = name
        for text in paragraphs:
            para = Para(article, len(self.texts), text)
            self.texts[para.paragraph] = text
            self.paras.append(para)
            self.by_article[article].append(para)
        return article


def load_clusters(folder: Path) -> Corpus:
    corpus = Corpus()
    for path in sorted(folder.glob("*/*.txt")):
        text = path.read_text(encoding="utf-8", errors="replace")
        corpus.add_article(f"{path.parent.name}/{path.name}", split_body(text))
    return corpus


def allsides_articles(path: Path) -> Iterator[list[str]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            body = json.loads(line).get("content_original") or ""
            yield [p.strip() for p in body.split("\n\n") if p.strip()]


# -- recall ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Occurrence:
    paragraph: int
    start: int
    end: int


def occurrences(item: str, paras: list[Para]) -> list[Occurrence]:
    """Where the normalised words of `item` appear contiguously in one of `paras`."""
    needle = tokenize([item]).word_hash
    if not len(needle):
        return []
    needle_bytes = needle.tobytes()
    found = []
    tokens = tokenize([p.text for p in paras])
    offset = 0
    for para, count in zip(paras, tokens.counts.tolist(), strict=True):
        hay = tokens.word_hash[offset : offset + count]
        hay_bytes = hay.tobytes()
        at = hay_bytes.find(needle_bytes)
        while at != -1:
            if at % 4 == 0:
                first = offset + at // 4
                last = first + len(needle) - 1
                found.append(Occurrence(para.paragraph, int(tokens.word_start[first]), int(tokens.word_end[last])))
            at = hay_bytes.find(needle_bytes, at + 1)
        offset += count
    return found


def fuzzy_occurrences(item: str, paras: list[Para], min_share: float = 0.8) -> list[Occurrence]:
    """Fallback when the gold text's normalised words do not occur verbatim (the gold file
    normalises less than NFKC does, e.g. "Opteron™" is "opterontm" here): the stretch of the best
    paragraph whose words match at least `min_share` of the item's words, in order."""
    needle = tokenize([item]).word_hash.tolist()
    best: tuple[float, Occurrence | None] = (0.0, None)
    for para in paras:
        words = tokenize([para.text])
        blocks = [
            b
            for b in SequenceMatcher(None, needle, words.word_hash.tolist(), autojunk=False).get_matching_blocks()
            if b.size
        ]
        share = sum(b.size for b in blocks) / max(1, len(needle))
        if blocks and share > best[0]:
            first, last = blocks[0].b, blocks[-1].b + blocks[-1].size - 1
            best = (share, Occurrence(para.paragraph, int(words.word_start[first]), int(words.word_end[last])))
    return [best[1]] if best[1] is not None and best[0] >= min_share else []


def covered(span: Span, occ: Occurrence) -> float:
    if span.paragraph != occ.paragraph:
        return 0.0
    return max(0, min(span.end, occ.end) - max(span.start, occ.start)) / max(1, occ.end - occ.start)


def item_found(groups: list[PassageGroup], occ_a: list[Occurrence], occ_b: list[Occurrence], threshold: float) -> bool:
    for group in groups:
        spans = [span for span, _ in group.members]
        if any(covered(s, o) >= threshold for s in spans for o in occ_a) and any(
            covered(s, o) >= threshold for s in spans for o in occ_b
        ):
            return True
    return False


def recall(args: argparse.Namespace) -> dict[str, object]:
    t0 = time.perf_counter()
    corpus = load_clusters(args.clusters)
    n_cluster_files = len(corpus.names)
    if args.background:  # realistic document frequencies: the clusters inside a big corpus
        for n, paragraphs in enumerate(allsides_articles(args.allsides)):
            if n >= args.background:
                break
            corpus.add_article(f"background/allsides#{n}", paragraphs)
    index = ShingleIndex.build(corpus.paras, workers=args.workers if args.background else 1)
    if args.raw:  # the detector alone, without the quality rules the database layer applies
        groups = find_groups(index)
    else:
        groups, dropped = refine(find_groups(index, settings=Settings(is_quote=quote_checker(corpus.texts))), corpus.texts)
        print(f"quality rules dropped: {dict(sorted(dropped.items()))}")
    elapsed = time.perf_counter() - t0
    print(
        f"clusters: {n_cluster_files} files (+{len(corpus.names) - n_cluster_files} background articles), "
        f"{len(corpus.paras)} paragraphs, {len(groups)} groups ({sum(g.exact for g in groups)} exact) "
        f"in {elapsed:.2f} s"
    )

    article_of = {name: article for article, name in corpus.names.items()}
    groups_of: dict[frozenset[int], list[PassageGroup]] = defaultdict(list)
    for group in groups:
        articles = sorted(a for a in group.articles if a < n_cluster_files)  # background aside
        for i, a in enumerate(articles):
            for b in articles[i + 1 :]:
                groups_of[frozenset((a, b))].append(group)

    gold_pairs: set[frozenset[int]] = set()
    items = found_items = unlocatable = pairs = found_pairs = linked_pairs = 0
    misses: list[str] = []
    with open(args.clusters / "shared_text_pairs.jsonl", encoding="utf-8") as fh:
        for line in fh:
            gold = json.loads(line)
            a, b = article_of[gold["file_a"]], article_of[gold["file_b"]]
            pair = frozenset((a, b))
            gold_pairs.add(pair)
            candidates = groups_of.get(pair, [])
            pairs += 1
            linked_pairs += bool(candidates)
            all_found = True
            for text in gold["shared_text"]:
                items += 1
                occ_a, occ_b = occurrences(text, corpus.by_article[a]), occurrences(text, corpus.by_article[b])
                if not occ_a or not occ_b:
                    unlocatable += 1
                    occ_a = occ_a or fuzzy_occurrences(text, corpus.by_article[a])
                    occ_b = occ_b or fuzzy_occurrences(text, corpus.by_article[b])
                ok = item_found(candidates, occ_a, occ_b, args.coverage)
                found_items += ok
                all_found &= ok
                if not ok:
                    misses.append(f"{gold['file_a']} ~ {gold['file_b']}: {text[:160]!r}")
            found_pairs += all_found
    print(
        f"gold pairs: {pairs}; found (every shared text covered): {found_pairs} = {found_pairs / pairs:.4f}; "
        f"linked by some group: {linked_pairs} = {linked_pairs / pairs:.4f}"
    )
    print(
        f"gold shared texts: {items}; found: {found_items} = {found_items / items:.4f} "
        f"(located by fuzzy match, not verbatim: {unlocatable})"
    )
    for miss in misses[:40]:
        print("  MISSED", miss)

    flagged = sorted((min(p), max(p)) for p in groups_of if p not in gold_pairs)
    same_cluster = sum(corpus.names[a].split("/")[0] == corpus.names[b].split("/")[0] for a, b in flagged)
    print(f"flagged article pairs not in the gold file: {len(flagged)} ({same_cluster} within one cluster)")
    write_sample(args.sample_out, corpus, groups_of, flagged, args.sample_size, args.seed)
    print(f"precision sample of {min(args.sample_size, len(flagged))} pairs written to {args.sample_out}")
    memory = peak_memory()
    return {
        "mode": "recall",
        "cluster_files": n_cluster_files,
        "background_articles": len(corpus.names) - n_cluster_files,
        "paragraphs": len(corpus.paras),
        "groups": len(groups),
        "exact_groups": sum(g.exact for g in groups),
        "seconds": round(elapsed, 2),
        "coverage": args.coverage,
        "gold_pairs": pairs,
        "found_pairs": found_pairs,
        "pair_recall": found_pairs / pairs if pairs else None,
        "linked_pairs": linked_pairs,
        "gold_texts": items,
        "found_texts": found_items,
        "text_recall": found_items / items if items else None,
        "located_by_fuzzy_match": unlocatable,
        "missed": misses,
        "flagged_pairs_not_gold": len(flagged),
        "flagged_within_one_cluster": same_cluster,
        "precision_sample": str(args.sample_out),
        **memory,
    }


def write_sample(
    path: Path,
    corpus: Corpus,
    groups_of: dict[frozenset[int], list[PassageGroup]],
    flagged: list[tuple[int, int]],
    size: int,
    seed: int,
) -> None:
    sample = random.Random(seed).sample(flagged, min(size, len(flagged)))
    with open(path, "w", encoding="utf-8") as out:
        for n, (a, b) in enumerate(sample, 1):
            out.write(f"=== #{n}  {corpus.names[a]}  <->  {corpus.names[b]}\n")
            for group in groups_of[frozenset((a, b))]:
                out.write(f"--- group ({'exact' if group.exact else 'near'}, {len(group.members)} members)\n")
                for span, similarity in group.members:
                    if span.article in (a, b):
                        side = "A" if span.article == a else "B"
                        text = corpus.texts[span.paragraph][span.start : span.end]
                        out.write(f"  {side} [{similarity:.2f}] {text}\n")
            out.write("\n")


# -- speed -----------------------------------------------------------------------------------------


def speed(args: argparse.Namespace) -> dict[str, object]:
    print(f"load average at start: {os.getloadavg()}, cpus: {os.cpu_count()}")
    out: dict[str, object] = {"mode": "speed", "cpus": os.cpu_count(), "load_average_start": load_average()}
    t0 = time.perf_counter()
    corpus = Corpus()
    for n, paragraphs in enumerate(allsides_articles(args.allsides)):
        corpus.add_article(f"allsides#{n}", paragraphs)
    print(
        f"read {len(corpus.names)} articles, {len(corpus.paras)} paragraphs in {time.perf_counter() - t0:.1f} s; "
        f"resident memory now {resident_mib():.0f} MiB (the corpus as Python objects)"
    )
    with_text = [a for a, paras in corpus.by_article.items() if paras]
    held_out = set(random.Random(args.seed).sample(with_text, args.holdout))
    base = [p for p in corpus.paras if p.article not in held_out]
    new = [p for p in corpus.paras if p.article in held_out]

    t0 = time.perf_counter()
    index = ShingleIndex.build(base, workers=args.workers)
    t_build = time.perf_counter() - t0
    t0 = time.perf_counter()
    groups = find_groups(index)
    t_full = time.perf_counter() - t0
    arrays = sum(getattr(index, name).nbytes for name in index._ARRAYS) / 2**20
    print(
        f"build: {t_build:.1f} s ({len(index)} paragraphs, {len(index.word_hash)} words, "
        f"{len(index.shingles)} shingles, index arrays {arrays:.0f} MiB, workers={args.workers})"
    )
    print(
        f"full pass: {t_full:.1f} s -> {len(groups)} groups, {sum(len(g.members) for g in groups)} members, "
        f"{sum(g.exact for g in groups)} exact"
    )
    print(f"build + full pass: {t_build + t_full:.1f} s")
    peak_memory()
    out.update(
        articles=len(corpus.names), paragraphs=len(corpus.paras), workers=args.workers, build_s=round(t_build, 2),
        full_pass_s=round(t_full, 2), build_and_full_pass_s=round(t_build + t_full, 2), groups=len(groups),
        members=sum(len(g.members) for g in groups), exact_groups=sum(g.exact for g in groups), index_arrays_mib=round(arrays),
    )
    del groups

    if args.index_file:
        t0 = time.perf_counter()
        index.save(args.index_file)
        size = sum(f.stat().st_size for f in Path(args.index_file).iterdir()) / 2**20
        t_save_base = time.perf_counter() - t0
        print(f"save base index: {t_save_base:.1f} s, {size:.0f} MiB on disk")
        out.update(save_base_s=round(t_save_base, 2), index_file_mib=round(size))

    t0 = time.perf_counter()
    index.add(new)
    t_add = time.perf_counter() - t0
    t0 = time.perf_counter()
    incremental = find_groups(index, held_out)
    t_inc = time.perf_counter() - t0
    print(
        f"incremental (index in memory): add {len(new)} paragraphs of {len(held_out)} articles {t_add:.2f} s + "
        f"find_groups {t_inc:.2f} s = {t_add + t_inc:.2f} s -> {len(incremental)} groups"
    )
    out["incremental_in_memory"] = {
        "new_articles": len(held_out), "new_paragraphs": len(new), "add_s": round(t_add, 2), "find_s": round(t_inc, 2),
        "total_s": round(t_add + t_inc, 2), "groups": len(incremental),
    }

    if args.index_file:  # what an import does: load the saved index, add, find, save
        del index
        t0 = time.perf_counter()
        index = ShingleIndex.load(args.index_file)
        t_load = time.perf_counter() - t0
        t0 = time.perf_counter()
        index.add(new)
        again = find_groups(index, held_out)
        t_work = time.perf_counter() - t0
        t0 = time.perf_counter()
        index.save(args.index_file)
        t_save = time.perf_counter() - t0
        print(
            f"incremental from disk: load {t_load:.2f} s + add/find {t_work:.2f} s + save {t_save:.2f} s = "
            f"{t_load + t_work + t_save:.2f} s (same groups: {canonical(again) == canonical(incremental)})"
        )
        out["incremental_from_disk"] = {
            "load_s": round(t_load, 2), "add_find_s": round(t_work, 2), "save_s": round(t_save, 2),
            "total_s": round(t_load + t_work + t_save, 2), "same_groups": canonical(again) == canonical(incremental),
        }
    if args.check:
        t0 = time.perf_counter()
        full = [g for g in find_groups(index) if g.articles & held_out]
        same = canonical(full) == canonical(incremental)
        print(
            f"check: incremental == full pass for the new articles: {same} "
            f"({len(full)} groups, full pass {time.perf_counter() - t0:.1f} s)"
        )
        out["check_incremental_equals_full"] = same
    print(f"load average at end: {os.getloadavg()}")
    out["load_average_end"] = load_average()
    out.update(peak_memory())
    return out


def resident_mib() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def canonical(groups: list[PassageGroup]) -> list[tuple[bool, tuple[tuple[Span, float], ...]]]:
    return sorted((g.exact, tuple(g.members)) for g in groups)


def peak_memory() -> dict[str, int]:
    """Print and return the peak memory so far (ru_maxrss) of this process and its largest worker."""
    own, worker = round(peak_rss_mb()), round(peak_rss_mb(children=True))
    print(f"peak memory (ru_maxrss): {own} MiB" + (f" (largest worker {worker} MiB)" if worker else ""))
    return {"peak_rss_mib": own, "peak_rss_worker_mib": worker}


GROUP_FIELDS = ["rank", "group_id", "text_key", "articles", "outlets", "cross_outlet", "exact", "chars", "label", "note"]


def groups_sheet(out: Path, contexts: Path | None, size: int, seed: int) -> None:
    """A seeded random sample of the groups of the import in NEWSINDEX_DATA_DIR, to label."""
    import csv

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsindex.settings")
    import django

    django.setup()
    from search.store.models import PassageGroup, PassageMember

    import hashlib

    groups = list(PassageGroup.objects.filter(boilerplate=False).values_list("id", "article_count", "outlet_count", "exact", "text", "text_key"))
    # Seeded and stable: the groups whose seeded hash of their text key is smallest, so a group
    # that survives a change of the rules stays in the sample (and keeps its label).
    groups.sort(key=lambda g: hashlib.blake2b(f"{seed}:{g[5]}".encode(), digest_size=8).digest())
    sample = [g[:5] for g in groups[:size]]
    with open(out, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(GROUP_FIELDS)
        for rank, (pk, articles, outlets, exact, text) in enumerate(sample, 1):
            key = PassageGroup.objects.get(pk=pk).text_key
            writer.writerow([rank, pk, key, articles, outlets, "yes" if outlets >= 2 else "no", "yes" if exact else "no", len(text), "", ""])
    if contexts is None:
        return
    with open(contexts, "w", encoding="utf-8") as fh:
        for rank, (pk, articles, outlets, exact, text) in enumerate(sample, 1):
            fh.write(f"=== #{rank} group {pk}: {articles} articles, {outlets} outlets{' (exact)' if exact else ''}\n")
            members = PassageMember.objects.filter(group_id=pk).select_related("paragraph", "article__outlet").order_by("article_id")[:4]
            for m in members:
                para = m.paragraph.text
                fh.write(
                    f"  [{m.similarity:.2f}] {m.article.outlet.name if m.article.outlet else '?'} {m.article.published} "
                    f"…{para[max(0, m.start - 60) : m.start]}⟦{para[m.start : m.end]}⟧{para[m.end : m.end + 60]}…\n"
                )


def score_groups(path: Path) -> dict[str, object]:
    import csv

    with open(path, newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["label"].strip()]
    out: dict[str, object] = {}
    for name, part in (("all", rows), ("cross_outlet", [r for r in rows if r["cross_outlet"] == "yes"]), ("same_outlet", [r for r in rows if r["cross_outlet"] != "yes"])):
        yes = sum(r["label"].strip().lower() == "yes" for r in part)
        out[name] = {"labelled": len(part), "real_reuse": yes, "precision": round(yes / len(part), 3) if part else None}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--groups-sheet", type=Path, help="write a labelling sheet of the groups in NEWSINDEX_DATA_DIR")
    parser.add_argument("--contexts", type=Path, help="with --groups-sheet: the members in context (keep outside the repo)")
    parser.add_argument("--size", type=int, default=100)
    parser.add_argument("--score-groups", type=Path, help="print the precision of a labelled groups sheet")
    parser.add_argument("--clusters", type=Path, default=CLUSTERS)
    parser.add_argument("--coverage", type=float, default=0.9, help="share of a gold text a group must cover")
    parser.add_argument("--sample-out", type=Path, default=Path("/tmp/duplicates_precision_sample.txt"))
    parser.add_argument("--sample-size", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--speed", action="store_true", help="time build, full and incremental passes")
    parser.add_argument("--allsides", type=Path, default=ALLSIDES)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--holdout", type=int, default=100)
    parser.add_argument("--index-file", default="", help="also time save/load (an import's cycle) with this folder")
    parser.add_argument("--background", type=int, default=0, help="recall mode: also index this many AllSides articles (realistic shingle frequencies)")
    parser.add_argument("--check", action="store_true", help="compare incremental with a full pass")
    parser.add_argument("--raw", action="store_true", help="recall mode: the detector without the quality rules (search.duplicates.quality)")
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write the figures as JSON to OUT")
    args = parser.parse_args()
    if args.groups_sheet:
        groups_sheet(args.groups_sheet, args.contexts, args.size, args.seed if args.seed else 12)
        return
    if args.score_groups:
        print(json.dumps(score_groups(args.score_groups), indent=2))
        return
    figures = speed(args) if args.speed else recall(args)
    write_json(args.json, figures)


if __name__ == "__main__":
    main()
