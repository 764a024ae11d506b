"""Read inputs: folders, text/HTML files, JSONL/JSON/CSV record files, gzip-compressed or not.

`iter_inputs(paths)` yields a SourceRecord for every article found and a Rejection for every
input (file, or line of a record file) that cannot be read, with the reason. Only regular files
are opened, and every file is streamed with bounded memory (see streams.py for the limits).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path

import ijson

from search.ingest.decode import decode_bytes
from search.ingest.fields import META_FIELDS, canonical_fields, canonical_name
from search.ingest.json_stream import JsonRecords
from search.ingest.progress import Progress
from search.ingest.records import RecordKind, RejectedRecord, Rejection, SourceRecord
from search.ingest.streams import (
    MAX_MANIFEST_BYTES,
    MAX_RECORD_BYTES,
    MAX_TEXT_BYTES,
    MB,
    BoundedText,
    GzipBomb,
    NotRegularFile,
    OnBytes,
    TooLarge,
    Utf8Budget,
    bounded_lines,
    check_regular,
    kind_of,
    open_input,
    read_limited,
    sniff_encoding,
    stat_problem,
)

MANIFEST_NAME = "metadata.csv"
TEXT_SUFFIXES = {".txt", ".md", ".text", ".markdown"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
RECORD_SUFFIXES = {".jsonl", ".ndjson", ".json", ".csv"}
DOC_NAMES = ("readme", "license", "licence", "changelog", "copying")
URL_PREFIXES = ("http://", "https://")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")  # any URL's, to say which are not read
# Errors of reading a file that is not what it claims (corrupt gzip, a cut stream).
READ_ERRORS = (OSError, EOFError, zlib.error)

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


def is_url(given: str | Path) -> bool:
    return isinstance(given, str) and given.lower().startswith(URL_PREFIXES)


def missing_problem(given: str | Path) -> str:
    """Why nothing is found at a PATH argument: no such file, or a URL of a scheme not read."""
    scheme = _SCHEME.match(given) if isinstance(given, str) else None
    if scheme:
        return f"the {scheme.group(1).lower()}:// scheme is not supported (http and https are)"
    return "no such file or folder"


def path_problem(given: str | Path) -> str | None:
    """Why a PATH argument is neither a file, a folder nor a URL (a usage error), or None."""
    if is_url(given):
        return None
    try:
        info = os.stat(given)
    except OSError as exc:
        return missing_problem(given) if not os.path.lexists(given) else stat_problem(exc)
    kind = kind_of(info.st_mode)
    return None if kind in {"file", "folder"} else f"a {kind}, not a file or folder"


# --- manifests -----------------------------------------------------------------------------


def read_manifest(path: Path, on_bytes: OnBytes | None = None) -> tuple[dict[str, dict[str, str]], list[Rejection]]:
    """metadata.csv -> {absolute file path: canonical metadata}."""
    problems: list[Rejection] = []
    try:
        text, _ = decode_bytes(read_limited(path, False, MAX_MANIFEST_BYTES, on_bytes))
    except READ_ERRORS + (RejectedRecord,) as exc:
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


def read_document(path: Path, kind: RecordKind, compressed: bool, meta: dict[str, str], on_bytes: OnBytes | None = None) -> Item:
    try:
        data = read_limited(path, compressed, MAX_TEXT_BYTES, on_bytes)
    except TooLarge:
        return Rejection(str(path), None, f"file larger than {MAX_TEXT_BYTES // MB} MB of text: not an article")
    except RejectedRecord as exc:
        return Rejection(str(path), None, str(exc))
    except READ_ERRORS as exc:
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
        return Rejection(str(path), line, f"record body larger than {MAX_TEXT_BYTES // MB} MB: not an article")
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


def _stopped(exc: BaseException, what: str, where: int | None) -> str:
    """The reason a record file stopped part-way at line (or record) `where`."""
    before = f"; the {what} before it were read" if where and where > 1 else ""
    if isinstance(exc, GzipBomb):
        return f"{exc}{before}"
    if isinstance(exc, RejectedRecord):
        return str(exc)
    return f"file ends early or is corrupt ({exc}){before}"


def read_jsonl(path: Path, compressed: bool, explicit: bool = True, on_bytes: OnBytes | None = None) -> Iterator[Item | Ignored]:
    line = 0
    first = True
    try:
        with open_input(path, compressed, on_bytes) as fh:
            for line, raw in bounded_lines(fh, MAX_RECORD_BYTES):  # noqa: B007
                if raw is None:
                    yield Rejection(str(path), line, f"line longer than {MAX_RECORD_BYTES // MB} MB: skipped unread")
                    first = False
                    continue
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
    except READ_ERRORS + (RejectedRecord,) as exc:
        yield Rejection(str(path), line + 1, _stopped(exc, "records", line + 1))


def _json_error(exc: Exception) -> str:
    """ijson's message, one line of it (yajl adds a picture of where)."""
    message = exc.args[0] if exc.args else exc
    if isinstance(message, bytes):
        message = message.decode("utf-8", "replace")
    return str(message).strip().splitlines()[0] if str(message).strip() else type(exc).__name__


def read_json(path: Path, compressed: bool, on_bytes: OnBytes | None = None) -> Iterator[Item]:
    """A whole .json file, streamed (records are numbered from 1 in place of lines)."""
    records: JsonRecords | None = None
    try:
        with open_input(path, compressed) as fh:
            encoding = sniff_encoding(fh.read(1 << 20))
        with open_input(path, compressed, on_bytes) as fh:
            records = JsonRecords(Utf8Budget(fh, encoding, MAX_RECORD_BYTES))
            empty = True
            for number, value in records:
                empty = False
                yield _record_from_fields(path, number, value)
            if empty:
                yield Rejection(str(path), None, "empty JSON file")
    except GzipBomb as exc:
        number = records.number if records and records.number else None
        yield Rejection(str(path), number, _stopped(exc, "records", number))
    except TooLarge:
        yield Rejection(
            str(path), records.number if records and records.number else None,
            f"JSON record larger than {MAX_RECORD_BYTES // MB} MB: not read, nor the rest of the file "
            "(split the file, or use JSONL: one record per line)",
        )
    except RejectedRecord as exc:
        yield Rejection(str(path), None, str(exc))
    except (ijson.JSONError, StopIteration) as exc:
        number = records.number if records and records.number else None
        yield Rejection(str(path), number, f"malformed JSON: {_json_error(exc)}" + ("; the records before it were read" if number and number > 1 else ""))
    except READ_ERRORS as exc:
        number = records.number if records and records.number else None
        yield Rejection(str(path), number, _stopped(exc, "records", number))


def read_csv_records(path: Path, compressed: bool, explicit: bool = True, on_bytes: OnBytes | None = None) -> Iterator[Item | Ignored]:
    reader: csv.DictReader[str] | None = None
    try:
        with open_input(path, compressed) as fh:
            encoding = sniff_encoding(fh.read(1 << 20))
        with open_input(path, compressed, on_bytes) as fh:
            lines = BoundedText(io.TextIOWrapper(fh, encoding=encoding, errors="replace", newline=""), MAX_RECORD_BYTES)
            reader = csv.DictReader(lines)
            if not reader.fieldnames:
                yield Rejection(str(path), None, "empty CSV file")
                return
            lines.row_done()
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
                    yield Rejection(str(path), reader.line_num, f"malformed CSV: {exc}: the rest of the file is not read")
                    return
                lines.row_done()
                clean_row = {k: v for k, v in row.items() if k is not None}
                yield _record_from_fields(path, reader.line_num, clean_row)
    except GzipBomb as exc:
        line = reader.line_num + 1 if reader else None
        yield Rejection(str(path), line, _stopped(exc, "rows", line))
    except TooLarge:
        yield Rejection(
            str(path), reader.line_num + 1 if reader else None,
            f"CSV row larger than {MAX_RECORD_BYTES // MB} MB: not read, nor the rest of the file "
            "(where the next row starts cannot be told without reading this one)",
        )
    except RejectedRecord as exc:
        yield Rejection(str(path), None, str(exc))
    except READ_ERRORS + (UnicodeDecodeError,) as exc:
        yield Rejection(str(path), None, f"file ends early or is corrupt ({exc}): rows before were read")


# --- dispatch ------------------------------------------------------------------------------------


def read_file(
    path: Path, manifest: dict[str, dict[str, str]], *, explicit: bool, on_bytes: OnBytes | None = None
) -> Iterator[Item | Ignored]:
    suffix, compressed = inner_suffix(path)
    meta = manifest.get(os.path.normpath(path), {})
    if path.name.lower().startswith(DOC_NAMES) and not explicit:
        yield Ignored(f"{path}: documentation file, not an article")
    elif suffix in TEXT_SUFFIXES:
        yield read_document(path, "text", compressed, meta, on_bytes)
    elif suffix in HTML_SUFFIXES:
        yield read_document(path, "html", compressed, meta, on_bytes)
    elif suffix in {".jsonl", ".ndjson"}:
        yield from read_jsonl(path, compressed, explicit, on_bytes)
    elif suffix == ".json":
        yield from read_json(path, compressed, on_bytes)
    elif suffix == ".csv":
        yield from read_csv_records(path, compressed, explicit, on_bytes)
    elif explicit:
        yield Rejection(str(path), None, f"unsupported file type {suffix or '(none)'}: use .txt, .md, .html, .jsonl, .json or .csv")
    else:
        yield Ignored(f"{path}: unsupported file type {suffix or '(none)'}")


def walk(folder: Path) -> Iterator[Path | Rejection | Ignored]:
    """The files under a folder, in name order; links to folders are not followed (no loops)."""
    real_root = os.path.realpath(folder)
    for dirpath, dirnames, filenames in os.walk(folder):
        keep = []
        for name in sorted(d for d in dirnames if not d.startswith(".")):
            path = Path(dirpath) / name
            if not os.path.islink(path):
                keep.append(name)
                continue
            target = os.path.realpath(path)
            if target == real_root or target.startswith(real_root + os.sep):
                yield Ignored(f"{path}: symbolic link to a folder inside this import (a loop or a second path): not followed")
            else:
                yield Rejection(str(path), None, f"symbolic link to a folder outside this import ({target}): not followed; name that folder to import it")
        dirnames[:] = keep
        for name in sorted(filenames):
            if not name.startswith("."):
                yield Path(dirpath) / name


class _Meter:
    """Bytes of one file for the progress display: what was read, then the rest when it is done."""

    def __init__(self, progress: Progress, size: int) -> None:
        self.progress = progress
        self.size = size
        self.done = 0

    def __call__(self, nbytes: int) -> None:
        nbytes = min(nbytes, self.size - self.done)
        if nbytes > 0:
            self.done += nbytes
            self.progress.advance(nbytes)

    def finish(self) -> None:
        self(self.size - self.done)


def _regular(path: Path) -> tuple[Path, int] | Rejection:
    """The file and its size, or why it is not read (a FIFO, socket, device, link loop...)."""
    try:
        return path, check_regular(path).st_size
    except NotRegularFile as exc:
        return Rejection(str(path), None, str(exc))
    except OSError as exc:
        return Rejection(str(path), None, stat_problem(exc))


Plan = list[tuple[Path, int] | Rejection | Ignored]


def _plan(given: str | Path) -> tuple[Plan, Path | None]:
    """What reading one PATH argument means: its files (with sizes) and its problems, plus the
    folder when it is one."""
    if is_url(given):
        return [Rejection(str(given), None, "URL import: not supported yet")], None
    try:
        info = os.stat(given)
    except OSError as exc:
        return [Rejection(str(given), None, missing_problem(given) if not os.path.lexists(given) else stat_problem(exc))], None
    root = Path(given).resolve()  # one key per file, however the path was written
    if kind_of(info.st_mode) == "folder":
        return [_regular(entry) if isinstance(entry, Path) else entry for entry in walk(root)], root
    return [_regular(root)], None


def iter_inputs(paths: Iterable[str | Path], progress: Progress | None = None) -> Iterator[Item | Ignored]:
    """Every article (SourceRecord) and problem (Rejection) in the given files and folders."""
    watch = progress or Progress()
    plans = [_plan(given) for given in paths]
    files = [entry for plan, _ in plans for entry in plan if isinstance(entry, tuple)]
    watch.start(sum(size for _, size in files), len(files))
    for plan, folder in plans:
        manifest: dict[str, dict[str, str]] = {}
        if folder is None:
            for entry in plan:
                if not isinstance(entry, tuple):
                    yield entry
                    continue
                path, size = entry
                sibling = path.parent / MANIFEST_NAME
                if not _is_manifest(path) and os.path.isfile(sibling):
                    manifest, problems = read_manifest(sibling)
                    yield from problems
                yield from _read_metered(path, size, manifest, watch, explicit=True)
            continue
        for entry in plan:
            if isinstance(entry, tuple) and _is_manifest(entry[0]):
                watch.file(str(entry[0]), entry[1])
                meter = _Meter(watch, entry[1])
                entries, problems = read_manifest(entry[0], meter)
                meter.finish()
                manifest.update(entries)
                yield from problems
        for entry in plan:
            if not isinstance(entry, tuple):
                yield entry
            elif not _is_manifest(entry[0]):
                yield from _read_metered(entry[0], entry[1], manifest, watch, explicit=False)


def _read_metered(path: Path, size: int, manifest: dict[str, dict[str, str]], watch: Progress, *, explicit: bool) -> Iterator[Item | Ignored]:
    watch.file(str(path), size)
    meter = _Meter(watch, size)
    try:
        yield from read_file(path, manifest, explicit=explicit, on_bytes=meter)
    finally:
        meter.finish()
