"""Tidy a query before parsing: curly quotes, unbalanced quotes and brackets, empty fields.

Whoosh's parser never refuses a query; it silently reads broken input in surprising ways.
These checks say what was wrong and what was searched instead.
"""

from __future__ import annotations

import re

MAX_QUERY_CHARS = 1000
_CURLY = str.maketrans({"“": '"', "”": '"', "„": '"', "‟": '"', "″": '"', "«": '"', "»": '"', "‘": "'", "’": "'", "‚": "'", "‛": "'"})
_EMPTY_FIELD = re.compile(r"\b(\w+):(?=\s|$|\))")
_OPERATORS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"}
_ONLY_WILDCARDS = re.compile(r"^[\s*?]+$")
_WORD = re.compile(r"\w")


def tidy_query(text: str) -> tuple[str, list[str]]:
    """Return (query to run, messages for the user). An empty result query means 'everything'."""
    messages: list[str] = []
    text = (text or "").translate(_CURLY).replace("\x00", "")
    if len(text) > MAX_QUERY_CHARS:
        text = text[:MAX_QUERY_CHARS]
        messages.append(f"The query was longer than {MAX_QUERY_CHARS} characters; only the start was searched.")
    text = " ".join(text.split())
    if not text:
        return "", messages

    if text.count('"') % 2:
        last = text.rfind('"')
        text = text[:last] + text[last + 1 :]
        messages.append('A quote was not closed, so the words after it were searched without the quote.')

    depth = 0
    kept = []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            if depth == 0:
                continue
            depth -= 1
        kept.append(ch)
    if depth or len(kept) != len(text):
        messages.append("Brackets did not match, so the unmatched ones were ignored.")
        text = "".join(kept)
        text = text + ")" * depth if depth else text

    for name in _EMPTY_FIELD.findall(text):
        messages.append(f"'{name}:' needs something after it, e.g. {name}:chechnya; it was ignored.")
    text = _EMPTY_FIELD.sub("", text).strip()

    words = [w for w in re.split(r"[\s()]+", text) if w]
    if words and all(w in _OPERATORS for w in words):
        messages.append(f"'{text}' has only operators and no words to search for: showing all articles.")
        return "", messages
    if _ONLY_WILDCARDS.match(text):
        messages.append("A query of only wildcards matches everything: showing all articles.")
        return "", messages
    if text and not _WORD.search(text):
        messages.append("The query has no letters or digits to search for: showing all articles.")
        return "", messages
    return text, messages
