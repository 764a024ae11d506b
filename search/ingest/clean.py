"""Text normalisation and paragraph splitting."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\ufeff]")
_BLANK_LINES = re.compile(r"\n\s*\n")
# A line that ends a sentence (or a quote, or a heading with a colon).
_ENDS_SENTENCE = re.compile(r"[.!?:;\"'”’)\]…]\s*$")
MIN_WRAPPED_LINE_CHARS = 50  # shorter lines are not hard-wrapped prose


def normalize_text(text: str) -> str:
    """NFC, non-breaking and odd spaces to plain spaces, no control characters, \\n line ends."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n")
    text = _CONTROLS.sub("", text)
    return "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n"))


def split_paragraphs(text: str) -> list[str]:
    """Blank lines separate paragraphs.

    Inside a block, a long line that does not end a sentence is joined to the next (hard-wrapped
    prose is rejoined); every other line ends a paragraph, so one-sentence-per-line layouts keep
    their sentences apart and short lines (bylines, datelines, captions) stand alone.
    """
    paragraphs: list[str] = []
    for block in _BLANK_LINES.split(normalize_text(text)):
        lines = [line for line in block.split("\n") if line]
        current: list[str] = []
        for line in lines:
            current.append(line)
            if len(line) < MIN_WRAPPED_LINE_CHARS or _ENDS_SENTENCE.search(line):
                paragraphs.append(" ".join(current))
                current = []
        if current:
            paragraphs.append(" ".join(current))
    return [p for p in paragraphs if p]


_PUNCT = re.compile(r"[^\w\s]")
_QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "‛": "'", "“": '"', "”": '"', "„": '"', "‟": '"'})


def match_key(paragraph: str) -> str:
    """The form paragraphs are compared in: NFKC, casefolded, quotes unified, no punctuation."""
    text = unicodedata.normalize("NFKC", paragraph).translate(_QUOTES).casefold()
    return " ".join(_PUNCT.sub(" ", text).split())


def paragraph_hash(paragraph: str) -> str:
    return hashlib.blake2b(match_key(paragraph).encode(), digest_size=8).hexdigest()


_CREDIT = re.compile(r"^\s*\([^()]{1,40}\)\s*$")


def drop_repeats(paragraphs: list[str], title: str = "") -> list[str]:
    """Keep the first of repeated paragraphs; drop paragraphs that only repeat the headline,
    and an image caption printed twice ("Protesters" then "Protesters (PA)")."""
    seen = {match_key(title)} if title else set()
    kept = []
    for index, paragraph in enumerate(paragraphs):
        key = match_key(paragraph)
        following = paragraphs[index + 1] if index + 1 < len(paragraphs) else ""
        if following.startswith(paragraph) and _CREDIT.match(following[len(paragraph) :]):
            continue
        if key and key not in seen:
            seen.add(key)
            kept.append(paragraph)
    return kept
