"""News-text analysis every engine shares: the token pattern, "U.S." read as "US", and the
stop list of the Whoosh engine (news words such as "us" and "may" kept)."""

from __future__ import annotations

from whoosh.analysis import STOP_WORDS, Filter

# "U.S." / "U.S" are one token; otherwise runs of word characters.
TOKEN_PATTERN = r"(?:[^\W\d_]\.)+[^\W\d_]\b\.?|\w+"
# Whoosh's English stop list minus words that are names or news in their own right:
# "us" (the US), "may" (Theresa May, the month), "will" (Will Smith).
NEWS_STOP_WORDS = frozenset(STOP_WORDS - {"us", "may", "will"})


class AcronymFilter(Filter):
    """'U.S.' -> 'US', so the query US finds articles that write U.S. (and the other way round)."""

    def __call__(self, tokens):  # type: ignore[no-untyped-def]
        for token in tokens:
            if "." in token.text:
                token.text = token.text.replace(".", "")
            yield token
