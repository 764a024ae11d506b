"""The query language every engine reads: Whoosh's query parser (phrases, AND/OR/NOT, brackets,
fields, prefix, wildcard, fuzzy and date ranges) over an engine's schema, after querytext's
tidying. The Whoosh engine searches the parsed tree itself; the postgres engine translates it
to SQL. Both therefore read a query the same way and give the same notes about it.
"""

from __future__ import annotations

import re

from whoosh import query as wq
from whoosh.fields import Schema
from whoosh.qparser import FieldAliasPlugin, FuzzyTermPlugin, GtLtPlugin, MultifieldParser
from whoosh.qparser.dateparse import DateParserPlugin

from search.index.querytext import tidy_query

MAX_EXPANSION = 1024  # words one prefix, wildcard, fuzzy or range term may stand for
MAX_FUZZY_EDITS = 2
_WORDS = re.compile(r"\w+")


def make_parser(schema: Schema) -> MultifieldParser:
    parser = MultifieldParser(["title", "body"], schema)  # words are ANDed, as in web search
    parser.add_plugin(FuzzyTermPlugin())
    parser.add_plugin(GtLtPlugin())
    parser.add_plugin(DateParserPlugin(free=False))
    parser.add_plugin(FieldAliasPlugin({"authors": ["author", "by"], "date": ["published"], "actor": ["actors"]}))
    return parser


def parse_query(text: str, schema: Schema, parser: MultifieldParser | None = None) -> tuple[wq.Query, list[str]]:
    """(query tree, notes for the user). Every() stands for "all articles". `parser`: one from
    make_parser(schema) to reuse (building one takes longer than parsing; its relative dates
    count from when it was made, so it is not kept for long)."""
    text, messages = tidy_query(text)
    if not text:
        return wq.Every(), messages
    parser = parser or make_parser(schema)
    try:
        query = parser.parse(text)
    except Exception:  # noqa: BLE001 - Whoosh's parser raises assorted errors on odd syntax
        words = " ".join(_WORDS.findall(text))
        messages.append("The query could not be read as query syntax, so its words were searched instead.")
        if not words:
            return wq.Every(), messages
        query = parser.parse(words)
    messages.extend(tame_fuzzy(query))
    if query is wq.NullQuery or query == wq.NullQuery:
        messages.append("Nothing searchable was left in the query (only very common words?): showing all articles.")
        return wq.Every(), messages
    return query, messages


def tame_fuzzy(query: wq.Query) -> list[str]:
    """Bound every `word~N/P` so one query cannot walk the whole vocabulary.

    Whoosh checks each candidate word with a pure-Python automaton: `word~` with no shared
    prefix visits every word of the field (seconds on a large index) and `x~9` matches nearly
    everything. As in Elasticsearch's AUTO fuzziness, short words get fewer edits (0 up to 2
    letters, 1 up to 5, at most 2 beyond), and candidates share at least the first letter:
    misspelled names almost always keep it ("Kadrov~" still finds "Kadyrov").
    """
    messages: list[str] = []
    for leaf in query.leaves():
        if not isinstance(leaf, wq.FuzzyTerm):
            continue
        text = leaf.text if isinstance(leaf.text, str) else str(leaf.text)
        allowed = 0 if len(text) <= 2 else 1 if len(text) <= 5 else MAX_FUZZY_EDITS
        if not _WORDS.search(text):
            allowed = 0
        if leaf.maxdist > allowed:
            messages.append(
                "Fuzzy matching (word~N) allows no edits for words of 1-2 letters, 1 edit up to 5 letters"
                " and 2 beyond: the distance asked for was reduced."
            )
            leaf.maxdist = allowed
        leaf.prefixlength = min(max(int(leaf.prefixlength), 1), len(text))
    return messages[:1]


def too_broad_message(term: str, words: int | None, limit: int = MAX_EXPANSION) -> str:
    count = f"{words:,}" if words is not None else f"more than {limit:,}"
    return (
        f"“{term.split(':', 1)[-1]}” stands for {count} different words; one term may stand for at most"
        f" {limit:,}. Give it more letters (two or three before a *), or search the words themselves."
    )
