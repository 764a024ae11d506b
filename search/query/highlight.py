"""Turn matched character spans into escaped HTML with <mark>: whole texts or a snippet."""

from __future__ import annotations

import re
from html import escape

SNIPPET_CHARS = 260
# Marks separated only by spaces, punctuation or short function words become one mark,
# so a matched phrase reads as one unit.
_JOINABLE_GAP = re.compile(r"^[\s\W]*(?:(?:of|the|in|a|an|to|and|on|at|for|by|with)[\s\W]+)?$", re.IGNORECASE)


def merge_spans(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and (start <= merged[-1][1] or _JOINABLE_GAP.match(text[merged[-1][1] : start])):
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def mark(text: str, spans: list[tuple[int, int]], start: int = 0, end: int | None = None) -> str:
    """Escaped text[start:end] with the spans inside it wrapped in <mark>."""
    end = len(text) if end is None else end
    out: list[str] = []
    cursor = start
    for s, e in merge_spans(text, spans):
        if e <= start or s >= end:
            continue
        s, e = max(s, start), min(e, end)
        out.append(escape(text[cursor:s]))
        out.append(f"<mark>{escape(text[s:e])}</mark>")
        cursor = e
    out.append(escape(text[cursor:end]))
    return "".join(out)


def snippet(text: str, spans: list[tuple[int, int]], size: int = SNIPPET_CHARS) -> str:
    """The window of `size` characters holding the most matches, with ellipses where cut."""
    if not text:
        return ""
    spans = merge_spans(text, spans)
    best_start = 0
    if spans:
        best_count = -1
        for index, (s, _) in enumerate(spans):
            count = sum(1 for s2, e2 in spans[index:] if e2 <= s + size)
            if count > best_count:
                best_count, best_start = count, s
        best_start = max(0, best_start - size // 4)
        space = text.rfind(" ", 0, best_start + 1)
        best_start = space + 1 if best_start and space >= 0 else best_start
    end = min(len(text), best_start + size)
    if end < len(text):
        space = text.rfind(" ", best_start, end)
        end = space if space > best_start else end
    prefix = "… " if best_start > 0 else ""
    suffix = " …" if end < len(text) else ""
    return prefix + mark(text, spans, best_start, end) + suffix
