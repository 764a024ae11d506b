"""Universal reader prompts: notifications, newsletters, donation appeals, comment forums.

Boilerplate that only one outlet prints is learned from the corpus at import time
(search.store.boilerplate); this module knows what every outlet prints.
"""

from __future__ import annotations

import re

# A short paragraph matching one of these is a prompt to the reader, not news.
MAX_PROMPT_CHARS = 300
_PROMPTS = [
    r"stay up to date with notifications",
    r"notifications can be managed",
    r"(join|read|view|see) (our |the )?(comments?|commenting|comment forum|conversation|discussion)",
    r"join thought-provoking conversations",
    r"\d* ?comments?$",
    r"(show|hide|load|view) (all )?comments",
    r"thank you for registering",
    r"please refresh (the page|your browser)",
    r"(already (a subscriber|registered|have an account))",
    r"(sign|log) ?(up|in)( now| today)? (to|for)\b",
    r"(subscribe|register) (now|today|here|to (our|the))",
    r"(get|receive) (our|the) .{0,40}newsletter",
    r".{0,60}\bnewsletters?\b.{0,60}(sign up|subscribe|inbox)",
    r"want to bookmark your favou?rite articles",
    r"(click|tap) here\b",
    r"(read more|related|recommended|most read|more from)( stories| articles)?:?$",
    r"share (this|on) ",
    r"follow (us|@\w+) on ",
    r"advertisement$",
    r"(support|donate to) (free-thinking|independent|quality|our) journalism",
    r"we('d| would) love to hear (from you|your thoughts)",
    r"this article (was amended|is more than)",
    r"(copyright|©) ?(\d{4}|the )",
    r"all rights reserved",
    r"(image|photo|picture) (credit|copyright|:)",
]
PROMPT = re.compile(r"^\W*(?:" + "|".join(_PROMPTS) + r")", re.IGNORECASE)

# A donation appeal is a block of paragraphs: it opens with one of these...
_APPEAL_START = re.compile(
    r"^\W*(your support (helps|makes|allows)|(please )?(consider )?(making a )?donat(e|ion)|"
    r"support (us|our|independent|quality)|become a (member|subscriber|supporter)|"
    r"we need your (help|support))",
    re.IGNORECASE,
)
# ...and continues while paragraphs talk about money, paywalls or the newsroom itself.
_APPEAL_WORDS = re.compile(
    r"donat|paywall|subscri|your support|support (us|our)|on the ground|journalis|reporters?\b|"
    r"trusted by|afford|membership|contribut|fund(s|ing|ed)? (our|us)",
    re.IGNORECASE,
)
MAX_APPEAL_PARAGRAPHS = 8


def is_prompt(paragraph: str) -> bool:
    return len(paragraph) <= MAX_PROMPT_CHARS and PROMPT.search(paragraph) is not None


def remove_reader_prompts(paragraphs: list[str]) -> tuple[list[str], list[str]]:
    """Split paragraphs into (kept, removed)."""
    kept: list[str] = []
    removed: list[str] = []
    index = 0
    while index < len(paragraphs):
        paragraph = paragraphs[index]
        if _APPEAL_START.search(paragraph) and len(paragraph) <= MAX_PROMPT_CHARS:
            end = index + 1
            while (
                end < len(paragraphs)
                and end - index < MAX_APPEAL_PARAGRAPHS
                and _APPEAL_WORDS.search(paragraphs[end])
            ):
                end += 1
            removed.extend(paragraphs[index:end])
            index = end
            continue
        (removed if is_prompt(paragraph) else kept).append(paragraph)
        index += 1
    return kept, removed
