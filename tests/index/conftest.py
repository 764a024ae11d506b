"""The `engine` fixture: a Whoosh index of real articles in several segments, no database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from search.index.whoosh.backend import WhooshBackend
from tests.conftest import corpus_path

ARTICLES = 900


def _documents(path: Path) -> list[dict]:
    docs = []
    with path.open() as fh:
        for number, line in enumerate(fh):
            if number >= ARTICLES:
                break
            record = json.loads(line)
            authors = [a.strip() for a in (record.get("authors") or "").split(",") if a.strip()]
            docs.append(
                {
                    "id": number + 1,
                    "title": record["title"],
                    "body": record.get("content_original") or record.get("content") or "",
                    "outlet": record.get("source") or "",
                    "authors": authors,
                    "date": None,
                    "actors": [],
                    "actor_names": [],
                    "copy_of": [],
                    "fingerprint": "",
                }
            )
    return docs


@pytest.fixture(scope="session")
def engine(tmp_path_factory) -> WhooshBackend:
    """900 AllSides articles committed in three batches (three segments), then some deleted
    and some replaced: posting lists span segments and hold deleted entries. Built once for
    the session: the scoring and vocabulary tests only read it."""
    docs = _documents(corpus_path("allsides", "sample2000.jsonl"))
    backend = WhooshBackend(str(tmp_path_factory.mktemp("scoring-index")))
    third = len(docs) // 3
    for batch in (docs[:third], docs[third : 2 * third], docs[2 * third :]):
        writer = backend.open_writer()
        writer.update(batch)
        writer.commit()
    writer = backend.open_writer()
    writer.delete(range(5, ARTICLES, 37))  # deleted documents stay in the posting lists
    writer.update([{**doc, "title": doc["title"] + " White House update"} for doc in docs[10:20]])  # replaced
    writer.commit()
    return backend
