"""Facet arrays and word lists prepared by the writer at each commit (search.index.whoosh.prepared):
equal to those built in process, used by readers in other processes, and never used for another
index version (a reader then builds in process and its results stay right)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from itertools import islice
from pathlib import Path

import numpy as np
import pytest

from search.index.base import SearchQuery
from search.index.whoosh import prepared
from search.index.whoosh.backend import WhooshBackend
from search.index.facet_arrays import FacetArrays
from search.index.whoosh import facets as whoosh_facets
from search.index.whoosh.vocabulary import read_words
from tests.conftest import CORPUS, ROOT, corpus_path, import_into_db
from tests.index.conftest import _documents

SAMPLE_SLICE = 150  # records of sample2000.jsonl imported beside the seeds
QUERIES = ["immig*", "presidnt~", "trump", "", "title:[tr TO trv]", "outlet:fox OR wh?te"]


def _sample_slice(folder: Path) -> Path:
    path = folder / "sample-slice.jsonl"
    with corpus_path("allsides", "sample2000.jsonl").open() as fh:
        path.write_text("".join(islice(fh, SAMPLE_SLICE)))
    return path


def _outcome(backend: WhooshBackend, text: str) -> tuple[int, list[int], list, list, dict]:
    found = backend.search(SearchQuery(text, facets=True, limit=50))
    assert found.facets is not None
    return found.total, [hit.article_id for hit in found.hits], found.facets.outlets, found.facets.actors, found.facets.days


def _assert_same_arrays(mapped: FacetArrays, built: FacetArrays) -> None:
    assert mapped.size == built.size
    assert mapped.outlet_names == built.outlet_names and mapped.outlet_index == built.outlet_index
    for name in prepared.ARRAY_FIELDS:
        one, other = getattr(mapped, name), getattr(built, name)
        assert one.dtype == other.dtype, name
        assert np.array_equal(one, other), name


@pytest.fixture
def imported(db, backend, tmp_path):  # type: ignore[no-untyped-def]
    """The seeds (with their actors) and a slice of sample2000 imported the ordinary way: two
    imports, each ending with a commit of the index."""
    if not isinstance(backend, WhooshBackend):
        pytest.skip("prepared files are the Whoosh engine's")
    assert import_into_db(CORPUS).imported == 5
    report = import_into_db(_sample_slice(tmp_path), actors=False)  # actor extraction: the seeds show it
    assert report.imported > SAMPLE_SLICE // 2, report
    return backend


@pytest.mark.corpora
def test_prepared_files_equal_what_a_reader_builds_after_an_import(imported):
    with imported.searcher() as searcher:
        reader = searcher.reader()
        ready = prepared.load(imported.path, reader)
        assert ready is not None and ready.key == prepared.generation_key(reader)
        built = whoosh_facets.build(reader)
        assert built.actor_ids.size and len(built.outlet_names) > 5 and np.count_nonzero(built.days)  # not vacuous
        _assert_same_arrays(ready.facets, built)
        assert not ready.facets.live.flags.writeable  # mapped read-only, not copied
        assert set(ready.words) == set(prepared.WORD_FIELDS)
        for fieldname, words in ready.words.items():
            expected = [word.decode() for word in read_words(reader, fieldname)]
            assert words[:] == expected, fieldname
            assert len(words) == len(expected) and (not expected or (words[0], words[-1]) == (expected[0], expected[-1]))


CHILD = """
import json, sys
import django
django.setup()
from search.index.base import SearchQuery
from search.index.whoosh.backend import WhooshBackend
backend = WhooshBackend(sys.argv[1])
out = {}
for text in json.loads(sys.argv[2]):
    found = backend.search(SearchQuery(text, facets=True, limit=50))
    out[text] = [found.total, [h.article_id for h in found.hits], found.facets.outlets, found.facets.actors, len(found.facets.days)]
print(json.dumps({"results": out, "in_process": dict(backend.in_process)}))
"""


@pytest.mark.corpora
def test_search_in_another_process_maps_the_prepared_files(imported, monkeypatch, tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "newsindex.settings", "NEWSINDEX_DATA_DIR": str(tmp_path / "child")}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, imported.path, json.dumps(QUERIES)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    child = json.loads(done.stdout.splitlines()[-1])
    assert child["in_process"] == {}  # no facet arrays built, no field's words read there
    # The same searches built in process here (the prepared files ignored) give the same answers.
    monkeypatch.setattr(prepared, "load", lambda path, reader: None)
    here = WhooshBackend(imported.path)
    for text in QUERIES:
        total, hits, outlets, actors, days = _outcome(here, text)
        assert child["results"][text] == json.loads(json.dumps([total, hits, outlets, actors, len(days)])), text
    assert here.in_process["facets"] == 1 and here.in_process["words:body"] == 1


# --- without the database: an index written batch by batch --------------------------------------


@pytest.fixture
def docs() -> list[dict]:
    return _documents(corpus_path("allsides", "sample2000.jsonl"))[:300]


def _commit(backend: WhooshBackend, update: list[dict] = (), delete: range = range(0)) -> None:  # type: ignore[assignment]
    writer = backend.open_writer()
    writer.update(update)
    writer.delete(delete)
    writer.commit()


def _generations(backend: WhooshBackend) -> list[str]:
    return sorted(name for name in os.listdir(prepared.folder(backend.path)) if not name.startswith("."))


@pytest.mark.corpora
def test_a_commit_without_preparing_is_read_in_process(tmp_path, docs):
    backend = WhooshBackend(str(tmp_path / "ix"))
    _commit(backend, docs[:200])
    before = _outcome(backend, "immig* OR presidnt~")
    assert backend.in_process == {}
    backend.prepare_on_commit = False  # as a crash between the commit and the preparation
    _commit(backend, docs[200:], delete=range(1, 200, 3))
    assert len(_generations(backend)) == 1  # the previous version's files are still there ...
    after = _outcome(backend, "immig* OR presidnt~")
    assert backend.in_process["facets"] == 1 and backend.in_process["words:body"] == 1  # ... and not used
    with backend.searcher() as searcher:
        assert backend.prepared_files(searcher) is None
        built = whoosh_facets.build(searcher.reader())
        assert np.array_equal(backend.facet_arrays(searcher).live, built.live)
    assert after != before and not set(after[1]) & set(range(1, 200, 3))  # deleted articles gone
    backend.prepare()  # what the next commit does: now this version's files are used
    fresh = WhooshBackend(backend.path)
    assert _outcome(fresh, "immig* OR presidnt~") == after and fresh.in_process == {}


@pytest.mark.corpora
def test_files_of_another_version_are_never_used(tmp_path, docs):
    """A folder moved to this version's name (the manifest says otherwise), and a folder of the
    same generation number before a reset (other segments): both read as missing."""
    backend = WhooshBackend(str(tmp_path / "ix"))
    _commit(backend, docs[:100])
    old = prepared.folder(backend.path) / _generations(backend)[0]
    shutil.copytree(old, tmp_path / "saved")
    backend.prepare_on_commit = False
    _commit(backend, docs[100:150])
    with backend.searcher() as searcher:
        key = prepared.generation_key(searcher.reader())
    shutil.copytree(old, prepared.folder(backend.path) / key)
    reader_backend = WhooshBackend(backend.path)
    assert _outcome(reader_backend, "trump")[0] > 0
    assert reader_backend.in_process["facets"] == 1
    backend.reset()  # generations restart at 0: the same generation number, other segments
    assert not prepared.folder(backend.path).exists()
    _commit(backend, docs[:100])
    shutil.copytree(tmp_path / "saved", prepared.folder(backend.path) / old.name)
    with backend.searcher() as searcher:
        assert prepared.generation_key(searcher.reader()) != old.name
        assert prepared.generation_key(searcher.reader()).split("-")[0] == old.name.split("-")[0]
        assert backend.prepared_files(searcher) is None


@pytest.mark.corpora
@pytest.mark.parametrize("damage", ["missing array", "older format", "truncated words"])
def test_damaged_files_fall_back_to_building(tmp_path, docs, damage):
    backend = WhooshBackend(str(tmp_path / "ix"))
    _commit(backend, docs[:150])
    expected = _outcome(backend, "presidnt~ OR trump")
    place = prepared.folder(backend.path) / _generations(backend)[0]
    if damage == "missing array":
        (place / "live.npy").unlink()
    elif damage == "older format":
        manifest = json.loads((place / "manifest.json").read_text())
        (place / "manifest.json").write_text(json.dumps({**manifest, "format": prepared.FORMAT - 1}))
    else:
        (place / "words.body.starts.npy").write_bytes(b"\x93NUMPY")
    reader_backend = WhooshBackend(backend.path)
    assert _outcome(reader_backend, "presidnt~ OR trump") == expected
    assert reader_backend.in_process["facets"] == 1
    if damage == "older format":  # preparing this version again replaces another version's files
        backend.prepare()
        fresh = WhooshBackend(backend.path)
        assert _outcome(fresh, "presidnt~ OR trump") == expected and fresh.in_process == {}


@pytest.mark.corpora
def test_old_versions_are_removed_but_the_one_just_replaced(tmp_path, docs):
    backend = WhooshBackend(str(tmp_path / "ix"))
    for start in range(0, 200, 50):
        _commit(backend, docs[start : start + 50])
        with backend.searcher() as searcher:
            current = prepared.generation_key(searcher.reader())
    kept = _generations(backend)
    assert len(kept) == 2 and kept[-1] == current
    assert int(kept[0].split("-")[0]) == int(current.split("-")[0]) - 1


@pytest.mark.corpora
def test_a_failed_preparation_does_not_fail_the_commit(tmp_path, docs, caplog):
    backend = WhooshBackend(str(tmp_path / "ix"))
    _commit(backend, docs[:50])
    shutil.rmtree(prepared.folder(backend.path))
    prepared.folder(backend.path).write_text("not a folder")  # every preparation now fails
    _commit(backend, docs[50:100])
    assert "not prepared" in caplog.text
    assert _outcome(backend, "trump")[0] > 0 and backend.in_process["facets"] == 1


@pytest.mark.corpora
def test_a_reader_waits_for_the_files_a_live_writer_is_preparing(tmp_path, docs):
    backend = WhooshBackend(str(tmp_path / "ix"))
    _commit(backend, docs[:100])
    backend.prepare_on_commit = False
    _commit(backend, docs[100:200])  # committed, not prepared yet ...
    with backend.searcher() as searcher:
        generation = searcher.reader().generation()
    writer = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])  # ... by this live process
    marker = prepared.folder(backend.path) / f"{prepared.MARKER}{writer.pid}"
    marker.write_text(str(generation - 1))  # another version's commit: nothing to wait for
    assert not prepared.writer_preparing(marker.parent, generation)
    marker.write_text(str(generation))
    try:
        assert prepared.writer_preparing(marker.parent, generation)
        threading.Timer(0.5, backend.prepare).start()  # its preparation ends while the reader waits
        reader_backend = WhooshBackend(backend.path)
        _outcome(reader_backend, "immig*")
        assert reader_backend.in_process == {}
    finally:
        writer.kill()
        writer.wait()
    backend.prepare_on_commit = True
    _commit(backend, docs[200:250])
    assert not marker.exists()  # a dead writer's marker is removed by the next preparation
    assert not [name for name in os.listdir(prepared.folder(backend.path)) if name.startswith(".")]


@pytest.mark.corpora
def test_a_dead_writers_marker_is_not_waited_for(tmp_path, docs):
    backend = WhooshBackend(str(tmp_path / "ix"))
    backend.prepare_on_commit = False
    _commit(backend, docs[:100])
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True).stdout.strip()
    prepared.folder(backend.path).mkdir(parents=True)
    (prepared.folder(backend.path) / f"{prepared.MARKER}{dead}").write_text("1")
    assert not prepared.writer_preparing(prepared.folder(backend.path), 1)
    reader_backend = WhooshBackend(backend.path)
    _outcome(reader_backend, "immig*")
    assert reader_backend.in_process["facets"] == 1 and reader_backend.in_process["words:body"] == 1


@pytest.mark.corpora
def test_a_commit_announces_the_generation_it_prepares(tmp_path, docs, monkeypatch):
    backend = WhooshBackend(str(tmp_path / "ix"))
    seen: list[tuple[str, int]] = []
    real_prepare = prepared.prepare

    def watched(index_path, ix):  # type: ignore[no-untyped-def]
        marker = prepared.folder(index_path) / f"{prepared.MARKER}{os.getpid()}"
        seen.append((marker.read_text(), ix.latest_generation()))
        return real_prepare(index_path, ix)

    monkeypatch.setattr(prepared, "prepare", watched)
    _commit(backend, docs[:50])
    _commit(backend, docs[50:100])
    assert seen == [("1", 1), ("2", 2)]
    assert not [name for name in os.listdir(prepared.folder(backend.path)) if name.startswith(".")]  # withdrawn
