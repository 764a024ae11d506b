"""The world of the synthetic corpus (benchmarks/synthetic_corpus.py, whose docstring gives the
measurements behind it): outlet, actor, author and pseudo-word names as functions of a rank, and the
word list tokens are drawn from. Nothing here depends on the seed: the seed picks a sample of it."""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np

TAIL_SHARE, TAIL_ALPHA, TAIL_START = 0.005, 1.05, 20_000
MAX_RANK = 10**9  # pseudo-word and actor ranks beyond this fold back into [10**6, 10**9)
OUTLETS, OUTLET_ZIPF = 400, 1.0
# Offsets of the name scramble: actors, authors, outlets and pseudo-words each get their own, so
# index 0 is not "Baba" everywhere and an author is not named like the actor of the same index.
ACTOR_SALT, AUTHOR_SALT, OUTLET_SALT, WORD_SALT = 7_777_777, 3_333_333, 5_555_555, 9_999_999
HERE = Path(__file__).resolve().parent
VOCAB_PATH = HERE / "synthetic_vocab.txt"
SAMPLE = HERE.parent.parent / "shared" / "corpora" / "allsides" / "sample2000.jsonl"

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
