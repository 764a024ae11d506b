"""Read inputs: folders, text/HTML files, JSONL/JSON/CSV record files, gzip-compressed or not.

`iter_inputs(paths)` yields a SourceRecord for every article found and a Rejection for every
input (file, or line of a record file) that cannot be read, with the reason.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import os
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

from search.ingest.decode import decode_bytes
from search.ingest.fields import META_FIELDS, canonical_fields, canonical_name
from search.ingest.records import RecordKind, RejectedRecord, Rejection, SourceRecord

MAX_TEXT_BYTES = 5 * 1024 * 1024  # larger single articles are rejected
MAX_JSON_FILE_BYTES = 512 * 1024 * 1024
MANIFEST_NAME = "metadata.csv"
TEXT_SUFFIXES = {".txt", ".md", ".text", ".markdown"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
RECORD_SUFFIXES = {".jsonl", ".ndjson", ".json", ".csv"}
DOC_NAMES = ("readme", "license", "licence", "changelog", "copying")

csv.field_size_limit(MAX_TEXT_BYTES * 2)

Item = SourceRecord | Rejection


class Ignored(str):
    """A file a folder walk passes over on purpose (not an error): the reason."""


def content_hash(kind: str, meta: dict[str, str], content: str) -> str:
    h = hashlib.sha256()
    h.update(kind.encode())
    h.update(json.dumps(meta, sort_keys=True, ensure_ascii=False).encode())
    h.update(b"\0")
    h.update(content.encode("utf-8"))
    return h.hexdigest()


def scrub(text: str) -> str:
    """Text every database accepts: no NUL characters, no lone surrogates (JSON can carry both)."""
    text = text.replace("\x00", "")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def _record(path: str, line: int | None, key: str, kind: RecordKind, content: str, meta: dict[str, str]) -> SourceRecord:
    content = scrub(content)
    meta = {name: scrub(value) for name, value in meta.items()}
    return SourceRecord(path, line, scrub(key), kind, content, meta, content_hash(kind, meta, content))


def inner_suffix(path: Path) -> tuple[str, bool]:
    """('.jsonl', True) for 'x.jsonl.gz'."""
    name = path.name.lower()
    compressed = name.endswith(".gz")
    if compressed:
        name = name[:-3]
    return Path(name).suffix, compressed


def _open_binary(path: Path, compressed: bool) -> IO[bytes]:
    return gzip.open(path, "rb") if compressed else open(path, "rb")  # noqa: SIM115


# --- manifests -----------------------------------------------------------------------------


def read_manifest(path: Path) -> tuple[dict[str, dict[str, str]], list[Rejection]]:
    """metadata.csv -> {absolute file path: canonical metadata}."""
    problems: list[Rejection] = []
    try:
        text, _ = decode_bytes(path.read_bytes())
    except (OSError, RejectedRecord) as exc:
        return {}, [Rejection(str(path), None, f"manifest unreadable: {exc}")]
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if not reader.fieldnames or "file" not in {canonical_name(n) for n in reader.fieldnames if n}:
        return {}, [Rejection(str(path), None, "manifest has no 'file' column: ignored")]
    entries: dict[str, dict[str, str]] = {}
    try:
        for row in reader:
            fields = canonical_fields(row)
            name = fields.pop("file", "")
            if not name:
                problems.append(Rejection(str(path), reader.line_num, "manifest row without a file name"))
                continue
            target = os.path.normpath(path.parent / name)
            entries[target] = {k: v for k, v in fields.items() if k in META_FIELDS and v}
    except csv.Error as exc:
        problems.append(Rejection(str(path), reader.line_num, f"manifest is not valid CSV: {exc}"))
    return entries, problems


def _is_manifest(path: Path) -> bool:
    return path.name.lower() == MANIFEST_NAME


# --- whole-file articles ---------------------------------------------------------------------


def _read_limited(path: Path, compressed: bool) -> bytes:
    with _open_binary(path, compressed) as fh:
        data = fh.read(MAX_TEXT_BYTES + 1)
    if len(data) > MAX_TEXT_BYTES:
        raise RejectedRecord(f"file larger than {MAX_TEXT_BYTES // (1024 * 1024)} MB of text: not an article")
    return data


def read_document(path: Path, kind: RecordKind, compressed: bool, meta: dict[str, str]) -> Item:
    try:
        data = _read_limited(path, compressed)
    except RejectedRecord as exc:
        return Rejection(str(path), None, str(exc))
    except (OSError, EOFError, zlib.error) as exc:
        return Rejection(str(path), None, f"cannot read file: {exc}")
    if not data.strip():
        return Rejection(str(path), None, "empty file")
    try:
        text, _ = decode_bytes(data)
    except RejectedRecord as exc:
        return Rejection(str(path), None, str(exc))
    if not text.strip():
        return Rejection(str(path), None, "empty file")
    return _record(str(path), None, str(path), kind, text, meta)


# --- record files ------------------------------------------------------------------------------


def _record_from_fields(path: Path, line: int, raw: object) -> Item:
    if not isinstance(raw, dict):
        return Rejection(str(path), line, f"record is a JSON {type(raw).__name__}, not an object")
    fields = canonical_fields(raw)
    body = fields.pop("body", "")
    if not body.strip():
        return Rejection(str(path), line, "record has no body (text/body/content/maintext/content_original)")
    if len(body.encode("utf-8", "surrogatepass")) > MAX_TEXT_BYTES:
        return Rejection(str(path), line, "record body larger than 5 MB: not an article")
    ident = fields.pop("id", "")
    key = f"{path}#id={ident}" if ident else f"{path}#line={line}"
    meta = {k: v for k, v in fields.items() if k in META_FIELDS and v}
    return _record(str(path), line, key, "record", body, meta)


def _decode_line(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _has_body_field(value: object) -> bool:
    return isinstance(value, dict) and any(canonical_name(k) == "body" for k in value if isinstance(k, str))


def read_jsonl(path: Path, compressed: bool, explicit: bool = True) -> Iterator[Item | Ignored]:
    line = 0
    first = True
    try:
        with _open_binary(path, compressed) as fh:
            for line, raw in enumerate(fh, start=1):  # noqa: B007
                if not raw.strip():
                    continue
                try:
                    value = json.loads(_decode_line(raw))
                except json.JSONDecodeError as exc:
                    yield Rejection(str(path), line, f"malformed JSON: {exc.msg} at column {exc.colno}")
                    continue
                if first and not explicit and isinstance(value, dict) and not _has_body_field(value):
                    yield Ignored(f"{path}: not an article file (its records have no text/body/content field)")
                    return
                first = False
                yield _record_from_fields(path, line, value)
    except (OSError, EOFError, zlib.error) as exc:
        yield Rejection(str(path), line + 1 if line else None, f"file ends early or is corrupt ({exc}): records before this line were read")


def read_json(path: Path, compressed: bool) -> Iterator[Item]:
    try:
        with _open_binary(path, compressed) as fh:
            data = fh.read(MAX_JSON_FILE_BYTES + 1)
        if len(data) > MAX_JSON_FILE_BYTES:
            yield Rejection(str(path), None, "JSON file over 512 MB: split it or use JSONL")
            return
        value = json.loads(decode_bytes(data)[0])
    except (OSError, EOFError, zlib.error) as exc:
        yield Rejection(str(path), None, f"cannot read file: {exc}")
        return
    except RejectedRecord as exc:
        yield Rejection(str(path), None, str(exc))
        return
    except json.JSONDecodeError as exc:
        yield Rejection(str(path), exc.lineno, f"malformed JSON: {exc.msg} at column {exc.colno}")
        return
    if isinstance(value, dict):
        lists = [v for k, v in value.items() if isinstance(v, list) and k.lower() in {"articles", "data", "items", "records", "results"}]
        value = lists[0] if lists else [value]
    if not isinstance(value, list):
        yield Rejection(str(path), None, "JSON holds neither an object nor a list of objects")
        return
    for number, item in enumerate(value, start=1):
        yield _record_from_fields(path, number, item)


def read_csv_records(path: Path, compressed: bool, explicit: bool = True) -> Iterator[Item | Ignored]:
    try:
        with _open_binary(path, compressed) as fh:
            head = fh.read(1 << 20)
        try:
            head.decode("utf-8")
            encoding = "utf-8-sig"
        except UnicodeDecodeError as exc:
            # A cut multi-byte character at the end of the sample is still UTF-8.
            encoding = "utf-8-sig" if exc.start >= len(head) - 3 else "cp1252"
        with _open_binary(path, compressed) as fh:
            text = io.TextIOWrapper(fh, encoding=encoding, errors="replace", newline="")
            reader = csv.DictReader(text)
            if not reader.fieldnames:
                yield Rejection(str(path), None, "empty CSV file")
                return
            if "body" not in {canonical_name(n) for n in reader.fieldnames if n}:
                reason = "CSV has no body column (text/body/content/maintext/content_original)"
                yield Rejection(str(path), 1, reason) if explicit else Ignored(f"{path}: not an article file: {reason}")
                return
            while True:
                try:
                    row = next(reader)
                except StopIteration:
                    break
                except csv.Error as exc:
                    yield Rejection(str(path), reader.line_num, f"malformed CSV: {exc}")
                    return
                clean_row = {k: v for k, v in row.items() if k is not None}
                yield _record_from_fields(path, reader.line_num, clean_row)
    except (OSError, EOFError, zlib.error, UnicodeDecodeError) as exc:
        yield Rejection(str(path), None, f"file ends early or is corrupt ({exc}): rows before were read")


# --- dispatch ------------------------------------------------------------------------------------


def read_file(path: Path, manifest: dict[str, dict[str, str]], *, explicit: bool) -> Iterator[Item | Ignored]:
    suffix, compressed = inner_suffix(path)
    meta = manifest.get(os.path.normpath(path), {})
    if path.name.lower().startswith(DOC_NAMES) and not explicit:
        yield Ignored(f"{path}: documentation file, not an article")
    elif suffix in TEXT_SUFFIXES:
        yield read_document(path, "text", compressed, meta)
    elif suffix in HTML_SUFFIXES:
        yield read_document(path, "html", compressed, meta)
    elif suffix in {".jsonl", ".ndjson"}:
        yield from read_jsonl(path, compressed, explicit)
    elif suffix == ".json":
        yield from read_json(path, compressed)
    elif suffix == ".csv":
        yield from read_csv_records(path, compressed, explicit)
    elif explicit:
        yield Rejection(str(path), None, f"unsupported file type {suffix or '(none)'}: use .txt, .md, .html, .jsonl, .json or .csv")
    else:
        yield Ignored(f"{path}: unsupported file type {suffix or '(none)'}")


def walk(folder: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if not name.startswith("."):
                yield Path(dirpath) / name


def iter_inputs(paths: Iterable[str | Path]) -> Iterator[Item | Ignored]:
    """Every article (SourceRecord) and problem (Rejection) in the given files and folders."""
    for given in paths:
        root = Path(given).resolve()  # one key per file, however the path was written
        if not root.exists():
            yield Rejection(str(given), None, "no such file or folder")
            continue
        if root.is_file():
            manifest_path = root.parent / MANIFEST_NAME
            manifest, problems = read_manifest(manifest_path) if manifest_path.exists() and not _is_manifest(root) else ({}, [])
            yield from problems
            yield from read_file(root, manifest, explicit=True)
            continue
        files = list(walk(root))
        manifest = {}
        for path in files:
            if _is_manifest(path):
                entries, problems = read_manifest(path)
                manifest.update(entries)
                yield from problems
        for path in files:
            if not _is_manifest(path):
                yield from read_file(path, manifest, explicit=False)
