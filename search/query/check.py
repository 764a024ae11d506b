""""Who else ran this text?": the articles that carry any passage of a pasted text. Nothing is stored.

The shared-passage machinery does the work (search.duplicates), in two steps:
1. candidates: the pasted paragraphs' word 5-grams are looked up in the corpus's saved shingle
   index (data/shingles/, mapped from disk); paragraphs sharing two or more of them, and not
   sharing only over-common ones, are the candidates;
2. alignment: the pasted paragraphs and the candidates go into a small ShingleIndex, and
   `find_groups` finds the passages the pasted text shares with them, exactly as an import
   compares a new article with the corpus (same tokens, same minimum length, same tolerance of
   reworded copies).
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

import numpy as np
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from search.duplicates.arrays import ranges
from search.duplicates.detect import Para, ShingleIndex, find_groups
from search.duplicates.index import shingle_keys
from search.duplicates.model import Settings
from search.duplicates.tokens import tokenize
from search.ingest.boilerplate import remove_reader_prompts
from search.ingest.clean import split_paragraphs
from search.query.passages import word_diff
from search.store.models import Article, Paragraph
from search.store.passages import shingle_path

MAX_CHARS = 100_000
MAX_CANDIDATES = 2000  # corpus paragraphs aligned with the pasted text, the best-sharing first
PASTED = 0  # the pasted text's article id inside the comparison (stored articles start at 1)


@dataclass
class MatchedPassage:
    pasted_paragraph: int  # position in the pasted text
    pasted: str
    found: str
    paragraph_position: int  # in the article
    diff: SafeString | None  # the article's wording against the pasted one, when they differ


@dataclass
class CheckMatch:
    article: Article
    coverage: float  # share of the pasted text's characters found in this article
    passages: list[MatchedPassage] = field(default_factory=list)

    @property
    def percent(self) -> int:
        return round(self.coverage * 100)


@dataclass
class CheckResult:
    paragraphs: list[str]
    matches: list[CheckMatch]
    highlighted: list[SafeString]  # the pasted paragraphs with the found passages marked
    coverage: float  # share of the pasted text found anywhere
    seconds: float
    messages: list[str] = field(default_factory=list)

    @property
    def earliest(self) -> CheckMatch | None:
        """The presumed first publisher: the earliest dated article (undated last), then import order."""
        if not self.matches:
            return None
        return min(self.matches, key=lambda m: (m.article.published or dt.date.max, m.article.pk))


def pasted_paragraphs(text: str) -> list[str]:
    paragraphs, _ = remove_reader_prompts(split_paragraphs(text))
    return paragraphs


@lru_cache(maxsize=2)
def _corpus_index(folder: str, version: float) -> ShingleIndex:
    return ShingleIndex.load(folder)


def corpus_index() -> ShingleIndex | None:
    """The saved shingle index, mapped once per process and again after an import saves a new one."""
    path = Path(shingle_path())
    try:
        version = (path / "para_id.npy").stat().st_mtime
        return _corpus_index(str(path), version)
    except (OSError, ValueError):
        return None


def _candidates(index: ShingleIndex, paragraphs: list[str], settings: Settings) -> np.ndarray:
    """Ids of corpus paragraphs sharing two or more 5-grams with the pasted paragraphs, best first."""
    tokens = tokenize(paragraphs)
    keys, _ = shingle_keys(tokens.word_hash, np.concatenate(([0], np.cumsum(tokens.counts))))
    if not len(keys) or not len(index):
        return np.zeros(0, dtype=np.int64)
    keys = np.unique(keys)
    lo, hi = index.lookup(keys)
    size = hi - lo
    common = settings.max_articles * settings.max_occurrences_per_article  # boilerplate-frequent 5-grams
    keep = (size > 0) & (size <= common)
    entries = ranges(lo[keep], size[keep])
    words = index.shingle_word(entries)
    rows = np.searchsorted(index.para_offset, words, side="right") - 1
    ids, counts = np.unique(np.asarray(index.para_id)[rows], return_counts=True)
    ids, counts = ids[counts >= 2], counts[counts >= 2]
    best = np.argsort(-counts, kind="stable")[:MAX_CANDIDATES]
    return ids[best]


def check_text(text: str) -> CheckResult:
    """Every stored article that carries a passage of `text` (see the module docstring)."""
    started = time.perf_counter()
    messages: list[str] = []
    if len(text) > MAX_CHARS:
        messages.append(f"Only the first {MAX_CHARS:,} characters were checked.")
        text = text[:MAX_CHARS]
    paragraphs = pasted_paragraphs(text)
    if not paragraphs:
        return CheckResult([], [], [], 0.0, time.perf_counter() - started, messages + ["There is no text to check."])
    index = corpus_index()
    if index is None:
        messages.append("No article has been compared yet: import articles (or run `find_duplicates --rebuild`) first.")
        return CheckResult(paragraphs, [], [escape(p) for p in paragraphs], 0.0, time.perf_counter() - started, messages)
    settings = Settings()
    candidate_ids = _candidates(index, paragraphs, settings)
    rows = list(
        Paragraph.objects.filter(id__in=candidate_ids.tolist(), boilerplate=False, article__hidden=False).values_list(
            "id", "article_id", "position", "text"
        )
    )
    position = {pk: pos for pk, _, pos, _ in rows}
    texts = {pk: t for pk, _, _, t in rows}
    paras = [Para(PASTED, -(i + 1), p) for i, p in enumerate(paragraphs)] + [Para(a, pk, t) for pk, a, _, t in rows]
    # The candidates were chosen from the corpus with its own boilerplate limits; among them a
    # press release carried by 200 articles is still a passage.
    small = ShingleIndex.build(paras)
    groups = find_groups(small, {PASTED}, replace(settings, max_articles=max(settings.max_articles, len(rows) + 1)), similarity=False)
    spans: dict[int, set[tuple[int, int, int]]] = defaultdict(set)  # article -> (pasted paragraph, start, end)
    found: dict[int, list[MatchedPassage]] = defaultdict(list)
    diffs: dict[tuple[str, str], SafeString | None] = {}  # one text pair recurs in many articles
    # A phrase repeated in both texts (a photo gallery's caption header, 43 times) pairs each of
    # its repeats with each other one: each passage is listed once per article, not every time.
    shown: dict[int, set[tuple[int, int, str, str]]] = defaultdict(set)
    for group in groups:
        mine = [span for span, _ in group.members if span.article == PASTED]
        theirs = [span for span, _ in group.members if span.article != PASTED]
        for other in theirs:
            for span in mine:
                index_in_pasted = -span.paragraph - 1
                spans[other.article].add((index_in_pasted, span.start, span.end))
                pasted = paragraphs[index_in_pasted][span.start : span.end]
                there = texts[other.paragraph][other.start : other.end]
                if (index_in_pasted, other.paragraph, pasted, there) in shown[other.article]:
                    continue
                shown[other.article].add((index_in_pasted, other.paragraph, pasted, there))
                if (pasted, there) not in diffs:
                    same = " ".join(pasted.split()) == " ".join(there.split())
                    diffs[pasted, there] = None if same else word_diff(pasted, there)
                found[other.article].append(MatchedPassage(index_in_pasted, pasted, there, position[other.paragraph], diffs[pasted, there]))
    total = sum(len(p) for p in paragraphs)
    articles = Article.objects.filter(id__in=list(found)).select_related("outlet").in_bulk()
    matches = [
        CheckMatch(articles[a], _covered(spans[a]) / total, sorted(found[a], key=lambda m: (m.pasted_paragraph, m.paragraph_position)))
        for a in found
        if a in articles
    ]
    matches.sort(key=lambda m: (-m.coverage, m.article.published or dt.date.max, m.article.pk))
    everywhere = set().union(*(spans[a] for a in found))
    return CheckResult(
        paragraphs,
        matches,
        _highlight(paragraphs, everywhere),
        _covered(everywhere) / total,
        time.perf_counter() - started,
        messages,
    )


def _merged(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _covered(spans: Iterable[tuple[int, int, int]]) -> int:
    by_paragraph: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for paragraph, start, end in spans:
        by_paragraph[paragraph].append((start, end))
    return sum(end - start for parts in by_paragraph.values() for start, end in _merged(parts))


def _highlight(paragraphs: list[str], spans: Iterable[tuple[int, int, int]]) -> list[SafeString]:
    by_paragraph: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for paragraph, start, end in spans:
        by_paragraph[paragraph].append((start, end))
    out = []
    for i, text in enumerate(paragraphs):
        html, at = [], 0
        for start, end in _merged(by_paragraph.get(i, [])):
            html.append(str(escape(text[at:start])))
            html.append(f'<mark class="found">{escape(text[start:end])}</mark>')
            at = end
        html.append(str(escape(text[at:])))
        out.append(mark_safe("".join(html)))  # noqa: S308 (every piece escaped)
    return out
