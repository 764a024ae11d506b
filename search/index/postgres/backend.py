"""The PostgreSQL engine: the index is two tables in the archive's own database.

Rows are written with the Django connection inside the caller's transaction (see
`transactional`: the outbox indexes at once instead of queueing), so a search sees an article
exactly when the article rows are committed, on every app server and replica. Queries are read
by the same parser as on Whoosh and translated to SQL (translate.py); PostgreSQL matches and
ranks, and the rest is counted over the process's facet arrays (arrays.py, matches.py). Where
those cannot serve (`within`, a snapshot older than the arrays) matching, ranking, facets and
collapsing run in one statement (_statement).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Callable, Iterable, Iterator

from django.contrib.postgres.indexes import GinIndex
from django.db import DatabaseError, OperationalError, connections, router, transaction
from whoosh import query as wq

from search.index.base import (
    BackendWriter,
    FacetCounts,
    Hit,
    IndexDocument,
    SearchBackend,
    SearchQuery,
    SearchResults,
)
from search.index.postgres.analysis import lead_and_rest, prepare, query_schema, stem_analyzer
from search.index.postgres.models import NAMES_CONFIG, TEXT_CONFIG, PgDocument, PgWord
from search.index.postgres import matches
from search.index.postgres.arrays import CACHE, mark_changed
from search.index.postgres import ranking
from search.index.postgres.ranking import rank as _rank
from search.index.postgres.translate import Cond, Translation, Translator, TooBroad
from search.index.querylang import parse_query, too_broad_message
from search.index.highlight import Highlighter

log = logging.getLogger(__name__)
SEARCH_TIME_LIMIT = 5.0  # seconds (statement_timeout); a longer query is stopped with a note
# Per search, for its transaction only: JIT compilation costs more than it saves on statements
# of this size (PostgreSQL turns it on above a cost that every broad query exceeds); the facet
# aggregates of a broad query need more than the default 4 MB to stay in memory; and the
# planner, which does not count the reading of out-of-line (TOAST) vectors, picks a sequential
# scan for common words that reads every article's vector (0.5 s at 37.5k articles) where the
# GIN index answers without reading any (20 ms).
SEARCH_SETTINGS = {"jit": "off", "work_mem": "64MB", "enable_seqscan": "off"}
# rebuild_index empties the engine's tables in its transaction (TRUNCATE), which holds them
# locked until it commits: a search waits this long for them, then says so.
SEARCH_LOCK_WAIT = "1s"
# rebuild_index makes the GIN indexes once the rows are in (bulk_load), with this much memory.
BULK_INDEX_MEMORY = "256MB"
REBUILDING = "The search index is being rebuilt (rebuild_index); search answers again when it is done."
_UPSERT = f"""
INSERT INTO search_pgdocument (article_id, outlet, published, actor_ids, copy_of, fingerprint, text_vector, names_vector)
VALUES (%s, %s, %s, %s, %s, %s,
    setweight(to_tsvector('{TEXT_CONFIG}', %s), 'A') || setweight(to_tsvector('{TEXT_CONFIG}', %s), 'C')
        || setweight(to_tsvector('{TEXT_CONFIG}', %s), 'B'),
    setweight(to_tsvector('{NAMES_CONFIG}', %s), 'A') || setweight(to_tsvector('{NAMES_CONFIG}', %s), 'B')
        || setweight(to_tsvector('{NAMES_CONFIG}', %s), 'C'))
ON CONFLICT (article_id) DO UPDATE SET outlet = EXCLUDED.outlet, published = EXCLUDED.published,
    actor_ids = EXCLUDED.actor_ids, copy_of = EXCLUDED.copy_of, fingerprint = EXCLUDED.fingerprint,
    text_vector = EXCLUDED.text_vector, names_vector = EXCLUDED.names_vector
"""
_WORDS = """
INSERT INTO search_pgword (kind, word)
SELECT kind, word FROM (
    SELECT 't' AS kind, w AS word FROM search_pgdocument d, unnest(tsvector_to_array(d.text_vector)) AS w
    WHERE d.article_id = ANY(%s)
    UNION
    SELECT 'n', w FROM search_pgdocument d, unnest(tsvector_to_array(d.names_vector)) AS w
    WHERE d.article_id = ANY(%s)
) AS words ORDER BY kind, word
ON CONFLICT (kind, word) DO NOTHING
"""


def _write_alias() -> str:
    return router.db_for_write(PgDocument) or "default"


def _read_alias() -> str:
    return router.db_for_read(PgDocument) or "default"


class PostgresWriter(BackendWriter):
    """Writes at once, in the caller's transaction when there is one (else in its own per
    call). commit() and cancel() have nothing left to do: a change is as durable as the
    transaction around it, and writing a document twice is harmless."""

    def update(self, docs: Iterable[IndexDocument]) -> None:
        self.write_encoded(self.encode(list(docs)))

    def encode(self, docs: list[IndexDocument]) -> list[tuple]:
        """The statement's parameters: texts split into the tokens both engines read (Python)."""
        return [
            (
                doc["id"], doc["outlet"], doc["date"], list(doc["actors"]), list(doc["copy_of"]), doc["fingerprint"],
                prepare(doc["title"]), *lead_and_rest(prepare(doc["body"])),
                prepare(doc["outlet"]), prepare("; ".join(doc["authors"])), prepare("; ".join(doc["actor_names"])),
            )
            for doc in docs
        ]

    def write_encoded(self, rows: list[tuple]) -> None:
        """PostgreSQL makes the vectors (most of a rebuild's time) and the words."""
        if not rows:
            return
        rows.sort(key=lambda row: row[0])  # one order for every writer: no deadlocks between them
        ids = [row[0] for row in rows]
        alias = _write_alias()
        with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
            cursor.executemany(_UPSERT, rows)
            cursor.execute(_WORDS, [ids, ids])
            mark_changed(cursor, ids)

    def delete(self, article_ids: Iterable[int]) -> None:
        ids = sorted(set(article_ids))
        if not ids:
            return
        alias = _write_alias()
        with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
            cursor.execute("DELETE FROM search_pgdocument WHERE article_id = ANY(%s)", [ids])
            mark_changed(cursor, ids)

    def commit(self) -> None:
        pass

    def cancel(self) -> None:
        pass


class PgHighlighter(Highlighter):
    stop_words: frozenset[str] = frozenset()  # the configuration keeps every word
    min_size = 1


class PostgresBackend(SearchBackend):
    transactional = True

    def __init__(self, path: str) -> None:
        super().__init__(path)  # the index lives in the database: the path is not used
        self.schema = query_schema()
        self._analyzer = stem_analyzer()

    # --- writing -------------------------------------------------------------------------

    def open_writer(self, timeout: float = 0.0, processes: int = 1) -> PostgresWriter:
        return PostgresWriter()  # no writer lock: rows are locked one by one by PostgreSQL

    def reset(self) -> None:
        alias = _write_alias()
        with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
            cursor.execute("TRUNCATE search_pgdocument, search_pgword")
            mark_changed(cursor, [], everything=True)

    @contextlib.contextmanager
    def bulk_load(self) -> Iterator[None]:
        """The GIN indexes (text, names, actors, the word list's trigrams) are dropped after reset() and made again once every row is
        in: one sorted build instead of an update per row. Inside the rebuild's transaction,
        whose TRUNCATE already keeps searches out, so nobody sees the table without them, and
        a failed or killed rebuild rolls back to the old table with its indexes."""
        alias = _write_alias()
        connection = connections[alias]
        dropped = [(model, index) for model in (PgDocument, PgWord) for index in model._meta.indexes if isinstance(index, GinIndex)]
        with connection.schema_editor(atomic=False) as editor:
            for model, index in dropped:
                editor.remove_index(model, index)
        yield
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('maintenance_work_mem', %s, true)", [BULK_INDEX_MEMORY])
        with connection.schema_editor(atomic=False) as editor:
            for model, index in dropped:
                editor.add_index(model, index)

    def unlock(self) -> bool:
        return False  # nothing to unlock: PostgreSQL releases a dead writer's locks itself

    def fingerprints(self) -> dict[int, str]:
        with connections[_read_alias()].cursor() as cursor:
            cursor.execute("SELECT article_id, fingerprint FROM search_pgdocument")
            return dict(cursor.fetchall())

    def doc_count(self) -> int:
        with connections[_read_alias()].cursor() as cursor:
            cursor.execute("SELECT count(*) FROM search_pgdocument")
            return int(cursor.fetchone()[0])

    # --- reading -------------------------------------------------------------------------

    def parse(self, text: str) -> tuple[wq.Query, list[str]]:
        return parse_query(text, self.schema)

    def translate(self, text: str, alias: str = "default") -> tuple[Translation | None, list[str], bool]:
        """(translation or None when a term is too broad, messages, whether the query is "all")."""
        parsed, messages = self.parse(text)
        if isinstance(parsed, wq.Every):
            return Translation(Cond("true")), messages, True
        try:
            return Translator(parsed, alias).translate(), messages, False
        except TooBroad as exc:
            return None, [*messages, too_broad_message(exc.term, exc.words)], False

    def search(self, query: SearchQuery) -> SearchResults:
        alias = _read_alias()
        messages: list[str] = []
        connection = connections[alias]
        fresh = not connection.in_atomic_block  # this search's own transaction: one snapshot for all its statements
        try:
            with transaction.atomic(using=alias), connection.cursor() as cursor:
                if fresh:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                _configure(cursor)  # for the word lookups of translate() as well
                translation, messages, everything = self.translate(query.text, alias)
                if translation is None:
                    return SearchResults(total=0, hits=[], messages=messages, facets=FacetCounts() if query.facets else None)
                arrays = CACHE.arrays(cursor, _database_key(alias)) if query.within is None else None
                if arrays is not None:
                    return matches.search(cursor, query, translation, everything, arrays, messages)
                # Counted in SQL: a few articles (`within`), or a snapshot older than this
                # process's arrays.
                sql, params = _statement(query, translation, everything)
                cursor.execute(sql, params)
                rows = cursor.fetchall()
        except DatabaseError as exc:
            if getattr(exc.__cause__, "sqlstate", None) == "55P03":  # lock_not_available: a rebuild holds the tables
                return SearchResults(total=0, hits=[], messages=[*messages, REBUILDING], timed_out=True)
            if "statement timeout" in str(exc):
                note = f"The query took longer than {SEARCH_TIME_LIMIT:.0f} s and was stopped."
                return SearchResults(total=0, hits=[], messages=[*messages, note], timed_out=True)
            if isinstance(exc, OperationalError):
                raise  # the database is unreachable (a replica stopped): the router serves the page from the primary
            log.exception("search failed: %r", query.text)
            return SearchResults(total=0, hits=[], messages=["The search could not be run; please try another query."])
        return _results(rows, query, messages, ranked=query.sort == "relevance" and not everything)

    def highlighter(self, query_text: str) -> Callable[[str], list[tuple[int, int]]]:
        alias = _read_alias()
        with transaction.atomic(using=alias):
            translation, _, everything = self.translate(query_text, alias)
        if translation is None or everything or not (translation.singles or translation.phrases):
            return lambda text: []
        return PgHighlighter(translation.singles, translation.phrases, self._analyzer)


def _database_key(alias: str) -> str:
    settings = connections[alias].settings_dict
    return f"{settings.get('HOST')}:{settings.get('PORT')}/{settings.get('NAME')}"


def _configure(cursor) -> None:  # type: ignore[no-untyped-def]
    settings = {"statement_timeout": f"{int(SEARCH_TIME_LIMIT * 1000)}ms", "lock_timeout": SEARCH_LOCK_WAIT, **SEARCH_SETTINGS}
    cursor.execute("SELECT " + ", ".join("set_config(%s, %s, true)" for _ in settings), [x for item in settings.items() for x in item])


def _excluded_outlets(query: SearchQuery) -> tuple[str, ...]:
    return query.exclude_outlets


def _excluded_actors(query: SearchQuery) -> tuple[int, ...]:
    return query.exclude_actors


def _selections(query: SearchQuery) -> tuple[list[str], list[object]]:
    """SQL for the outlet, actor and date selections (TRUE when not selected), and params."""
    parts: list[str] = []
    params: list[object] = []
    # Exclusions (SearchQuery.exclude_outlets / exclude_actors) are part of their facet's
    # selection: the facet's own counts ignore them.
    outlet: list[str] = []
    if query.outlets:
        outlet.append("d.outlet = ANY(%s)")
        params.append(list(query.outlets))
    if _excluded_outlets(query):
        outlet.append("NOT (d.outlet = ANY(%s))")
        params.append(list(_excluded_outlets(query)))
    parts.append("(" + " AND ".join(outlet) + ")" if outlet else "TRUE")
    actor: list[str] = []
    if query.actors:
        actor.append("d.actor_ids && %s::bigint[]")
        params.append(list(query.actors))
    if _excluded_actors(query):
        actor.append("NOT (d.actor_ids && %s::bigint[])")
        params.append(list(_excluded_actors(query)))
    parts.append("(" + " AND ".join(actor) + ")" if actor else "TRUE")
    if query.has_date_filter:
        ranges = []
        if query.date_from or query.date_to:
            ranges.append("(d.published BETWEEN %s AND %s)")
            params += [query.date_from or dt.date.min, query.date_to or dt.date.max]
        if query.undated:
            ranges.append("d.published IS NULL")
        parts.append("(" + " OR ".join(ranges) + ")")
    else:
        parts.append("TRUE")
    return parts, params


# Equal scores go newest first (as matches.py orders them), undated last.
NEWEST = "published IS NULL, published DESC, article_id"


def _statement(query: SearchQuery, translation: Translation, everything: bool) -> tuple[str, list[object]]:
    cond_sql, cond_params = translation.cond.as_sql()
    (outlet, actor, date), selection_params = _selections(query)
    by_relevance = query.sort == "relevance" and not everything
    two_steps = by_relevance and bool(query.limit) and "text_vector" in translation.rank
    rank_sql, rank_params = _rank(translation, first_step=two_steps) if by_relevance and query.limit else ("0", [])
    params: list[object] = [*rank_params, *selection_params, *cond_params]
    if query.within is not None:
        cond_sql = f"({cond_sql}) AND d.article_id = ANY(%s)"
        params.append(list(query.within))
    sql = [
        f"""WITH m AS MATERIALIZED (
            SELECT d.article_id, d.outlet, d.published, d.actor_ids, d.copy_of, ({rank_sql})::float8 AS score,
                   {outlet} AS s_o, {actor} AS s_a, {date} AS s_d
            FROM search_pgdocument d WHERE {cond_sql}
        ), r AS (SELECT * FROM m WHERE s_o AND s_a AND s_d)"""
    ]
    if query.collapse:
        sql.append(""", hidden AS (
            SELECT DISTINCT c.article_id FROM r c CROSS JOIN LATERAL unnest(c.copy_of) AS s(id) JOIN r src ON src.article_id = s.id
        ), k AS (SELECT r.* FROM r LEFT JOIN hidden h USING (article_id) WHERE h.article_id IS NULL)""")
    else:
        sql.append(", k AS (SELECT * FROM r)")
    if two_steps:
        full_sql, full_params = _rank(translation)
        sql.append(f""", best AS MATERIALIZED (
            SELECT t.article_id, ({full_sql})::float8 AS full_score
            FROM (SELECT article_id FROM k ORDER BY score DESC, {NEWEST} LIMIT {ranking.RERANK}) AS t
            JOIN search_pgdocument d USING (article_id)
        ), ranked AS (SELECT k.article_id, k.published, k.score AS first_score, coalesce(b.full_score, k.score) AS score,
            b.full_score IS NOT NULL AS best FROM k LEFT JOIN best b USING (article_id))""")
        params += full_params
        page_from, order = "ranked", f"best DESC, score DESC, first_score DESC, {NEWEST}"
    elif by_relevance:
        page_from, order = "k", f"score DESC, {NEWEST}"
    elif query.sort == "oldest":
        page_from, order = "k", "published IS NULL, published, article_id"
    else:
        page_from, order = "k", NEWEST
    sql.append(f"""
        SELECT 'h', article_id, NULL::text, NULL::date, score, n FROM (
            SELECT article_id, score, row_number() OVER (ORDER BY {order}) AS n FROM {page_from} ORDER BY {order} LIMIT %s OFFSET %s
        ) AS page
        UNION ALL SELECT 't', count(*), NULL, NULL, NULL, NULL FROM k""")
    params += [query.limit, query.offset]
    if query.collapse:
        sql.append(" UNION ALL SELECT 'u', count(*), NULL, NULL, NULL, NULL FROM r")
    if query.facets:
        # Outlet and actor counts leave the database cut to the facet's size (most frequent
        # first, ties by value, as _top orders them) plus the selected values, and how many
        # values had a count: a broad query has 100,000 actors, too many to send and sort here.
        sql[0] += """, fo AS MATERIALIZED (
            SELECT outlet COLLATE "C" AS outlet, count(*) AS c FROM m WHERE s_a AND s_d AND outlet <> '' GROUP BY 1
        ), fa AS MATERIALIZED (
            SELECT a, count(*) AS c FROM (SELECT unnest(actor_ids) AS a FROM m WHERE s_o AND s_d) AS x GROUP BY a
        )"""
        sql.append("""
        UNION ALL (SELECT 'o', c, outlet, NULL, NULL, NULL FROM fo ORDER BY c DESC, outlet LIMIT %s)
        UNION ALL SELECT 'o', c, outlet, NULL, NULL, NULL FROM fo WHERE outlet = ANY(%s)
        UNION ALL SELECT 'ov', count(*), NULL, NULL, NULL, NULL FROM fo
        UNION ALL (SELECT 'a', a, NULL, NULL, c, NULL FROM fa ORDER BY c DESC, a LIMIT %s)
        UNION ALL SELECT 'a', a, NULL, NULL, c, NULL FROM fa WHERE a = ANY(%s)
        UNION ALL SELECT 'av', count(*), NULL, NULL, NULL, NULL FROM fa
        UNION ALL SELECT 'd', count(*), NULL, published, NULL, NULL FROM m WHERE s_o AND s_a GROUP BY published
        UNION ALL SELECT 'so', 0, o, NULL, NULL, NULL FROM unnest(%s::text[]) AS o
            WHERE EXISTS (SELECT 1 FROM search_pgdocument x WHERE x.outlet = o)
        UNION ALL SELECT 'sa', a, NULL, NULL, NULL, NULL FROM unnest(%s::bigint[]) AS a
            WHERE EXISTS (SELECT 1 FROM search_pgdocument x WHERE x.actor_ids @> ARRAY[a])""")
        selected_outlets = [*query.outlets, *_excluded_outlets(query)]
        selected_actors = [*query.actors, *_excluded_actors(query)]
        params += [query.facet_size, selected_outlets, query.facet_size, selected_actors, selected_outlets, selected_actors]
        if query.coverage:
            # Who covered it first (each outlet's earliest result) and the date histogram split
            # by outlet (the date facet's scope, for the outlets with the most dated matches).
            sql[0] += """, cd AS MATERIALIZED (
                SELECT outlet COLLATE "C" AS outlet, published, count(*) AS c FROM m
                WHERE s_o AND s_a AND outlet <> '' AND published IS NOT NULL GROUP BY 1, 2
            )"""
            sql.append("""
        UNION ALL SELECT 'cd', c, outlet, published, NULL, NULL FROM cd WHERE outlet IN (
            SELECT outlet FROM cd GROUP BY outlet ORDER BY sum(c) DESC, outlet LIMIT %s)
        UNION ALL SELECT 'cf', article_id, outlet, published, NULL, NULL FROM (
            SELECT DISTINCT ON (outlet) outlet, article_id, published FROM r ORDER BY outlet, published NULLS LAST, article_id
        ) AS firsts""")
            params.append(query.coverage_outlets)
    return "".join(sql), params


def _results(rows: list[tuple], query: SearchQuery, messages: list[str], ranked: bool) -> SearchResults:
    page: list[tuple[int, Hit]] = []
    total = 0
    uncollapsed: int | None = None
    outlets: dict[str, int] = {}
    actors: dict[int, int] = {}
    facets = FacetCounts() if query.facets else None
    known_outlets: list[str] = []
    known_actors: list[int] = []
    outlet_values = actor_values = 0
    outlet_days: dict[str, dict[dt.date, int]] = {}
    firsts: list[tuple[str, int, dt.date | None]] = []
    for part, key, label, day, value, n in rows:
        if part == "h":
            page.append((n, Hit(int(key), float(value) if ranked and value is not None else None)))  # as Whoosh: no score by date
        elif part == "t":
            total = int(key)
        elif part == "u":
            uncollapsed = int(key)
        elif part == "ov":
            outlet_values = int(key)
        elif part == "av":
            actor_values = int(key)
        elif part == "o":
            outlets[label] = int(key)
        elif part == "a":
            actors[int(key)] = int(value)
        elif part == "d" and facets is not None:
            if day is None:
                facets.undated = int(key)
            else:
                facets.days[day] = int(key)
        elif part == "cd" and facets is not None:
            outlet_days.setdefault(label, {})[day] = int(key)
        elif part == "cf":
            firsts.append((label or "", int(key), day))
        elif part == "so":
            known_outlets.append(label)
        elif part == "sa":
            known_actors.append(int(key))
    hits = [hit for _, hit in sorted(page, key=lambda item: item[0])]
    if facets is not None:
        facets.days = dict(sorted(facets.days.items()))
        facets.outlets = _top(outlets, query.facet_size, known_outlets)
        facets.outlet_values = outlet_values
        facets.actors = _top(actors, query.facet_size, known_actors)
        facets.actor_values = actor_values
        if query.coverage:
            facets.outlet_days = {name: dict(sorted(days.items())) for name, days in outlet_days.items()}
            facets.first = sorted(firsts, key=lambda f: (f[2] is None, f[2] or dt.date.min, f[1]))
    if uncollapsed is None and query.collapse:
        uncollapsed = total
    return SearchResults(total=total, hits=hits, messages=messages, facets=facets, uncollapsed_total=uncollapsed)


def _top(counts: dict, size: int, always: list) -> list:
    """The `size` most frequent values (ties by value), plus the selected ones, largest first."""
    chosen = sorted(counts, key=lambda value: (-counts[value], value))[:size]
    picked = set(chosen) | set(always)
    return [(value, counts.get(value, 0)) for value in sorted(picked, key=lambda value: (-counts.get(value, 0), value))]
