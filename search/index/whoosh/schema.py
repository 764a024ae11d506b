"""Whoosh schema and analyzers made for news text."""

from __future__ import annotations

from whoosh.analysis import CharsetFilter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.fields import DATETIME, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.support.charset import accent_map

from search.index.analysis import NEWS_STOP_WORDS, TOKEN_PATTERN, AcronymFilter

__all__ = ["NEWS_STOP_WORDS", "TOKEN_PATTERN", "AcronymFilter", "build_schema", "name_analyzer", "news_analyzer"]


def news_analyzer(stem: bool = True):  # type: ignore[no-untyped-def]
    chain = (
        RegexTokenizer(TOKEN_PATTERN)
        | AcronymFilter()
        | LowercaseFilter()
        | CharsetFilter(accent_map)
        | StopFilter(stoplist=NEWS_STOP_WORDS, minsize=2)
    )
    return chain | StemFilter() if stem else chain


def name_analyzer():  # type: ignore[no-untyped-def]
    """For outlet and author names: folded words, no stemming, no stop list."""
    return RegexTokenizer(TOKEN_PATTERN) | AcronymFilter() | LowercaseFilter() | CharsetFilter(accent_map)


def build_schema() -> Schema:
    return Schema(
        id=ID(stored=True, unique=True),
        article_id=NUMERIC(bits=64, sortable=True),  # the id again, as a column: collapse maps ids to documents
        title=TEXT(analyzer=news_analyzer(), field_boost=2.0),
        body=TEXT(analyzer=news_analyzer()),
        outlet=TEXT(analyzer=name_analyzer()),  # outlet:independent in queries
        outlet_name=ID(stored=True, sortable=True),  # the exact name: filters and facets
        authors=TEXT(analyzer=name_analyzer()),
        date=DATETIME(stored=True),  # date:[2017-05-01 to 2017-05-31] in queries
        day=NUMERIC(bits=32, sortable=True),  # date.toordinal(), 0 when undated: sorting and facets
        undated=NUMERIC(bits=8, sortable=True),  # 1 when the date is unknown: sorts undated last
        actors=KEYWORD(sortable=True),  # space-separated actor ids: filters and facets
        actor=TEXT(analyzer=name_analyzer()),  # actor names, for actor:kadyrov in queries
        copy_of=KEYWORD(sortable=True),  # space-separated ids of earlier articles this one copies
        fingerprint=STORED(),
    )
