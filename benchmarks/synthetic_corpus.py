"""A deterministic synthetic news corpus, shaped like AllSides, for benchmarking search at scale.

    .venv/bin/python benchmarks/synthetic_corpus.py write 200000 /tmp/synthetic-200k.jsonl.gz
    .venv/bin/python benchmarks/synthetic_corpus.py vocab      # rebuild synthetic_vocab.txt

Real corpora stop at 37.5k articles; the search page must be measured at 200k and 1M. This
module makes as many articles as wanted, one at a time (a million never sit in memory), as
AllSides-shaped records (`ID, title, source, source_url, url, date, authors, content_original`)
that `manage.py import_articles` reads as they are, and as `SyntheticArticle` values that also
carry the truth the fast loader (synthetic_dataset.py) stores without cleaning or NER: the clean
paragraphs, each actor with its mention count, and which paragraphs were copied from where.

Determinism: article i depends only on (seed, i): it draws from `numpy.random.default_rng([seed,
i])`, and the earlier articles it copies from are themselves functions of (seed, j). So the
first 200k articles of a 1M corpus are the 200k corpus, on any machine (numpy's PCG64 streams
are fixed across platforms and versions). The "world" (outlet, actor and author names, the
pseudo-words of the vocabulary's tail) does not depend on the seed: the seed picks a sample of it.

Measured once on ../shared/corpora/allsides/sample2000.jsonl (1,997 articles; paragraphs are
blank-line separated blocks of `content_original`, words are whitespace-separated), fitted as
log-normals (mu and sigma of the natural log):

    paragraphs per article   mu 3.026  sigma 0.641   median 22, p5 7, p95 54, mean 24.9
    words per paragraph      mu 3.333  sigma 0.968   median 34, p5 3, p95 90, mean 39.6
      (of 4 words or more)   mu 3.484  sigma 0.721   median 36, mean 41.6 (95 % of paragraphs)
    words per sentence       median 18
    words per title          mu 2.229  sigma 0.362   median 10, p5 5, p95 15
    dates                    11.5 % empty, 0.1 % malformed ("11/22/17"), years 2012-2020 even
    authors                  26 % none, 42 % one, 10 % two, the rest three or more
    outlets                  138 in the sample; the largest has 8 % of articles, the median 3 of 1,997
    number tokens            1.3 % of word tokens
    distinct lowercase words Heaps' law V = 58 * N^0.438 (N word tokens): about 120k words at
                             AllSides' 37M tokens, about 510k at the 1B tokens of 1M articles

Words: synthetic_vocab.txt (shipped beside this file, rebuilt by `vocab`) holds the 20,298 words of
sample2000 that occur at least twice and are written in lower case at least a fifth of the time,
with their counts; tokens are drawn in proportion to those counts, always in lower case. Names stay
out ("Trump" is never lower case), so actors are the only names in the text, while words news often
capitalises are in ("president" is lower case 49 % of the time); words that are nearly always
capitalised ("Senate", "Monday") are left out with the names. A word list is a statistic of the
corpus, not its text, so shipping it copies no article. Building it from sample2000 at every run
would also be deterministic (the file is fixed) but would tie the generator to ../shared being
present, and a list frozen in the repository cannot drift. Beyond the list, 0.5 % of tokens are
pseudo-words (consonant-vowel syllables) whose ranks follow a Pareto tail (alpha 1.05) past rank
20,000, which reproduces the Heaps' law above (simulated: about 105k distinct words at 37M tokens
and 520k at 1B), so the term dictionary grows as a real one does (fuzzy and wildcard queries expand
against it).

Outlets: 400, Zipf (s = 1) by rank: the largest prints 15 % of articles, the median one 0.08 %.
Actors: people (a real first name and a made-up surname), organisations ("Velmar Institute") and
places ("Port Dalsburg"), drawn per article from a Zipf-Mandelbrot (Lomax) law over an unbounded
rank space, so the most named actor is in about 15 % of articles and new names keep appearing as
the corpus grows, like NER output. Articles name 1 + Poisson(0.35 x paragraphs) distinct actors;
a person is named in full the first time and by surname after, and the title often names the
main actor. Dates are uniform over 2011-2020; 11.5 % are empty and 0.2 % bad: before 1900, in the
future, impossible (Feb 30) or M/D/YY. Wire copy: 10 % of articles copy a run of 1-3 paragraphs
from one of the 2,000 articles before them and 2 % reprint a whole earlier article; half the
copied paragraphs are lightly edited (a word changed, or "Officials said:" put in front), and a
copy is dated 0-3 days after its source, as wire copy is.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import io
import json
import math
import re
import sys
from collections import Counter, OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository: `benchmarks.synthetic_world`

from benchmarks.synthetic_world import (  # noqa: E402, F401 - also this module's names (synthetic_dataset.py, tests)
    ATTRIBUTIONS, AUTHOR_SALT, Actor, OUTLETS, OUTLET_ZIPF, Outlet, SAMPLE, VOCAB_PATH, Vocabulary, actor, build_vocabulary,
    lomax_ranks, outlet, person_name, vocabulary,
)


# --- parameters (measured on sample2000, see the docstring) ------------------------------------

PARAGRAPHS_MU, PARAGRAPHS_SIGMA = 3.026, 0.641
WORDS_MU, WORDS_SIGMA = 3.484, 0.721  # paragraphs of 4 words or more, see MIN_PARAGRAPH_WORDS
TITLE_MU, TITLE_SIGMA = 2.229, 0.362
SENTENCE_MU, SENTENCE_SIGMA = math.log(18), 0.5  # median sentence: 18 words
MAX_PARAGRAPHS, MAX_PARAGRAPH_WORDS = 200, 600
# Shorter paragraphs (5 % of AllSides') are left out: random ones of one to three words repeat
# ("The of the.") and the importer would drop or learn them as boilerplate, unlike the loader.
MIN_PARAGRAPH_WORDS = 4
NUMBER_SHARE = 0.013
COMMA_SHARE = 0.06

FIRST_DAY, LAST_DAY = dt.date(2011, 1, 1), dt.date(2020, 12, 31)
UNDATED_SHARE, BAD_DATE_SHARE = 0.115, 0.002
AUTHOR_COUNT_SHARES = (0.26, 0.52, 0.14, 0.06, 0.02)  # 0, 1, 2, 3, 4 authors

ACTORS_PER_PARAGRAPH = 0.35
MAX_ACTORS = 40
ACTOR_Q, ACTOR_ALPHA = 30.0, 0.5  # Lomax: P(rank > x) = (1 + x/q)^-alpha
AUTHOR_Q, AUTHOR_ALPHA, AUTHORS_PER_OUTLET = 5.0, 0.8, 100_000
TITLE_NAMES_ACTOR = 0.6
SAID_SHARE = 0.3  # mentions written "Kovarelli said"

COPY_WINDOW = 2_000  # a copy's source is one of the articles just before it
REPRINT_SHARE, PARTIAL_COPY_SHARE = 0.02, 0.10
EDIT_SHARE, REPRINT_EDIT_SHARE = 0.5, 0.2
MAX_COPY_DELAY_DAYS = 3
CACHE_SIZE = 2 * COPY_WINDOW + 64  # articles kept to be copied from: covers the window when streaming

# --- articles --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Paragraph:
    text: str
    mentions: tuple[tuple[Actor, int], ...]  # actors named in this paragraph, with how often


@dataclass(frozen=True)
class Copy:
    """Paragraphs of this article taken from an earlier one (verbatim or lightly edited)."""

    source: int  # index of the earlier article
    positions: tuple[int, ...]  # where the copied paragraphs sit in this article
    whole: bool  # a reprint: every paragraph is the source's


@dataclass(frozen=True)
class SyntheticArticle:
    index: int
    ident: str
    title: str
    title_mentions: tuple[tuple[Actor, int], ...]
    outlet: Outlet
    url: str
    date_text: str  # as written in the record: may be empty or bad
    published: dt.date | None  # what the importer reads from date_text (None when empty or dropped)
    authors: tuple[str, ...]
    paragraphs: tuple[Paragraph, ...]
    copy: Copy | None  # wire copy from an earlier article, if any

    @property
    def texts(self) -> list[str]:
        return [p.text for p in self.paragraphs]

    @property
    def content(self) -> str:
        return "\n\n".join(self.texts)

    def actors(self) -> dict[Actor, int]:
        """Every actor named in the title or the text, with its number of mentions."""
        counts: Counter[Actor] = Counter()
        for found, count in self.title_mentions:
            counts[found] += count
        for paragraph in self.paragraphs:
            for found, count in paragraph.mentions:
                counts[found] += count
        return dict(counts)

    def record(self) -> dict[str, str]:
        """The AllSides JSONL shape the importer reads."""
        return {
            "ID": self.ident,
            "title": self.title,
            "source": self.outlet.name,
            "source_url": f"www.{self.outlet.domain}",
            "url": self.url,
            "date": self.date_text,
            "authors": ", ".join(self.authors),
            "content_original": self.content,
        }


def ident(seed: int, index: int) -> str:
    return f"synthetic-{seed}-{index}"


class SyntheticCorpus:
    """Article i of the corpus for `seed`, computed on demand; recent articles are cached so copies
    of them cost nothing when articles are made in order."""

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self.vocab = vocabulary()
        self._cache: OrderedDict[int, SyntheticArticle] = OrderedDict()
        self._outlet_cdf = _zipf_cdf(OUTLETS, OUTLET_ZIPF)

    def article(self, index: int) -> SyntheticArticle:
        cached = self._cache.get(index)
        if cached is not None:
            self._cache.move_to_end(index)
            return cached
        made = self._make(index)
        self._cache[index] = made
        if len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        return made

    def _make(self, index: int) -> SyntheticArticle:
        rng = np.random.default_rng([self.seed, index])
        outlet_rank = min(int(np.searchsorted(self._outlet_cdf, rng.random(), side="right")), OUTLETS - 1)
        source, reprint = self._copy_source(rng, index)
        date_text, published = _date(rng, source.published if source else None)
        copy: Copy | None = None
        if source is not None and reprint:  # under the source's headline, as wire stories run
            paragraphs, copy = self._reprint(rng, source)
            title, title_mentions = source.title, source.title_mentions
        else:
            paragraphs, main = self._own_paragraphs(rng)
            title, title_mentions = self._title(rng, main)
            if source is not None:
                paragraphs, copy = self._insert_copy(rng, source, paragraphs)
        when = published.strftime("%Y/%m/%d") if published else "news"
        slug = "-".join(re.findall(r"[a-z0-9]+", title.lower())[:8])
        home = outlet(outlet_rank)
        return SyntheticArticle(
            index=index,
            ident=ident(self.seed, index),
            title=title,
            title_mentions=title_mentions,
            outlet=home,
            url=f"https://www.{home.domain}/{when}/{slug}-{index}",
            date_text=date_text,
            published=published,
            authors=_authors(rng, outlet_rank),
            paragraphs=tuple(paragraphs),
            copy=copy,
        )

    # --- wire copy ---

    def _copy_source(self, rng: np.random.Generator, index: int) -> tuple[SyntheticArticle | None, bool]:
        """(the earlier article this one copies from, whether it reprints it whole) or (None, False)."""
        draw = rng.random()
        if index == 0 or draw >= REPRINT_SHARE + PARTIAL_COPY_SHARE:
            return None, False
        back = int(rng.integers(1, min(COPY_WINDOW, index) + 1))
        return self.article(index - back), draw < REPRINT_SHARE

    def _reprint(self, rng: np.random.Generator, source: SyntheticArticle) -> tuple[list[Paragraph], Copy]:
        paragraphs = [_edited(rng, p, self.vocab) if rng.random() < REPRINT_EDIT_SHARE else p for p in source.paragraphs]
        return paragraphs, Copy(source.index, tuple(range(len(paragraphs))), whole=True)

    def _insert_copy(
        self, rng: np.random.Generator, source: SyntheticArticle, own: list[Paragraph]
    ) -> tuple[list[Paragraph], Copy]:
        run = min(int(rng.integers(1, 4)), len(source.paragraphs))
        start = int(rng.integers(0, len(source.paragraphs) - run + 1))
        taken = [_edited(rng, p, self.vocab) if rng.random() < EDIT_SHARE else p for p in source.paragraphs[start : start + run]]
        at = int(rng.integers(0, len(own) + 1))
        return own[:at] + taken + own[at:], Copy(source.index, tuple(range(at, at + run)), whole=False)

    # --- own text ---

    def _own_paragraphs(self, rng: np.random.Generator) -> tuple[list[Paragraph], Actor]:
        """The article's own text, and its main actor (the one named most)."""
        count = int(np.clip(np.rint(rng.lognormal(PARAGRAPHS_MU, PARAGRAPHS_SIGMA)), 1, MAX_PARAGRAPHS))
        lengths = np.clip(np.rint(rng.lognormal(WORDS_MU, WORDS_SIGMA, count)), MIN_PARAGRAPH_WORDS, MAX_PARAGRAPH_WORDS)
        bounds = np.cumsum(lengths.astype(np.int64))
        total = int(bounds[-1])
        tokens = self.vocab.draw(rng, total)
        _sprinkle_numbers(rng, tokens)
        for position in np.flatnonzero(rng.random(total) < COMMA_SHARE).tolist():
            tokens[position] += ","
        cast = _article_actors(rng, count)
        positions, named = _place_mentions(rng, tokens, cast)
        found: list[Counter[Actor]] = [Counter() for _ in range(count)]
        for paragraph, who in zip(np.searchsorted(bounds, positions, side="right").tolist(), named, strict=True):
            found[paragraph][who] += 1
        _end_sentences(rng, tokens, bounds)
        starts = [0, *bounds[:-1].tolist()]
        paragraphs = [
            Paragraph(" ".join(tokens[start:end]), tuple(found[i].items()))
            for i, (start, end) in enumerate(zip(starts, bounds.tolist(), strict=True))
        ]
        return paragraphs, cast[0][0]

    def _title(self, rng: np.random.Generator, main: Actor) -> tuple[str, tuple[tuple[Actor, int], ...]]:
        size = int(np.clip(np.rint(rng.lognormal(TITLE_MU, TITLE_SIGMA)), 3, 25))
        words = self.vocab.draw(rng, size)
        named: tuple[tuple[Actor, int], ...] = ()
        if rng.random() < TITLE_NAMES_ACTOR:
            words[int(rng.integers(0, size))] = main.short
            named = ((main, 1),)
        words[0] = words[0][:1].upper() + words[0][1:]
        return " ".join(words), named


def _zipf_cdf(size: int, exponent: float) -> np.ndarray:
    weights = 1.0 / np.arange(1, size + 1, dtype=np.float64) ** exponent
    cdf = np.cumsum(weights)
    return cdf / cdf[-1]


def _date(rng: np.random.Generator, source_day: dt.date | None) -> tuple[str, dt.date | None]:
    """(the date as written, the date the importer reads from it). A copy follows its source by 0-3 days."""
    draw = rng.random()
    span = (LAST_DAY - FIRST_DAY).days
    if source_day is not None:
        day = min(source_day + dt.timedelta(days=int(rng.integers(0, MAX_COPY_DELAY_DAYS + 1))), LAST_DAY)
    else:
        day = FIRST_DAY + dt.timedelta(days=int(rng.integers(0, span + 1)))
    if draw < UNDATED_SHARE:
        return "", None
    if draw < UNDATED_SHARE + BAD_DATE_SHARE:
        kind = int(rng.integers(0, 4))
        if kind == 0:
            return f"0001-{day.month:02d}-{day.day:02d}", None  # before 1900: dropped
        if kind == 1:
            return f"2050-{day.month:02d}-{day.day:02d}", None  # in the future: dropped
        if kind == 2:
            return f"{day.year}-02-30", None  # not a real date: dropped
        return f"{day.month}/{day.day}/{day.year % 100:02d}", day  # M/D/YY: read as written
    return day.isoformat(), day


def _authors(rng: np.random.Generator, outlet_rank: int) -> tuple[str, ...]:
    """Bylines from the outlet's own staff, a few writers doing most of the work."""
    count = int(np.searchsorted(np.cumsum(AUTHOR_COUNT_SHARES), rng.random(), side="right"))
    ranks = lomax_ranks(rng, count, AUTHOR_Q, AUTHOR_ALPHA) % AUTHORS_PER_OUTLET
    names = [person_name(outlet_rank * AUTHORS_PER_OUTLET + int(r), AUTHOR_SALT) for r in ranks.tolist()]
    return tuple(dict.fromkeys(names))


def _article_actors(rng: np.random.Generator, paragraphs: int) -> list[tuple[Actor, int]]:
    """Distinct actors of an article, the main one first, with how often each is named."""
    wanted = min(1 + int(rng.poisson(ACTORS_PER_PARAGRAPH * paragraphs)), MAX_ACTORS)
    ranks = lomax_ranks(rng, wanted * 2, ACTOR_Q, ACTOR_ALPHA).tolist()
    chosen = list(dict.fromkeys(actor(r) for r in ranks))[:wanted]
    counts = [2 + int(rng.poisson(2.0)) if i == 0 else 1 + int(rng.poisson(0.4)) for i in range(len(chosen))]
    return list(zip(chosen, counts, strict=True))


def _place_mentions(rng: np.random.Generator, tokens: list[str], cast: list[tuple[Actor, int]]) -> tuple[list[int], list[Actor]]:
    """Write the actors' names over random tokens, in full the first time and in short after.
    Returns the positions written, in order, and who is named at each."""
    slots = [found for found, count in cast for _ in range(count)][: len(tokens)]
    positions = np.sort(rng.choice(len(tokens), size=len(slots), replace=False)).tolist()
    named = [slots[i] for i in rng.permutation(len(slots)).tolist()]
    said = (rng.random(len(slots)) < SAID_SHARE).tolist()
    seen: set[Actor] = set()
    for position, who, with_said in zip(positions, named, said, strict=True):
        name = who.short if who in seen else who.name
        seen.add(who)
        punctuation = "," if tokens[position].endswith(",") else ""
        tokens[position] = f"{name} said{punctuation}" if with_said else f"{name}{punctuation}"
    return positions, named


def _sprinkle_numbers(rng: np.random.Generator, tokens: list[str]) -> None:
    for position in np.flatnonzero(rng.random(len(tokens)) < NUMBER_SHARE).tolist():
        kind = rng.random()
        if kind < 0.4:
            tokens[position] = str(int(rng.integers(1, 100)))
        elif kind < 0.6:
            tokens[position] = str(int(rng.integers(1990, 2021)))
        elif kind < 0.8:
            tokens[position] = f"{int(rng.lognormal(8, 2)):,}"
        else:
            tokens[position] = f"{rng.uniform(0, 100):.1f}%"


def _end_sentences(rng: np.random.Generator, tokens: list[str], bounds: np.ndarray) -> None:
    """Cut each paragraph (tokens up to each bound) into sentences: capitalised first word, full
    stop at the end; a sentence never leaves fewer than 4 words for the next one."""
    lengths = np.maximum(3, rng.lognormal(SENTENCE_MU, SENTENCE_SIGMA, len(tokens) // 3 + len(bounds))).astype(np.int64).tolist()
    taken = 0
    start = 0
    for stop in bounds.tolist():
        while start < stop:
            end = start + lengths[taken]
            taken += 1
            if stop - end < 4:
                end = stop
            first = tokens[start]
            tokens[start] = first[:1].upper() + first[1:]
            tokens[end - 1] = tokens[end - 1].rstrip(",") + "."
            start = end


def _edited(rng: np.random.Generator, paragraph: Paragraph, vocab: Vocabulary) -> Paragraph:
    """A light edit, as copy desks make: one lowercase word changed, or an attribution put in front.
    Names are never touched, so the paragraph's mentions stay as they were."""
    words = paragraph.text.split(" ")
    plain = [i for i, w in enumerate(words) if w.isalpha() and w.islower()]
    if plain and rng.random() < 0.5:
        words[plain[int(rng.integers(0, len(plain)))]] = vocab.draw(rng, 1)[0]
        return Paragraph(" ".join(words), paragraph.mentions)
    return Paragraph(f"{ATTRIBUTIONS[int(rng.integers(0, len(ATTRIBUTIONS)))]} {paragraph.text}", paragraph.mentions)


# --- public entry points ----------------------------------------------------------------------------


def articles(n: int, seed: int = 0) -> Iterator[SyntheticArticle]:
    """The first `n` articles of the corpus for `seed`, streamed."""
    corpus = SyntheticCorpus(seed)
    for index in range(n):
        yield corpus.article(index)


def generate(n: int, seed: int = 0) -> Iterator[dict[str, str]]:
    """The first `n` records (AllSides JSONL shape) of the corpus for `seed`, streamed."""
    for made in articles(n, seed):
        yield made.record()


def write_jsonl(n: int, path: Path, seed: int = 0) -> None:
    """Write `n` records as JSONL, gzip-compressed when the name ends in .gz (byte-identical on reruns)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as raw:
        binary = gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=6, mtime=0) if path.suffix == ".gz" else raw
        with io.TextIOWrapper(binary, encoding="utf-8", newline="\n") as fh:
            for record in generate(n, seed):
                fh.write(json.dumps(record, ensure_ascii=False) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    write = commands.add_parser("write", help="write N records as JSONL (.gz to compress)")
    write.add_argument("n", type=int)
    write.add_argument("out", type=Path)
    write.add_argument("--seed", type=int, default=0)
    vocab = commands.add_parser("vocab", help=f"rebuild {VOCAB_PATH.name} from sample2000")
    vocab.add_argument("--sample", type=Path, default=SAMPLE)
    args = parser.parse_args(argv)
    if args.command == "vocab":
        print(f"{build_vocabulary(args.sample)} words written to {VOCAB_PATH}")
        return 0
    if args.n < 0:
        parser.error("n must be at least 0")
    write_jsonl(args.n, args.out, args.seed)
    print(f"{args.n} records written to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
