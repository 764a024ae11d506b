"""Where a query's words are in a text, as the index analyses it: the spans the pages mark.

Analysing whole texts with Whoosh's analyzer (a Python generator per token, and the Porter
stemmer on every word) was half the time of a search page. Here the text is split with the
analyzer's own token pattern, stop words are dropped by the same rules (folded, lower case, at
least 2 letters, not in the stop list), and only the tokens that can be a match go through the
analyzer: a match's folded, lower-case form contains its stem minus the last letter (the
stemmer only rewrites endings: "happi" <- "happy"). Paragraphs without any such piece (for a
phrase: without every word's piece) are skipped whole. The tests compare the spans with those of
a full analysis on real articles.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from whoosh.support.charset import accent_map

from search.index.analysis import NEWS_STOP_WORDS, TOKEN_PATTERN

Span = tuple[int, int]
_TOKEN = re.compile(TOKEN_PATTERN)
_MIN_SIZE = 2  # StopFilter(minsize=2)
# Folding keeps every character's place (accent_map maps one character to one, and lower()
# does too) except for "İ", whose lower case is two characters.
_SHIFTS_PLACES = "\u0130"
# accent_map's ASCII entries fold upper-case letters (and map a few lower-case ones to themselves),
# which lower() has already done: only the runs of other characters are translated (str.translate with a dict looks every character up,
# three times slower on news text, where a paragraph in three has a curly quote or a dash).
_NOT_ASCII = re.compile(r"[^\x00-\x7f]+")


def _fold_run(match: re.Match[str]) -> str:
    return match.group().translate(accent_map)


def fold(text: str) -> str:
    """A token or text as the analyzer's filters see it before stemming: "U.S." -> "us"."""
    return fold_keeping_dots(text.replace(".", ""))


def fold_keeping_dots(text: str) -> str:
    """Lower case and accents folded, every character in its place ("U.S." -> "u.s.")."""
    lowered = text.lower()
    return lowered if lowered.isascii() else _NOT_ASCII.sub(_fold_run, lowered)


def _needles(words: Iterable[str]) -> list[str]:
    """The shortest pieces that any text holding one of these analysed words contains."""
    pieces = sorted({word[:-1] if len(word) > 2 else word for word in words}, key=len)
    needles: list[str] = []
    for piece in pieces:  # "elect" makes "electr", "electo", ... (a wildcard's words) redundant
        if piece and not any(kept in piece for kept in needles):
            needles.append(piece)
    return needles


def _finder(words: Iterable[str]) -> Callable[[str], object] | None:
    needles = _needles(words)
    return re.compile("|".join(map(re.escape, needles))).search if needles else None


def _dotted_finder(words: Iterable[str]) -> re.Pattern[str] | None:
    """The needles in folded text that still has its dots ("u.s." holds the needle of "us")."""
    needles = _needles(words)
    if not needles:
        return None
    return re.compile("|".join(r"\.?".join(map(re.escape, needle)) for needle in needles))


def _in_word(char: str) -> bool:
    """Characters a token can hold: word characters (as the regex \\w) and dots."""
    return char.isalnum() or char in "_."


class Highlighter:
    """Spans of `singles` (analysed words) and of `phrases` (analysed words in a row)."""

    stop_words: frozenset[str] = NEWS_STOP_WORDS  # tokens the index leaves out (an engine may keep all)
    min_size = _MIN_SIZE

    def __init__(self, singles: set[str], phrases: set[tuple[str, ...]], analyzer: Callable[..., Iterable]) -> None:
        self.singles = singles
        self.phrases = sorted({phrase for phrase in phrases if phrase})
        self.analyzer = analyzer
        self._candidate = _finder(singles | {word for phrase in self.phrases for word in phrase})
        self._any_single = _finder(singles)
        self._single_places = _dotted_finder(singles)
        self._phrase_words = [[_finder([word]) for word in phrase] for phrase in self.phrases]
        self._phrase_starts = [_dotted_finder(phrase[:1]) for phrase in self.phrases]
        self._stems: dict[str, str | None] = {}

    def __call__(self, text: str) -> list[Span]:
        if self._candidate is None:
            return []
        spans: list[Span] = []
        base = 0
        for paragraph in text.split("\n\n"):
            folded = fold(paragraph)
            phrases = [i for i, words in enumerate(self._phrase_words) if all(find is None or find(folded) for find in words)]
            singles = self._single_may_match(folded)
            if _SHIFTS_PLACES in paragraph:
                if phrases or singles:
                    spans.extend(self._paragraph_spans(paragraph, base))
            else:
                if singles:
                    spans.extend(self._single_spans(paragraph, base))
                for index in phrases:
                    spans.extend(self._phrase_spans(paragraph, base, index))
            base += len(paragraph) + 2
        return sorted(set(spans))

    def _phrase_spans(self, paragraph: str, base: int, index: int) -> list[Span]:
        """One phrase: from each place its first word's needle occurs, the token there and the
        next words (stop words skipped, as the index skips them) are compared with the phrase."""
        words = self.phrases[index]
        starts = self._phrase_starts[index]
        if starts is None:
            return []
        folded = fold_keeping_dots(paragraph)  # positions equal the paragraph's
        spans: list[Span] = []
        for place in starts.finditer(folded):
            start = place.start()
            while start > 0 and _in_word(paragraph[start - 1]):
                start -= 1
            matched: list[tuple[int, int]] = []
            for token in _TOKEN.finditer(paragraph, start):
                if not matched and token.end() <= place.start():
                    continue  # before the place, in the same run of word characters
                if not matched and token.start() >= place.end():
                    break  # the needle is not inside a token
                raw = token.group()
                folded_token = fold(raw)
                if len(folded_token) < self.min_size or folded_token in self.stop_words:
                    if not matched:
                        break
                    continue
                if self._stem(raw, folded_token) != words[len(matched)]:
                    break
                matched.append((token.start(), token.end()))
                if len(matched) == len(words):
                    spans.append((base + matched[0][0], base + matched[-1][1]))
                    break
        return spans

    def _single_may_match(self, folded: str) -> bool:
        return self._any_single is not None and bool(self._any_single(folded))

    def _phrase_may_match(self, folded: str) -> bool:
        return any(all(find is None or find(folded) for find in words) for words in self._phrase_words)

    def _single_spans(self, paragraph: str, base: int) -> list[Span]:
        """Single words only: the tokenizer runs only around the places where a needle is, from
        the start of the run of word characters holding it (a token never spans anything else,
        so tokens found from there are the tokens of the whole paragraph)."""
        places = self._single_places
        assert places is not None
        folded = fold_keeping_dots(paragraph)  # positions equal the paragraph's
        spans: list[Span] = []
        done = 0  # tokens before this position have been looked at
        for place in places.finditer(folded):
            if place.start() < done:
                continue
            start = place.start()
            while start > done and _in_word(paragraph[start - 1]):
                start -= 1
            for token in _TOKEN.finditer(paragraph, start):
                if token.start() >= place.end():
                    break
                done = token.end()
                raw = token.group()
                folded_token = fold(raw)
                if len(folded_token) < self.min_size or folded_token in self.stop_words:
                    continue
                if self._stem(raw, folded_token) in self.singles:
                    spans.append((base + token.start(), base + token.end()))
        return spans

    def _stem(self, raw: str, folded: str) -> str | None:
        if folded not in self._stems:
            self._stems[folded] = next((token.text for token in self.analyzer(raw)), None)
        return self._stems[folded]

    def _paragraph_spans(self, paragraph: str, base: int) -> list[Span]:
        candidate = self._candidate
        assert candidate is not None
        tokens: list[tuple[str | None, int, int]] = []  # the analysed words in order; None: no match possible
        for found in _TOKEN.finditer(paragraph):
            raw = found.group()
            folded = fold(raw)
            if len(folded) < self.min_size or folded in self.stop_words:
                continue
            word = self._stem(raw, folded) if candidate(folded) else None
            tokens.append((word, base + found.start(), base + found.end()))
        spans = [(start, end) for word, start, end in tokens if word is not None and word in self.singles]
        for words in self.phrases:
            size = len(words)
            for index in range(len(tokens) - size + 1):
                if all(tokens[index + k][0] == words[k] for k in range(size)):
                    spans.append((tokens[index][1], tokens[index + size - 1][2]))
        return spans
