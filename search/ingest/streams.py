"""Open input files safely and read them with bounded memory.

Only regular files are opened (a FIFO would block forever, a device never ends). Every byte read
from disk is counted for the progress display; a gzip stream that expands far beyond what a text
compresses to is stopped; lines and records are read up to a limit and the rest of an over-long
line is skipped in chunks, never held whole.
"""

from __future__ import annotations

import codecs
import errno
import gzip
import io
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from search.ingest.records import RejectedRecord

MB = 1024 * 1024
MAX_TEXT_BYTES = 5 * MB  # one article: a whole text/HTML file or a record's body
MAX_RECORD_BYTES = 20 * MB  # one JSONL line, JSON record or CSV row (a 5 MB body fits, escaped)
MAX_MANIFEST_BYTES = 64 * MB  # a folder's metadata.csv
MAX_INFLATION = 100  # a gzip stream may expand this many times its compressed size...
INFLATION_FLOOR = MAX_RECORD_BYTES  # ...once it has produced more than this
CHUNK = 64 * 1024

OnBytes = Callable[[int], None]


class NotRegularFile(RejectedRecord):
    """A path that is a FIFO, socket, device or folder where a file was expected."""


class TooLarge(RejectedRecord):
    """A line, record or stream over its size limit."""


class GzipBomb(TooLarge):
    """A gzip stream that expands past MAX_INFLATION times its compressed size."""


def kind_of(mode: int) -> str:
    """What a stat mode is, in words."""
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISDIR(mode):
        return "folder"
    if stat.S_ISFIFO(mode):
        return "named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode):
        return "character device"
    if stat.S_ISBLK(mode):
        return "block device"
    return "special file"


def check_regular(path: str | Path) -> os.stat_result:
    """The file's stat, or NotRegularFile/OSError: never opens the path."""
    info = os.stat(path)
    if not stat.S_ISREG(info.st_mode):
        raise NotRegularFile(f"not a regular file but a {kind_of(info.st_mode)}: skipped")
    return info


def stat_problem(exc: OSError) -> str:
    """Why os.stat failed, in words (a dangling link or a link loop, mostly)."""
    if exc.errno == errno.ELOOP:
        return "symbolic link loop: not followed"
    if exc.errno == errno.ENOENT:
        return "broken symbolic link (its target does not exist)"
    return f"cannot read: {exc.strerror or exc}"


class _Counted(io.RawIOBase):
    """A raw file that tells `on_bytes` how many bytes each read took from disk."""

    def __init__(self, raw: io.FileIO, on_bytes: OnBytes | None) -> None:
        self._raw = raw
        self._on_bytes = on_bytes
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        n = self._raw.readinto(buffer) or 0
        self.count += n
        if n and self._on_bytes is not None:
            self._on_bytes(n)
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()


class _Inflation(io.RawIOBase):
    """Decompressed bytes of a gzip file, stopped when they outgrow the compressed ones read."""

    def __init__(self, gz: gzip.GzipFile, compressed: _Counted) -> None:
        self._gz = gz
        self._compressed = compressed
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        n = self._gz.readinto1(buffer)  # what is there: a cut stream keeps the bytes before the cut
        self.count += n
        if self.count > INFLATION_FLOOR and self.count > MAX_INFLATION * max(self._compressed.count, 1):
            raise GzipBomb(
                f"gzip data expands more than {MAX_INFLATION} times ({self._compressed.count:,} compressed bytes "
                f"gave {self.count:,}): a gzip bomb, not read further"
            )
        return n

    def close(self) -> None:
        self._gz.close()
        super().close()


def open_input(path: str | Path, compressed: bool, on_bytes: OnBytes | None = None) -> IO[bytes]:
    """A buffered binary reader over a regular file's (decompressed) bytes.

    Checked with stat before opening (a FIFO is never opened), and opened non-blocking with a
    second check, so a file swapped for a FIFO in between cannot block either.
    """
    check_regular(path)
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFile(f"not a regular file but a {kind_of(mode)}: skipped")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        raw = io.FileIO(fd, "rb", closefd=True)
    except BaseException:
        os.close(fd)
        raise
    counted = _Counted(raw, on_bytes)
    disk = io.BufferedReader(counted, CHUNK)
    if not compressed:
        return disk
    return io.BufferedReader(_Inflation(gzip.GzipFile(fileobj=disk, mode="rb"), counted), CHUNK)


def read_limited(path: str | Path, compressed: bool, limit: int, on_bytes: OnBytes | None = None) -> bytes:
    """The whole (decompressed) content, or TooLarge once it passes `limit` bytes."""
    with open_input(path, compressed, on_bytes) as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(f"larger than {limit // MB} MB")
    return data


def bounded_lines(fh: IO[bytes], limit: int = MAX_RECORD_BYTES) -> Iterator[tuple[int, bytes | None]]:
    """(line number, line) for every line; None for a line over `limit` bytes, whose rest is skipped
    in chunks (never held in memory)."""
    number = 0
    while True:
        line = fh.readline(limit + 1)
        if not line:
            return
        number += 1
        if len(line) > limit and not line.endswith(b"\n"):
            while True:
                rest = fh.readline(CHUNK)
                if not rest or rest.endswith(b"\n"):
                    break
            yield number, None
        else:
            yield number, line


def sniff_encoding(sample: bytes) -> str:
    """The encoding to read a record file with, judged from its first bytes."""
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still UTF-8.
        return "utf-8-sig" if exc.start >= len(sample) - 3 else "cp1252"
    return "utf-8-sig"


class Utf8Budget(io.RawIOBase):
    """A stream as UTF-8 (decoded from `encoding`, bad bytes replaced), raising TooLarge when more
    than `limit` bytes pass after the last `mark()`: bounds one record of a streamed JSON file."""

    def __init__(self, source: IO[bytes], encoding: str, limit: int = MAX_RECORD_BYTES) -> None:
        self._source = source
        self._decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
        self._pending = b""
        self._done = False
        self.limit = limit
        self.count = 0
        self._mark = 0

    def mark(self) -> None:
        self._mark = self.count

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self.count - self._mark > self.limit:
            raise TooLarge(f"larger than {self.limit // MB} MB")
        while not self._pending and not self._done:
            chunk = self._source.read(CHUNK)
            self._done = not chunk
            self._pending = self._decoder.decode(chunk, final=self._done).encode("utf-8", "surrogatepass")
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        self.count += n
        return n


class BoundedText:
    """Lines of a text stream for the csv module, raising TooLarge when one row (which may span
    several lines) passes `limit` characters. Call `row_done()` after each row."""

    def __init__(self, text: IO[str], limit: int = MAX_RECORD_BYTES) -> None:
        self._text = text
        self.limit = limit
        self._row = 0

    def row_done(self) -> None:
        self._row = 0

    def __iter__(self) -> BoundedText:
        return self

    def __next__(self) -> str:
        line = self._text.readline(self.limit - self._row + 1)
        if not line:
            raise StopIteration
        self._row += len(line)
        if self._row > self.limit:
            raise TooLarge(f"row larger than {self.limit // MB} MB")
        return line
