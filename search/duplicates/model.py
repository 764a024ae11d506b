"""The plain data the duplicate detector takes and returns (the contract with the database layer)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Para:
    """One clean paragraph of an article."""

    article: int  # article id
    paragraph: int  # paragraph id (unique across the corpus)
    text: str


@dataclass(frozen=True, order=True)
class Span:
    """A passage inside a paragraph: character offsets into `Para.text`, end exclusive."""

    article: int
    paragraph: int
    start: int
    end: int


@dataclass
class PassageGroup:
    """One passage and every occurrence of it.

    `members[0]` is the representative (the occurrence in the lowest article id); each member
    carries its similarity to it, 1.0 for copies that are identical after normalisation.
    """

    members: list[tuple[Span, float]] = field(default_factory=list)
    exact: bool = False  # all members identical after normalisation

    @property
    def articles(self) -> set[int]:
        return {span.article for span, _ in self.members}


@dataclass(frozen=True)
class Settings:
    """Tuning knobs of `find_groups`; the defaults are the ones the issue asks for."""

    min_chars: int = 50  # a passage counts from about this many characters ...
    min_words: int = 8  # ... and this many words, in every occurrence
    max_articles: int = 50  # shingles (and exact paragraphs) in more articles are boilerplate
    max_gap: int = 5  # words of rewording/insertion bridged inside one passage
    min_overlap: float = 0.5  # two occurrences in one paragraph are the same text when they
    # overlap by min_words words and by this share of the longer one
    max_occurrences_per_article: int = 4  # a shingle occurring more often than
    # max_articles * this in the whole index is ignored too (keeps pair generation bounded)
    # A quotation of min_words words counts under min_chars ("I just want to wish my successor all
    # the best"): passages that are long enough in words but not in characters are kept when this
    # says, for both sides, that they are quoted. It gets (paragraph id, start, end) character
    # spans and answers one bool each; the database layer looks the paragraphs' texts up.
    is_quote: Callable[[list[tuple[int, int, int]]], list[bool]] | None = field(default=None, compare=False)
