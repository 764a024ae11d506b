"""Facet arrays and word lists prepared by the index writer at each commit, mapped by readers.

Without them every web worker builds the facet arrays (search.index.facet_arrays, read by search.index.whoosh.facets) and reads
the words of the title and body fields (search.index.whoosh.vocabulary) itself, on the first
request after each index change: seconds on the request path, and a private copy per worker.
The writer builds them once per index generation, after the Whoosh commit, into

    <index>/.prepared/<generation>-<segments digest>/manifest.json, <array>.npy, words.<field>.*.npy

written under a temporary name and renamed into place, so a reader finds a complete folder or
none. While the writer commits and prepares, a marker (.preparing-<pid>, holding the generation
it commits) tells readers that this version's files are coming: a reader of that generation
waits for them (at most WAIT_FOR_WRITER seconds) rather than build the same arrays meanwhile. Readers map the .npy files read-only (numpy.load(mmap_mode="r")): the pages sit once in
the page cache, shared by every worker. The folder name is the reader's own key, computed from
the segments it opened (their ids, sizes and deletions), and the manifest repeats it: a reader
never uses another generation's arrays. When the folder of its generation is missing (an index
written by an older version, a crash between the commit and the preparation, a failed write),
the reader builds in process, as before.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import overload

import numpy as np
from whoosh.index import Index
from whoosh.reading import IndexReader

from search.index.facet_arrays import FacetArrays
from search.index.whoosh import facets as whoosh_facets
from search.index.whoosh.vocabulary import read_words

log = logging.getLogger(__name__)

FORMAT = 1  # bump when the files change meaning: older folders are then ignored (built in process)
FOLDER = ".prepared"  # a dot folder: Whoosh's clean-up and the importer's folder walk both skip it
# Fields whose words are prepared: those the query language expands (prefix, wildcard, fuzzy,
# range). Words of other fields are read in process when a query names them.
WORD_FIELDS = ("title", "body", "outlet", "authors", "actor")
ARRAY_FIELDS = tuple(f.name for f in fields(FacetArrays) if f.name not in ("size", "outlet_names", "outlet_index"))
_KEY = re.compile(r"^(\d+)-[0-9a-f]+$")
_TEMPORARY = re.compile(r"^\.(?:tmp-.+|preparing)-(\d+)$")
MARKER = ".preparing-"
WAIT_FOR_WRITER = 10.0  # seconds a reader waits for files a live writer is preparing
MARKER_STALE = 900.0  # seconds after which a marker is ignored (its pid may have been reused)


class WordList(Sequence[str]):
    """A field's sorted words from a mapped file: UTF-8, each followed by a newline, and each
    word's start offset (one more offset at the end). Only the words looked at are decoded."""

    def __init__(self, text: np.ndarray, starts: np.ndarray) -> None:
        self._text = memoryview(text)
        self._starts = starts
        self._size = len(starts) - 1

    def __len__(self) -> int:
        return self._size

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            low, high, step = index.indices(self._size)
            if step != 1:
                return [self[i] for i in range(low, high, step)]
            if low >= high:
                return []
            return bytes(self._text[int(self._starts[low]) : int(self._starts[high]) - 1]).decode("utf-8").split("\n")
        if index < 0:
            index += self._size
        if not 0 <= index < self._size:
            raise IndexError(index)
        return bytes(self._text[int(self._starts[index]) : int(self._starts[index + 1]) - 1]).decode("utf-8")


@dataclass
class Prepared:
    key: str
    facets: FacetArrays
    words: dict[str, WordList]


def generation_key(reader: IndexReader) -> str | None:
    """The index version this reader reads: the TOC generation and a digest of its segments
    (the generation alone restarts at 0 when the index is reset). None for an empty index."""
    generation = reader.generation()
    if generation is None:
        return None
    leaves = [(reader, 0)] if reader.is_atomic() else list(reader.leaf_readers())
    parts = []
    for leaf, offset in leaves:
        segment = leaf.segment()
        if segment is None:
            return None
        parts.append(f"{segment.segment_id()}:{offset}:{segment.doc_count_all()}:{segment.deleted_count()}")
    return f"{generation:010d}-{hashlib.sha1('|'.join(parts).encode()).hexdigest()[:16]}"


def folder(index_path: str) -> Path:
    return Path(index_path) / FOLDER


def announce(index_path: str, generation: int) -> Path | None:
    """Mark that this process is committing `generation` and will prepare it (see withdraw)."""
    marker = folder(index_path) / f"{MARKER}{os.getpid()}"
    try:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(str(generation))
    except OSError:
        return None  # the preparation will fail too and say why
    return marker


def withdraw(marker: Path | None) -> None:
    if marker is not None:
        try:
            marker.unlink(missing_ok=True)
        except OSError:
            pass


def writer_preparing(root: Path, generation: int) -> bool:
    """Another live process is committing or preparing this generation."""
    try:
        entries = list(os.scandir(root))
    except OSError:
        return False
    for entry in entries:
        if entry.name.startswith(MARKER) and entry.name[len(MARKER) :].isdigit():
            pid = int(entry.name[len(MARKER) :])
            try:
                fresh = time.time() - entry.stat().st_mtime < MARKER_STALE
                announced = Path(entry.path).read_text().strip()
            except OSError:
                continue
            if announced == str(generation) and pid != os.getpid() and fresh and _alive(pid):
                return True
    return False


def prepare(index_path: str, ix: Index) -> str | None:
    """Write the prepared files of the index's current generation (unless already there) and
    remove older generations' folders. Returns the generation key (None: nothing to prepare)."""
    root = folder(index_path)
    with ix.reader() as reader:
        key = generation_key(reader)
        if key is None:
            return None
        if not _current_format(root / key):
            shutil.rmtree(root / key, ignore_errors=True)  # missing, or written by another version
            _write(root, key, reader)
    remove_old(root, key)
    return key


def _current_format(place: Path) -> bool:
    try:
        manifest = json.loads((place / "manifest.json").read_text())
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and manifest.get("format") == FORMAT and manifest.get("arrays") == list(ARRAY_FIELDS)


def _write(root: Path, key: str, reader: IndexReader) -> None:
    temporary = root / f".tmp-{key}-{os.getpid()}"
    shutil.rmtree(temporary, ignore_errors=True)
    temporary.mkdir(parents=True)
    try:
        facets = whoosh_facets.build(reader)
        for name in ARRAY_FIELDS:
            np.save(temporary / f"{name}.npy", getattr(facets, name))
        words: dict[str, int] = {}
        for fieldname in WORD_FIELDS:
            if fieldname not in reader.schema:
                continue
            listed = read_words(reader, fieldname)
            if any(b"\n" in word for word in listed):
                continue  # the separator: this field's words are read in process
            lengths = np.fromiter((len(word) + 1 for word in listed), dtype=np.int64, count=len(listed))
            starts = np.zeros(len(listed) + 1, dtype=np.int64)
            np.cumsum(lengths, out=starts[1:])
            text = np.frombuffer(b"".join(word + b"\n" for word in listed), dtype=np.uint8)
            np.save(temporary / f"words.{fieldname}.text.npy", text)
            np.save(temporary / f"words.{fieldname}.starts.npy", starts.astype(np.uint32) if starts[-1] < 2**32 else starts)
            words[fieldname] = len(listed)
        manifest = {
            "format": FORMAT,
            "key": key,
            "size": facets.size,
            "outlet_names": facets.outlet_names,
            "arrays": list(ARRAY_FIELDS),
            "words": words,
        }
        (temporary / "manifest.json").write_text(json.dumps(manifest))
        try:
            os.rename(temporary, root / key)
        except OSError:
            if not _current_format(root / key):
                raise
            shutil.rmtree(temporary, ignore_errors=True)  # another writer prepared it meanwhile
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise


def remove_old(root: Path, key: str) -> None:
    """Remove folders of generations before `key`'s, but the newest of them (a reader of the
    generation just replaced may still be loading it; mapped files outlive their removal), and
    temporary folders of writers that are gone. Never removes a newer generation's folder."""
    current = int(key.split("-", 1)[0])
    older: list[tuple[int, str]] = []
    try:
        names = os.listdir(root)
    except OSError:
        return
    for name in names:
        found = _KEY.match(name)
        if found and int(found.group(1)) < current:
            older.append((int(found.group(1)), name))
        elif found and int(found.group(1)) == current and name != key:
            shutil.rmtree(root / name, ignore_errors=True)  # same generation, other segments: dead
        temporary = _TEMPORARY.match(name)
        if temporary and int(temporary.group(1)) != os.getpid() and not _alive(int(temporary.group(1))):
            if (root / name).is_dir():
                shutil.rmtree(root / name, ignore_errors=True)
            else:
                withdraw(root / name)  # the marker of a writer that died
    for _generation, name in sorted(older)[:-1]:
        shutil.rmtree(root / name, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def load(index_path: str, reader: IndexReader) -> Prepared | None:
    """This reader's prepared files, mapped; None when they are missing or not this generation's."""
    key = generation_key(reader)
    if key is None:
        return None
    place = folder(index_path) / key
    deadline = time.monotonic() + WAIT_FOR_WRITER
    while not (place / "manifest.json").exists() and time.monotonic() < deadline and writer_preparing(place.parent, int(key.split("-")[0])):
        time.sleep(0.05)
    try:
        manifest = json.loads((place / "manifest.json").read_text())
        size = reader.doc_count_all()
        if manifest.get("format") != FORMAT or manifest.get("key") != key or manifest.get("size") != size:
            log.debug("prepared files in %s are not this index version's: building in process", place)
            return None
        if manifest.get("arrays") != list(ARRAY_FIELDS):
            log.info("prepared files in %s were written by another version: building in process", place)
            return None
        arrays = {name: _map(place / f"{name}.npy") for name in ARRAY_FIELDS}
        if any(arrays[name].shape != (size,) for name in ("outlet_codes", "days", "article_ids", "live")):
            log.warning("prepared files in %s do not match the index (%s documents): building in process", place, size)
            return None
        names = list(manifest["outlet_names"])
        facets = FacetArrays(size=size, outlet_names=names, outlet_index={n: i for i, n in enumerate(names)}, **arrays)
        words = {
            fieldname: WordList(_map(place / f"words.{fieldname}.text.npy"), _map(place / f"words.{fieldname}.starts.npy"))
            for fieldname in manifest["words"]
        }
    except FileNotFoundError:
        log.debug("no prepared files for index version %s: building in process", key)
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("prepared files in %s cannot be read (%s): building in process", place, exc)
        return None
    return Prepared(key, facets, words)


def _map(path: Path) -> np.ndarray:
    """A read-only view of the .npy file, mapped (its pages are shared by every process)."""
    array = np.load(path, mmap_mode="r", allow_pickle=False)
    return np.asarray(array)
