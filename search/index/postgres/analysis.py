"""News analysis for the postgres engine: what Python does before PostgreSQL's text search
configuration (migration 0010) sees a text, the schema the query parser reads words with, and
a Python twin of the configuration for highlighting.

PostgreSQL folds accents (unaccent) and stems English words (snowball, no stop list). What it
cannot do without files on the server is done here, the same way the Whoosh engine's analyzer
does it: the text is split into the same tokens ("U.S." becomes "US"). Whoosh ships the same
snowball English stemmer, so the highlighter marks the words PostgreSQL matched.
"""

from __future__ import annotations

import re

from whoosh.analysis import CharsetFilter, LowercaseFilter, RegexTokenizer, StemFilter
from whoosh.fields import DATETIME, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.support.charset import accent_map

from search.index.analysis import TOKEN_PATTERN, AcronymFilter

_TOKEN = re.compile(TOKEN_PATTERN)


def prepare(text: str) -> str:
    """Text as the text search configuration should read it: the Whoosh engine's tokens (runs of
    word characters; "U.S." as "US"), one space apart. PostgreSQL's own parser would keep
    "whitehouse.gov", "e-mail" or "3.5" whole as well; with the same tokens as Whoosh, words,
    phrases and highlighting (which splits texts the same way) agree between the engines."""
    if not text:
        return ""
    return " ".join(token.replace(".", "") if "." in token else token for token in _TOKEN.findall(text))


# The lead: the body's first words, labelled C in the text vector (the rest B). Ranking weighs
# both alike today (ranking.RANK_WEIGHTS); the label lets it weigh the lead apart without a reindex.
LEAD_WORDS = 100


def lead_and_rest(prepared: str) -> tuple[str, str]:
    """A prepared body split after its first LEAD_WORDS words (the configuration makes one word
    of every token, so positions run on across the two parts)."""
    words = prepared.split(" ", LEAD_WORDS)
    if len(words) <= LEAD_WORDS:
        return prepared, ""
    return " ".join(words[:LEAD_WORDS]), words[LEAD_WORDS]


def fold_analyzer():  # type: ignore[no-untyped-def]
    """Query words as the parser passes them on: tokens, acronyms joined, lower case, accents
    folded; no stop list and no stemming (PostgreSQL stems them)."""
    return RegexTokenizer(TOKEN_PATTERN) | AcronymFilter() | LowercaseFilter() | CharsetFilter(accent_map)


def stem_analyzer():  # type: ignore[no-untyped-def]
    """The Python twin of the `newsindex` configuration: folded words, snowball English stems."""
    return fold_analyzer() | StemFilter(lang="en")


def query_schema() -> Schema:
    """The fields of the query language, named as on the Whoosh engine (so the shared parser reads
    a query the same way), with analyzers that leave stemming to PostgreSQL."""
    return Schema(
        id=ID(),
        article_id=NUMERIC(bits=64),
        title=TEXT(analyzer=fold_analyzer()),
        body=TEXT(analyzer=fold_analyzer()),
        outlet=TEXT(analyzer=fold_analyzer()),
        outlet_name=ID(),
        authors=TEXT(analyzer=fold_analyzer()),
        date=DATETIME(),
        day=NUMERIC(bits=32),
        undated=NUMERIC(bits=8),
        actors=KEYWORD(),
        actor=TEXT(analyzer=fold_analyzer()),
        copy_of=KEYWORD(),
        fingerprint=STORED(),
    )
