"""The Whoosh engine's facet arrays (search.index.facet_arrays), read from an index reader.

Whoosh's own faceting (groupedby=) scores and sorts every match and runs a query per date
bucket; here the values of each document are read once per index version from its columns
(and prepared at each commit by the writer: prepared.py).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from whoosh.reading import IndexReader

from search.index.facet_arrays import FacetArrays


def build(reader: IndexReader, only: np.ndarray | None = None) -> FacetArrays:
    """The arrays of every document, or of the documents `only` (document numbers; the others
    count as deleted): SearchQuery.within reads its few documents' values one by one, at a
    cost that follows them, not the index."""
    size = reader.doc_count_all()
    live = np.zeros(size, dtype=bool)
    live[np.fromiter(reader.all_doc_ids(), dtype=np.int64) if only is None else only] = True
    names: list[str] = []
    index: dict[str, int] = {}
    codes = np.full(size, -1, dtype=np.int32)
    for docnum, name in _column(reader, "outlet_name", only):
        if name:
            code = index.get(name)
            if code is None:
                code = index[name] = len(names)
                names.append(name)
            codes[docnum] = code
    days = _numbers(reader, "day", size, only).astype(np.int32)
    lengths = np.zeros(size, dtype=np.int64)
    flat: list[int] = []
    for docnum, value in _column(reader, "actors", only):
        if value:
            ids = value.decode().split() if isinstance(value, bytes) else value.split()
            lengths[docnum] = len(ids)
            flat.extend(map(int, ids))
    starts = np.zeros(size + 1, dtype=np.int64)
    np.cumsum(lengths, out=starts[1:])
    actor_ids = np.array(flat, dtype=np.int64)
    actor_docs = np.repeat(np.arange(size, dtype=np.int64), lengths)
    article_ids = _numbers(reader, "article_id", size, only)
    copy_docs, copy_source_docs = _copy_pairs(reader, article_ids, live, only)
    actor_values, actor_codes = np.unique(actor_ids, return_inverse=True)
    return FacetArrays(
        size, codes, names, index, days, starts, actor_ids, actor_docs, copy_docs, copy_source_docs, article_ids,
        actor_values, actor_codes.astype(np.int32), live,
    )


def _column(reader: IndexReader, name: str, only: np.ndarray | None) -> Iterable[tuple[int, object]]:
    """(document number, value) of a column: every document, or the documents `only`."""
    column = reader.column_reader(name)
    if only is None:
        return enumerate(column)
    return ((docnum, column[docnum]) for docnum in only.tolist())


def _numbers(reader: IndexReader, name: str, size: int, only: np.ndarray | None) -> np.ndarray:
    """A numeric column as int64 per document (0 for no value or a document not in `only`)."""
    if only is None:
        return np.fromiter((int(v or 0) for v in reader.column_reader(name)), dtype=np.int64, count=size)
    values = np.zeros(size, dtype=np.int64)
    for docnum, value in _column(reader, name, only):
        values[docnum] = int(value or 0)
    return values


def _copy_pairs(reader: IndexReader, article_ids: np.ndarray, live: np.ndarray, only: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    doc_of_id = {article_id: docnum for docnum, article_id in zip(np.flatnonzero(live).tolist(), article_ids[live].tolist()) if article_id}
    copies: list[int] = []
    sources: list[int] = []
    for docnum, value in _column(reader, "copy_of", only):
        if value:
            for source in (value.decode() if isinstance(value, bytes) else value).split():
                source_doc = doc_of_id.get(int(source))
                if source_doc is not None:
                    copies.append(docnum)
                    sources.append(source_doc)
    return np.array(copies, dtype=np.int64), np.array(sources, dtype=np.int64)
