"""A parsed query (the Whoosh query tree every engine shares) as SQL over search_pgdocument.

Words become lexemes of the `newsindex` configuration (one round trip for all of a query's
words); the parts of the tree that are text conditions become one tsquery where they can (the
GIN index answers it in one scan), the rest plain SQL (date ranges). Prefix, wildcard, fuzzy
and range terms expand to the words of search_pgword, at most MAX_EXPANSION each.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from dataclasses import dataclass, field

from django.db import connections
from rapidfuzz.distance import OSA
from rapidfuzz.process import cdist
from whoosh import query as wq
from whoosh.lang import stemmer_for_language

from search.index.postgres.models import NAMES_CONFIG, TEXT_CONFIG
from search.index.querylang import MAX_EXPANSION

# field -> (column, weight labels): title A and body (its lead C, the rest B) in the text
# vector; outlet A, authors B, actor names C in the names vector.
FIELDS = {
    "text": ("text_vector", ""),  # title or body: no weight label, so the GIN index needs no recheck
    "title": ("text_vector", "A"),
    "body": ("text_vector", "BC"),
    "outlet": ("names_vector", "A"),
    "authors": ("names_vector", "B"),
    "actor": ("names_vector", "C"),
}
MAX_PHRASE_SLOP = 10
_TEXT_FIELDS = ("text", "title", "body")
_STEM = stemmer_for_language("en")  # snowball English, the stemmer of the `newsindex` configuration
_VECTOR_ENTRY = re.compile(r"'((?:[^']|'')*)'(?::([\d,A-D]+))?")


class TooBroad(Exception):
    def __init__(self, term: str, words: int) -> None:
        super().__init__(term)
        self.term = term
        self.words = words


@dataclass(frozen=True)
class Cond:
    """A boolean condition over the document row `d`: a tsquery on one vector, or SQL."""

    kind: str  # "ts", "sql", "true", "false", "none" (nothing to search: ignored by And/Or)
    column: str = ""
    tsquery: str = ""
    sql: str = ""
    params: tuple[object, ...] = ()

    def as_sql(self) -> tuple[str, list[object]]:
        if self.kind == "ts":
            return f"d.{self.column} @@ %s::tsquery", [self.tsquery]
        if self.kind == "sql":
            return self.sql, list(self.params)
        return ("FALSE" if self.kind in ("false", "none") else "TRUE"), []


TRUE, FALSE, NONE = Cond("true"), Cond("false"), Cond("none")


def _sql(cond: Cond) -> Cond:
    sql, params = cond.as_sql()
    return Cond("sql", sql=sql, params=tuple(params))


def both(children: list[Cond]) -> Cond:
    kept = [c for c in children if c.kind not in ("none", "true")]
    if any(c.kind == "false" for c in kept):
        return FALSE
    if not kept:
        return TRUE if any(c.kind == "true" for c in children) else NONE
    if len(kept) == 1:
        return kept[0]
    columns = {c.column for c in kept}
    if all(c.kind == "ts" for c in kept) and len(columns) == 1:
        return Cond("ts", column=kept[0].column, tsquery=" & ".join(f"({c.tsquery})" for c in kept))
    parts = [_sql(c) for c in kept]
    return Cond("sql", sql="(" + " AND ".join(p.sql for p in parts) + ")", params=tuple(x for p in parts for x in p.params))


def either(children: list[Cond]) -> Cond:
    kept = [c for c in children if c.kind not in ("none", "false")]
    if any(c.kind == "true" for c in kept):
        return TRUE
    if not kept:
        return FALSE if any(c.kind == "false" for c in children) else NONE
    if len(kept) == 1:
        return kept[0]
    columns = {c.column for c in kept}
    if all(c.kind == "ts" for c in kept) and len(columns) == 1:
        return Cond("ts", column=kept[0].column, tsquery=" | ".join(f"({c.tsquery})" for c in kept))
    parts = [_sql(c) for c in kept]
    return Cond("sql", sql="(" + " OR ".join(p.sql for p in parts) + ")", params=tuple(x for p in parts for x in p.params))


def negate(cond: Cond) -> Cond:
    if cond.kind == "ts":
        return Cond("ts", column=cond.column, tsquery=f"!({cond.tsquery})")
    if cond.kind == "sql":
        return Cond("sql", sql=f"NOT {cond.sql}", params=cond.params)
    return {"true": FALSE, "false": TRUE}.get(cond.kind, NONE)


def quote(lexeme: str) -> str:
    """A lexeme as tsquery input reads it verbatim."""
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def _parse_vector(text: str) -> list[tuple[str, list[int]]]:
    """tsvector output ('a':1 'b':2,3) as (lexeme, positions)."""
    entries = []
    for match in _VECTOR_ENTRY.finditer(text):
        positions = [int(p.rstrip("ABCD")) for p in (match.group(2) or "1").split(",")]
        entries.append((match.group(1).replace("''", "'"), positions))
    return entries


def analyse(words: set[str], alias: str = "default") -> dict[str, tuple[list[tuple[str, list[int]]], list[tuple[str, list[int]]]]]:
    """Each word's lexemes in the text and the names configuration, in one round trip."""
    if not words:
        return {}
    with connections[alias].cursor() as cursor:
        cursor.execute(
            f"SELECT w, to_tsvector('{TEXT_CONFIG}', w)::text, to_tsvector('{NAMES_CONFIG}', w)::text FROM unnest(%s::text[]) AS w",
            [sorted(words)],
        )
        return {w: (_parse_vector(text), _parse_vector(names)) for w, text, names in cursor.fetchall()}


def _groups(entries: list[tuple[str, list[int]]]) -> list[list[str]]:
    """Lexemes grouped by position, in order ("e-mail": [['e-mail'], ['e'], ['mail']])."""
    by_position: dict[int, list[str]] = {}
    for lexeme, positions in entries:
        for position in positions:
            by_position.setdefault(position, []).append(lexeme)
    return [sorted(by_position[p]) for p in sorted(by_position)]


@dataclass
class Translation:
    cond: Cond
    rank: dict[str, list[str]] = field(default_factory=dict)  # column -> tsqueries of positive leaves
    singles: set[str] = field(default_factory=set)  # lexemes of title/body leaves (highlighting)
    phrases: set[tuple[str, ...]] = field(default_factory=set)


class Translator:
    def __init__(self, query: wq.Query, alias: str = "default") -> None:
        self.query = query
        self.alias = alias  # the database read from (a replica's, when a router sends reads there)
        self.out = Translation(NONE)
        words: set[str] = set()
        for leaf in query.leaves():
            if isinstance(leaf, wq.Phrase):
                words.update(w for w in leaf.words if isinstance(w, str))
            elif isinstance(leaf, wq.Term | wq.FuzzyTerm) and isinstance(leaf.text, str):
                words.add(leaf.text)
        self.lexemes = analyse(words, alias)

    def translate(self) -> Translation:
        self.out.cond = self._node(self.query, negated=False)
        return self.out

    # --- nodes ------------------------------------------------------------------------------

    def _node(self, node: wq.Query, negated: bool) -> Cond:
        kind = type(node)
        if kind is wq.Every:
            return TRUE
        if node is wq.NullQuery or kind is type(wq.NullQuery):
            return NONE
        if kind is wq.And or kind is wq.Require:
            return both([self._node(sub, negated) for sub in node.children()])
        if kind is wq.Or or kind is wq.DisjunctionMax:
            merged = _title_or_body(node)
            if merged is not None:
                return self._node(merged, negated)
            return either([self._node(sub, negated) for sub in node.children()])
        if kind is wq.Not:
            return negate(self._node(node.query, not negated))
        if kind is wq.AndNot:
            return both([self._node(node.a, negated), negate(self._node(node.b, not negated))])
        if kind is wq.AndMaybe:
            self._node(node.b, negated)  # ranks and highlights, does not filter
            return self._node(node.a, negated)
        if isinstance(node, wq.DateRange) or (kind is wq.Term and isinstance(node.text, dt.datetime)):
            return self._dates(node)
        if isinstance(node, wq.Phrase):
            return self._leaf(node, self._phrase(node), negated)
        if kind is wq.FuzzyTerm or kind is wq.Prefix or kind is wq.Wildcard or kind is wq.TermRange:
            # Not ranked: Whoosh gives every match of an expanded term the same score
            # (constantscore), and ts_rank_cd with hundreds of words read every match's vector.
            return self._leaf(node, self._expanded(node), negated, ranked=False)
        if kind is wq.Term:
            return self._leaf(node, self._term(node), negated)
        return FALSE  # fields and kinds without a meaning here (id:, numeric ranges)

    def _leaf(self, node: wq.Query, tsquery: str | None, negated: bool, ranked: bool = True) -> Cond:
        if tsquery is None:
            return FALSE
        if not tsquery:
            return NONE
        column = FIELDS[node.field()][0]
        if ranked and not negated:
            self.out.rank.setdefault(column, []).append(tsquery)
        return Cond("ts", column=column, tsquery=tsquery)

    def _field(self, node: wq.Query) -> tuple[str, str] | None:
        return FIELDS.get(node.field())

    def _word_groups(self, node: wq.Query, word: str) -> list[list[str]]:
        text, names = self.lexemes.get(word, ([], []))
        return _groups(text if FIELDS[node.field()][0] == "text_vector" else names)

    def _term(self, node: wq.Term) -> str | None:
        if self._field(node) is None or not isinstance(node.text, str):
            return None
        weight = FIELDS[node.field()][1]
        groups = self._word_groups(node, node.text)
        if node.field() in _TEXT_FIELDS:
            if len(groups) == 1:
                self.out.singles.update(groups[0])
            elif groups:
                self.out.phrases.add(tuple(g[0] for g in groups))
        return _sequence(groups, weight)

    def _phrase(self, node: wq.Phrase) -> str | None:
        if self._field(node) is None:
            return None
        weight = FIELDS[node.field()][1]
        words = [self._word_groups(node, w) for w in node.words if isinstance(w, str)]
        words = [w for w in words if w]
        if not words:
            return ""
        groups = [g for w in words for g in w]
        if node.field() in _TEXT_FIELDS:
            self.out.phrases.add(tuple(g[0] for g in groups))
        slop = min(max(1, int(node.slop)), MAX_PHRASE_SLOP)
        if slop == 1 or len(groups) == 1:
            return _sequence(groups, weight)
        if len(groups) == 2:  # "a b"~N: b at most N positions after a
            first, second = (_group(g, weight) for g in groups)
            return " | ".join(f"({first} <{d}> {second})" for d in range(1, slop + 1))
        return " & ".join(_group(g, weight) for g in groups)  # longer phrases with slop: all words

    def _expanded(self, node: wq.Query) -> str | None:
        if self._field(node) is None:
            return None
        column, weight = FIELDS[node.field()]
        words = expand(node, "t" if column == "text_vector" else "n", self.lexemes, self.alias)
        if not words:
            return None
        if node.field() in _TEXT_FIELDS:
            self.out.singles.update(words)
        return " | ".join(f"{quote(w)}{_label(weight)}" for w in words)

    def _dates(self, node: wq.Query) -> Cond:
        if node.field() != "date":
            return FALSE
        if isinstance(node, wq.Term):
            return Cond("sql", sql="d.published = %s", params=(node.text.date(),))
        start, end = getattr(node, "startdate", None), getattr(node, "enddate", None)
        parts, params = [], []
        if start is not None:
            parts.append("d.published > %s" if node.startexcl else "d.published >= %s")
            params.append(start.date())
        if end is not None:
            midnight = end.time() == dt.time(0)
            parts.append("d.published < %s" if node.endexcl and midnight else "d.published <= %s")
            params.append(end.date())
        if not parts:
            return Cond("sql", sql="d.published IS NOT NULL")
        return Cond("sql", sql="(" + " AND ".join(parts) + ")", params=tuple(params))


_MERGEABLE = (wq.Term, wq.Prefix, wq.Wildcard, wq.FuzzyTerm)  # phrases are rechecked anyway
_SAME = ("text", "words", "slop", "maxdist", "prefixlength", "boost")


def _title_or_body(node: wq.Query) -> wq.Query | None:
    """The parser's `Or([X(title), X(body)])` for a word of the default fields, as one X over
    the whole text vector (field "text"): the same matches, and a tsquery without weight labels
    lets the GIN index answer without reading each match's vector again. The parser flattens
    `a OR b` into `Or([a(title), a(body), b(title), b(body)])`: every such pair is merged."""
    subs = list(node.children())
    pairs: dict[tuple, list[int]] = {}
    for i, sub in enumerate(subs):
        if type(sub) in _MERGEABLE and sub.field() in ("title", "body"):
            pairs.setdefault((type(sub), *(repr(getattr(sub, k, None)) for k in _SAME)), []).append(i)
    merged_at: dict[int, wq.Query] = {}
    dropped: set[int] = set()
    for indexes in pairs.values():
        if len(indexes) == 2 and {subs[i].field() for i in indexes} == {"title", "body"}:
            merged = copy.copy(subs[indexes[0]])
            merged.fieldname = "text"
            merged_at[indexes[0]] = merged
            dropped.add(indexes[1])
    if not merged_at:
        return None
    kept = [merged_at.get(i, sub) for i, sub in enumerate(subs) if i not in dropped]
    return kept[0] if len(kept) == 1 else type(node)(kept)


def _label(weight: str) -> str:
    return f":{weight}" if weight else ""


def _group(lexemes: list[str], weight: str) -> str:
    parts = [f"{quote(lexeme)}{_label(weight)}" for lexeme in lexemes]
    return parts[0] if len(parts) == 1 else "(" + " | ".join(parts) + ")"


def _sequence(groups: list[list[str]], weight: str) -> str:
    return " <-> ".join(_group(g, weight) for g in groups)


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def expand(node: wq.Query, kind: str, lexemes: dict, alias: str = "default") -> list[str]:
    """The index words a prefix, wildcard, fuzzy or range term stands for (TooBroad past
    MAX_EXPANSION)."""
    where, params = _expansion_filter(node, kind, lexemes)
    if where is None:
        return []
    fuzzy = isinstance(node, wq.FuzzyTerm)
    with connections[alias].cursor() as cursor:
        limit = "" if fuzzy else f" LIMIT {MAX_EXPANSION + 1}"  # fuzzy: every candidate, then the edit distance
        cursor.execute(f"SELECT word FROM search_pgword WHERE kind = %s AND {where} ORDER BY word{limit}", [kind, *params])
        words = [row[0] for row in cursor.fetchall()]
        if fuzzy:
            words = _within_edits(node, lexemes, words)
            if len(words) > MAX_EXPANSION:
                raise TooBroad(str(node), len(words))
        elif len(words) > MAX_EXPANSION:
            cursor.execute(f"SELECT count(*) FROM search_pgword WHERE kind = %s AND {where}", [kind, *params])
            raise TooBroad(str(node), int(cursor.fetchone()[0]))
    return words


def _stemmed(node: wq.FuzzyTerm, lexemes: dict) -> str:
    text_entries, name_entries = lexemes.get(node.text, ([], []))
    entries = text_entries if FIELDS[node.field()][0] == "text_vector" else name_entries
    return entries[0][0] if len(entries) == 1 else node.text


def _expansion_filter(node: wq.Query, kind: str, lexemes: dict) -> tuple[str | None, list[object]]:
    if isinstance(node, wq.Prefix):
        return "word LIKE %s", [_like(node.text) + "%"]
    if isinstance(node, wq.Wildcard):
        text = node.text
        if kind == "t" and text[-1:].isalnum():
            text = _STEM(text)  # as Whoosh's parser stems a wildcard's text: vis?s -> vis?, matching "visa"
        pattern = _like(text).replace("*", "%").replace("?", "_")
        return "word LIKE %s", [pattern]
    if isinstance(node, wq.FuzzyTerm):
        word = _stemmed(node, lexemes)
        prefix = word[: max(1, int(node.prefixlength))]
        # Candidates share the prefix and are at most maxdist letters longer or shorter.
        return "word LIKE %s AND length(word) BETWEEN %s AND %s", [
            _like(prefix) + "%", len(word) - int(node.maxdist), len(word) + int(node.maxdist),
        ]
    if isinstance(node, wq.TermRange):
        if not all(b is None or isinstance(b, str) for b in (node.start, node.end)):
            return None, []
        parts, params = ["TRUE"], []
        if node.start is not None:
            parts.append("word > %s" if node.startexcl else "word >= %s")
            params.append(node.start)
        if node.end is not None:
            parts.append("word < %s" if node.endexcl else "word <= %s")
            params.append(node.end)
        return " AND ".join(parts), params
    return None, []


def _within_edits(node: wq.FuzzyTerm, lexemes: dict, candidates: list[str]) -> list[str]:
    """Candidates within maxdist edits (optimal string alignment, as Whoosh and rapidfuzz count)."""
    if not candidates:
        return []
    word = _stemmed(node, lexemes)
    limit = int(node.maxdist)
    distances = cdist([word], candidates, scorer=OSA.distance, score_cutoff=limit, workers=1)[0]
    return [w for w, d in zip(candidates, distances.tolist(), strict=True) if d <= limit]
