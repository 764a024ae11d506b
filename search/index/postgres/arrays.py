"""The postgres engine's facet arrays, kept in each web process and in step with the database.

Counting facets in SQL (unnest and group the actor ids of every match) grew with the matches:
a broad query spent most of its time there, and the newest-first page sorted every match. As
on Whoosh, each process instead keeps per-document arrays (search.index.facet_arrays): the
statement returns the matching article ids, and facets, totals, collapsing, who covered it
first and pages by date are counted over the arrays.

Nothing is kept on disk (a web server needs no state of its own): the arrays are read from
search_pgdocument, in blocks of 2**BLOCK_BITS article ids. Each write of the index sets the
generation (models.PgGeneration) and lists the blocks it changed (models.PgChange), in the
writer's transaction; a search reads the generation in its own snapshot and reloads only the
blocks changed since its arrays were made, so a new import costs the next search a block or
two, not a reload of the archive.

Arrays shared between requests are only ever made from a snapshot without writes of its own:
a search inside a transaction that wrote to the index (an import's own checks, a test) reads
private arrays of its snapshot instead.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field, replace

import numpy as np

from search.index.facet_arrays import FacetArrays

BLOCK_BITS = 12  # 4,096 article ids per block
KEEP_GENERATIONS = 4096  # change rows kept; a process whose arrays are older reloads them all
_ORDINAL_OFFSET = dt.date(1, 1, 1).toordinal()
# One string per outlet name for every block of the process (a row's name is a new string).
_OUTLET_NAMES: dict[str, str] = {}  # published - DATE '0001-01-01' + this = ordinal

_BUMP = """
INSERT INTO search_pggeneration (id, generation, pruned_to) VALUES (1, nextval('search_pggeneration_seq'), currval('search_pggeneration_seq'))
ON CONFLICT (id) DO UPDATE SET generation = nextval('search_pggeneration_seq')
RETURNING generation, pruned_to
"""
_LOAD = f"""
SELECT article_id, outlet, coalesce(published - DATE '0001-01-01' + {_ORDINAL_OFFSET}, 0),
       cardinality(actor_ids), array_to_string(actor_ids, ' '), array_to_string(copy_of, ' ')
FROM search_pgdocument WHERE {{where}} ORDER BY article_id
"""


def mark_changed(cursor, article_ids: list[int], everything: bool = False) -> None:  # type: ignore[no-untyped-def]
    """In the writer's transaction: the next generation, and the blocks these ids fall in (or,
    with `everything`, that no process may keep its arrays: after TRUNCATE)."""
    cursor.execute(_BUMP)
    generation, pruned_to = cursor.fetchone()
    if everything:
        cursor.execute("UPDATE search_pggeneration SET pruned_to = generation WHERE id = 1")
        cursor.execute("DELETE FROM search_pgchange")
        return
    blocks = sorted({int(i) >> BLOCK_BITS for i in article_ids})
    cursor.execute(
        "INSERT INTO search_pgchange (generation, block) SELECT %s, b FROM unnest(%s::int[]) AS b", [generation, blocks]
    )
    if generation - pruned_to > 2 * KEEP_GENERATIONS:
        cursor.execute("DELETE FROM search_pgchange WHERE generation <= %s", [generation - KEEP_GENERATIONS])
        cursor.execute("UPDATE search_pggeneration SET pruned_to = %s WHERE id = 1", [generation - KEEP_GENERATIONS])


@dataclass
class Block:
    """One block's documents, in article id order."""

    article_ids: np.ndarray  # int64
    outlets: list[str]
    days: np.ndarray  # int32 ordinal, 0 when undated
    actor_counts: np.ndarray  # int32 per document
    actor_ids: np.ndarray  # int32 (int64 past 2**31), the documents' actor ids one after another
    copies: np.ndarray  # int64 (n, 2): a copy's article id and its source's


@dataclass
class Arrays:
    """FacetArrays of one generation, with the blocks they were assembled from."""

    generation: int | None
    blocks: dict[int, Block]
    facets: FacetArrays = field(init=False)

    def __post_init__(self) -> None:
        order = sorted(self.blocks)
        self.facets = assemble([self.blocks[b] for b in order])
        # The blocks become views of the assembled arrays, so each entry is held once, not twice.
        facets, at, entries = self.facets, 0, 0
        views: dict[int, Block] = {}
        for b in order:
            block = self.blocks[b]
            n, m = block.article_ids.size, block.actor_ids.size
            views[b] = replace(
                block,
                article_ids=facets.article_ids[at : at + n],
                days=facets.days[at : at + n],
                actor_ids=facets.actor_ids[entries : entries + m],
            )
            at, entries = at + n, entries + m
        self.blocks = views


def load_blocks(cursor, blocks: list[int] | None = None) -> dict[int, Block]:  # type: ignore[no-untyped-def]
    """The blocks named (all when None) as the cursor's snapshot sees them. Rows are turned
    into arrays a block at a time, so a process holds one block's rows as Python objects at
    most (a whole archive's rows cost about 1 kB each before they are arrays)."""
    out: dict[int, Block] = {block: _block([]) for block in blocks or ()}  # emptied blocks stay, empty
    if blocks is None:
        # A server-side cursor: the client holds one batch of rows, not the whole archive's.
        # Its errors become Django's, as those of the caller's cursor.
        with cursor.db.wrap_database_errors, cursor.db.connection.cursor(name="newsindex_arrays") as named:
            named.execute(_LOAD.format(where="TRUE"))
            _collect(named, out)
    else:
        for block in blocks:
            cursor.execute(_LOAD.format(where="article_id >= %s AND article_id < %s"), [block << BLOCK_BITS, (block + 1) << BLOCK_BITS])
            _collect(cursor, out)
    return out


def _collect(cursor, out: dict[int, Block]) -> None:  # type: ignore[no-untyped-def]
    """The executed statement's rows (in article id order) as blocks, into `out`."""
    rows: list[tuple] = []
    current = None
    while batch := cursor.fetchmany(1 << BLOCK_BITS):
        for row in batch:
            block = row[0] >> BLOCK_BITS
            if block != current and rows:
                out[current] = _block(rows)
                rows = []
            current = block
            rows.append(row)
    if rows:
        out[current] = _block(rows)


def _block(rows: list[tuple]) -> Block:
    n = len(rows)
    actors = " ".join(row[4] for row in rows if row[3])
    copies = [(row[0], int(source)) for row in rows if row[5] for source in row[5].split()]
    actor_ids = np.array(actors.split(), dtype=np.int64) if actors else np.zeros(0, dtype=np.int64)
    return Block(
        article_ids=np.fromiter((row[0] for row in rows), dtype=np.int64, count=n),
        outlets=[_OUTLET_NAMES.setdefault(row[1], row[1]) if row[1] else "" for row in rows],
        days=np.fromiter((row[2] for row in rows), dtype=np.int32, count=n),
        actor_counts=np.fromiter((row[3] or 0 for row in rows), dtype=np.int32, count=n),
        actor_ids=_narrow(actor_ids),
        copies=np.array(copies, dtype=np.int64).reshape(-1, 2),
    )


def _narrow(ids: np.ndarray) -> np.ndarray:
    """Actor ids as int32 while they fit (half the memory of the largest arrays)."""
    return ids.astype(np.int32) if not ids.size or int(ids.max()) < 2**31 else ids


def assemble(blocks: list[Block]) -> FacetArrays:
    """One FacetArrays from blocks in article id order. Actor ids are their own codes (counts
    are a bincount as long as the largest id), so no sort of every actor entry is needed."""
    article_ids = np.concatenate([b.article_ids for b in blocks]) if blocks else np.zeros(0, dtype=np.int64)
    size = int(article_ids.size)
    # Outlet codes in name order (code points, as PostgreSQL's "C" collation): ties in the
    # outlet facet fall by name, as when counted in SQL.
    names = sorted({name for block in blocks for name in block.outlets if name})
    index = {name: code for code, name in enumerate(names)}
    index[""] = -1
    codes = np.fromiter((index[name] for block in blocks for name in block.outlets), dtype=np.int32, count=size)
    del index[""]
    counts = np.concatenate([b.actor_counts for b in blocks]) if blocks else np.zeros(0, dtype=np.int32)
    starts = np.zeros(size + 1, dtype=np.int64)
    np.cumsum(counts, out=starts[1:])
    actor_ids = _narrow(np.concatenate([b.actor_ids for b in blocks])) if blocks else np.zeros(0, dtype=np.int32)
    top = int(actor_ids.max()) + 1 if actor_ids.size else 0
    copies = np.concatenate([b.copies for b in blocks]) if blocks else np.zeros((0, 2), dtype=np.int64)
    copy_docs, source_docs = _pairs(article_ids, copies)
    return FacetArrays(
        size=size,
        outlet_codes=codes,
        outlet_names=names,
        outlet_index=index,
        days=np.concatenate([b.days for b in blocks]) if blocks else np.zeros(0, dtype=np.int32),
        actor_starts=starts,
        actor_ids=actor_ids,
        actor_docs=np.repeat(np.arange(size, dtype=np.int32), counts),
        copy_docs=copy_docs,
        copy_source_docs=source_docs,
        article_ids=article_ids,
        actor_values=np.arange(top, dtype=np.int64),
        actor_codes=actor_ids,  # the same array: an actor's id is its code
        live=np.ones(size, dtype=bool),
    )


def _pairs(article_ids: np.ndarray, copies: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Document numbers of (copy, source) pairs whose both articles are indexed."""
    if not copies.size or not article_ids.size:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    at = np.searchsorted(article_ids, copies).clip(0, article_ids.size - 1)
    present = (article_ids[at[:, 0]] == copies[:, 0]) & (article_ids[at[:, 1]] == copies[:, 1])
    return at[present, 0].astype(np.int64), at[present, 1].astype(np.int64)


class ArrayCache:
    """The arrays of the newest generation this process has seen, per database."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._kept: dict[str, Arrays] = {}

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()

    def arrays(self, cursor, database: str) -> Arrays | None:  # type: ignore[no-untyped-def]
        """Arrays matching the cursor's snapshot, or None when this snapshot is older than the
        process's arrays (another request saw a newer generation; the caller counts in SQL)."""
        cursor.execute(
            "SELECT (SELECT pg_current_xact_id_if_assigned() IS NOT NULL),"
            " (SELECT generation FROM search_pggeneration WHERE id = 1), (SELECT pruned_to FROM search_pggeneration WHERE id = 1)"
        )
        wrote, generation, pruned_to = cursor.fetchone()
        if wrote or generation is None:
            return Arrays(None, load_blocks(cursor))  # private to this snapshot
        kept = self._kept.get(database)
        if kept is not None and kept.generation == generation:
            return kept
        if kept is not None and kept.generation > generation:
            return None
        if kept is None or kept.generation < pruned_to:
            made = Arrays(generation, load_blocks(cursor))
        else:
            cursor.execute("SELECT DISTINCT block FROM search_pgchange WHERE generation > %s", [kept.generation])
            changed = sorted(row[0] for row in cursor.fetchall())
            blocks = dict(kept.blocks)
            for block, loaded in load_blocks(cursor, changed).items():
                if loaded.article_ids.size:
                    blocks[block] = loaded
                else:
                    blocks.pop(block, None)
            made = Arrays(generation, blocks)
        with self._lock:
            current = self._kept.get(database)
            if current is None or current.generation is None or current.generation < generation:
                self._kept[database] = made
        return made


CACHE = ArrayCache()
