"""The query mix every latency benchmark times: a fixed mix (random.Random(42)) drawn from the
imported articles themselves: common and rare terms, AND and OR pairs, quoted phrases copied from
article text, outlet: and actor: field queries, wildcards, fuzzy terms and the empty query
(newest first). search_latency.py, engines_side_by_side.py, spread_latency.py and the reference
scripts all time this mix, so their figures compare. Needs Django set up (see servers.start_django).
"""

from __future__ import annotations

import math
import random
import re
from collections import Counter
from dataclasses import dataclass

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



def describe_mix(mix: list[BenchQuery]) -> Counter[str]:
    """Print how many queries of each kind the mix holds, with examples; return the counts."""
    counts = Counter(bq.kind for bq in mix)
    print(f"query mix ({len(mix)} queries, seed {SEED}, build_query_mix):")
    for kind in MIX:
        examples = list(dict.fromkeys(bq.q or "(empty)" for bq in mix if bq.kind == kind))[:4]
        print(f"  {kind:<16} {counts[kind]:>3}   e.g. {', '.join(examples)}")
    print()
    return counts


def warmup_queries(mix: list[BenchQuery]) -> list[BenchQuery]:
    """The first query of each of WARMUP_KINDS in the mix: run before the timing, not counted."""
    firsts = {kind: next((bq for bq in mix if bq.kind == kind), None) for kind in WARMUP_KINDS}
    return [bq for bq in firsts.values() if bq is not None]


# Timed again with collapse=1 (copies hidden, counted both ways), after the mix: not part of
# "all", and not of the reference scripts' mix.
COLLAPSE_KINDS = ("common term", "two terms AND")
