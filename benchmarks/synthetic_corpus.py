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
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np

HERE = Path(__file__).resolve().parent
VOCAB_PATH = HERE / "synthetic_vocab.txt"
SAMPLE = HERE.parent.parent / "shared" / "corpora" / "allsides" / "sample2000.jsonl"

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
TAIL_SHARE, TAIL_ALPHA, TAIL_START = 0.005, 1.05, 20_000
MAX_RANK = 10**9  # pseudo-word and actor ranks beyond this fold back into [10**6, 10**9)

FIRST_DAY, LAST_DAY = dt.date(2011, 1, 1), dt.date(2020, 12, 31)
UNDATED_SHARE, BAD_DATE_SHARE = 0.115, 0.002
AUTHOR_COUNT_SHARES = (0.26, 0.52, 0.14, 0.06, 0.02)  # 0, 1, 2, 3, 4 authors

OUTLETS, OUTLET_ZIPF = 400, 1.0
ACTORS_PER_PARAGRAPH = 0.35
MAX_ACTORS = 40
ACTOR_Q, ACTOR_ALPHA = 30.0, 0.5  # Lomax: P(rank > x) = (1 + x/q)^-alpha
AUTHOR_Q, AUTHOR_ALPHA, AUTHORS_PER_OUTLET = 5.0, 0.8, 100_000
# Offsets of the name scramble: actors, authors, outlets and pseudo-words each get their own, so
# index 0 is not "Baba" everywhere and an author is not named like the actor of the same index.
ACTOR_SALT, AUTHOR_SALT, OUTLET_SALT, WORD_SALT = 7_777_777, 3_333_333, 5_555_555, 9_999_999
TITLE_NAMES_ACTOR = 0.6
SAID_SHARE = 0.3  # mentions written "Kovarelli said"

COPY_WINDOW = 2_000  # a copy's source is one of the articles just before it
REPRINT_SHARE, PARTIAL_COPY_SHARE = 0.02, 0.10
EDIT_SHARE, REPRINT_EDIT_SHARE = 0.5, 0.2
MAX_COPY_DELAY_DAYS = 3
CACHE_SIZE = 2 * COPY_WINDOW + 64  # articles kept to be copied from: covers the window when streaming

# --- the world: names as functions of a rank ----------------------------------------------------

FIRST_NAMES = (
    "James Mary John Patricia Robert Jennifer Michael Linda William Elizabeth David Barbara Richard "
    "Susan Joseph Jessica Thomas Sarah Charles Karen Daniel Nancy Matthew Lisa Anthony Betty Mark "
    "Margaret Steven Sandra Paul Ashley Andrew Kimberly Joshua Emily Kevin Donna Brian Michelle George "
    "Carol Timothy Amanda Ronald Melissa Jason Deborah Edward Stephanie Ryan Rebecca Jacob Laura Gary "
    "Sharon Nicholas Cynthia Eric Kathleen Jonathan Amy Larry Angela Justin Anna Scott Ruth Brandon "
    "Maria Samuel Olga Carlos Sofia Ahmed Fatima Wei Mei Hiroshi Yuki Ivan Elena Pierre Claire Hans "
    "Ingrid Luis Carmen Raj Priya Kwame Amara Omar Leila Dmitri Natalia Marco Giulia Sean Siobhan Lars "
    "Astrid Mateo Lucia Tomasz Agnieszka Kenji Aiko"
).split()
_ONSETS = "b c d f g h j k l m n p r s t v w z br ch dr gr kr sh st tr bl pr sl fr".split()
SYLLABLES = tuple(onset + vowel for onset in _ONSETS for vowel in "aeiou")
SURNAME_ENDINGS = (
    "son sen ez ov ski er ani elli berg ton ley man ard ic ner ford well ado ini owski ing stein ovic field more ston"
).split()
ORG_SUFFIXES = (
    "Group Institute Party Foundation Bank Union Council Agency Corporation Network Holdings Partners "
    "Alliance Federation Coalition University Fund Commission Airlines Energy Motors Industries Systems Labs"
).split()
PLACE_ENDINGS = "ia stan land burg grad ville port ford ton mouth dale polis abad pur field haven".split()
PLACE_PREFIXES = ("", "", "", "", "New ", "Port ", "San ", "North ", "South ", "Lake ")
OUTLET_TEMPLATES = (
    "The {place} Herald", "{stem} News", "{place} Daily", "The {stem} Post", "{place} Times", "{stem} Wire",
    "{place} Public Radio", "{stem} Online", "The {place} Tribune", "{stem} Report", "{place} Gazette",
    "{stem} Review", "{stem} Today", "{place} Chronicle",
)  # fmt: skip
ATTRIBUTIONS = ("Officials said:", "In a statement:", "According to the report:", "Sources said:", "Update:")

ActorKind = Literal["person", "org", "place"]


_S = len(SYLLABLES)
SCRAMBLE = 1_000_003  # a prime, so coprime to every block size below (products of 2, 3, 5, 13)


def stem(number: int) -> str:
    """`number` written in syllables (base 150): distinct numbers, distinct stems."""
    parts = [SYLLABLES[number % _S]]
    while number := number // _S:
        parts.append(SYLLABLES[number % _S])
    return "".join(parts)


def name_digits(index: int, radices: tuple[int, ...], salt: int) -> tuple[list[int], str]:
    """Mixed-radix digits of `index`, scrambled within a block so neighbouring ranks get unrelated
    names (rank 1 and rank 2 must not both be "Bason"), plus syllables for what overflows the block.
    A bijection: distinct indices give distinct (digits, overflow)."""
    block = math.prod(radices)
    overflow, rest = divmod(index, block)
    rest = (rest * SCRAMBLE + salt) % block
    digits = []
    for radix in radices:
        rest, digit = divmod(rest, radix)
        digits.append(digit)
    return digits, stem(overflow - 1) if overflow else ""


def person_name(index: int, salt: int) -> str:
    """A real first name and a made-up surname of two syllables and an ending: "Joshua Kabison"."""
    (first, ending, a, b), extra = name_digits(index, (len(FIRST_NAMES), len(SURNAME_ENDINGS), _S, _S), salt)
    return f"{FIRST_NAMES[first]} {(extra + SYLLABLES[a] + SYLLABLES[b]).capitalize()}{SURNAME_ENDINGS[ending]}"


def org_name(index: int, salt: int) -> str:
    (suffix, a, b), extra = name_digits(index, (len(ORG_SUFFIXES), _S, _S), salt)
    return f"{(extra + SYLLABLES[a] + SYLLABLES[b]).capitalize()} {ORG_SUFFIXES[suffix]}"


def place_name(index: int, salt: int) -> str:
    (prefix, ending, a, b), extra = name_digits(index, (len(PLACE_PREFIXES), len(PLACE_ENDINGS), _S, _S), salt)
    return f"{PLACE_PREFIXES[prefix]}{(extra + SYLLABLES[a] + SYLLABLES[b]).capitalize()}{PLACE_ENDINGS[ending]}"


def pseudo_word(rank: int) -> str:
    """A made-up lowercase word of three syllables (more for the rarest) for a rank past the word list."""
    (a, b, c), extra = name_digits(rank - TAIL_START, (_S, _S, _S), WORD_SALT)
    return extra + SYLLABLES[a] + SYLLABLES[b] + SYLLABLES[c]


@dataclass(frozen=True)
class Actor:
    name: str
    kind: ActorKind

    @property
    def short(self) -> str:
        """How later mentions name it: a person by surname, anything else in full."""
        return self.name.rsplit(" ", 1)[1] if self.kind == "person" else self.name


@lru_cache(maxsize=200_000)
def actor(rank: int) -> Actor:
    """Half of the ranks are people, three tenths organisations, a fifth places (the head mixes all three)."""
    tens, digit = divmod(rank, 10)
    if digit < 5:
        return Actor(person_name(tens * 5 + digit, ACTOR_SALT), "person")
    if digit < 8:
        return Actor(org_name(tens * 3 + digit - 5, ACTOR_SALT), "org")
    return Actor(place_name(tens * 2 + digit - 8, ACTOR_SALT), "place")


@dataclass(frozen=True)
class Outlet:
    name: str
    domain: str


@lru_cache(maxsize=OUTLETS)
def outlet(rank: int) -> Outlet:
    """Outlet of a rank: a template ("The {place} Herald") and a made-up name, both from the rank."""
    (a, b), extra = name_digits(rank, (_S, _S), OUTLET_SALT)
    word = (extra + SYLLABLES[a] + SYLLABLES[b]).capitalize()
    template = OUTLET_TEMPLATES[rank % len(OUTLET_TEMPLATES)]
    name = template.format(place=place_name(rank, OUTLET_SALT), stem=word)
    domain = re.sub(r"[^a-z0-9]", "", name.lower().removeprefix("the ")) + ".com"
    return Outlet(name, domain)


# --- vocabulary ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Vocabulary:
    words: np.ndarray  # of str objects: fancy indexing picks thousands of words in one call
    cdf: np.ndarray  # cumulative shares, for inverse-transform sampling in one vectorised call

    @classmethod
    def load(cls, path: Path = VOCAB_PATH) -> Vocabulary:
        words: list[str] = []
        counts: list[int] = []
        for line in path.read_text(encoding="utf-8").splitlines():
            if line and not line.startswith("#"):
                word, count = line.split("\t")
                words.append(word)
                counts.append(int(count))
        cdf = np.cumsum(np.array(counts, dtype=np.float64))
        return cls(np.array(words, dtype=object), cdf / cdf[-1])

    def draw(self, rng: np.random.Generator, size: int) -> list[str]:
        """`size` words: listed words by their counts, a few pseudo-words from the tail."""
        index = np.searchsorted(self.cdf, rng.random(size), side="right")
        index = np.minimum(index, len(self.words) - 1)  # guards the float edge at u ~ 1
        tokens: list[str] = self.words[index].tolist()
        tail = np.flatnonzero(rng.random(size) < TAIL_SHARE)
        if tail.size:
            ranks = pareto_ranks(rng, tail.size, TAIL_START, TAIL_ALPHA)
            for position, rank in zip(tail.tolist(), ranks.tolist(), strict=True):
                tokens[position] = pseudo_word(rank)
        return tokens


def pareto_ranks(rng: np.random.Generator, size: int, start: float, alpha: float) -> np.ndarray:
    """Ranks >= start with P(rank > x) = (x/start)^-alpha, folded below MAX_RANK without a spike at the cap."""
    ranks = np.floor(start * (1.0 - rng.random(size)) ** (-1.0 / alpha))
    return fold_rank(ranks)


def lomax_ranks(rng: np.random.Generator, size: int, q: float, alpha: float) -> np.ndarray:
    """Ranks >= 1 with P(rank > x) = (1 + x/q)^-alpha: Zipf-Mandelbrot, a flattened head and a long tail."""
    ranks = np.floor(q * ((1.0 - rng.random(size)) ** (-1.0 / alpha) - 1.0)) + 1
    return fold_rank(ranks)


def fold_rank(ranks: np.ndarray) -> np.ndarray:
    """Ranks past MAX_RANK (rare, but the tails are unbounded) spread over [10**6, MAX_RANK): clipping
    would pile them onto one value, which would then look like a frequent word or actor."""
    big = ranks >= MAX_RANK
    ranks = np.where(big, 10**6 + np.mod(ranks, MAX_RANK - 10**6), ranks)
    return ranks.astype(np.int64)


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    return Vocabulary.load()


def build_vocabulary(sample: Path = SAMPLE, out: Path = VOCAB_PATH, min_count: int = 2, min_lower: float = 0.2) -> int:
    """Write the word list from sample2000: words seen at least `min_count` times and written in
    lower case at least `min_lower` of the time, most frequent first. Returns its size.

    The share keeps names out ("Trump", "Obama": never lower case) but common words that news
    often capitalises in (the roles and institutions, "president" 49 %, "committee" 32 %, "white" 23 %)."""
    token = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)*")
    lower: Counter[str] = Counter()
    total: Counter[str] = Counter()
    with sample.open(encoding="utf-8") as fh:
        for line in fh:
            for word in token.findall(json.loads(line)["content_original"]):
                word = word.replace("’", "'")
                total[word.lower()] += 1
                if word.islower():
                    lower[word] += 1
    kept = sorted(((w, c) for w, c in total.items() if c >= min_count and lower[w] >= min_lower * c), key=lambda x: (-x[1], x[0]))
    header = (
        f"# words of {sample.name} seen >= {min_count} times, >= {min_lower:.0%} of them in lower case, "
        "with their counts (benchmarks/synthetic_corpus.py vocab)\n"
    )
    out.write_text(header + "".join(f"{w}\t{c}\n" for w, c in kept), encoding="utf-8")
    return len(kept)


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
