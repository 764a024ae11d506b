"""How far an import is: the reader and the importer report to a Progress, a display shows it.

`Progress` itself ignores everything (no terminal, tests); `TerminalProgress` draws two tqdm bars
while reading (all input bytes with the time left, and the current file with its own) and then
one status line per step after reading.
"""

from __future__ import annotations

import os
from typing import IO

from tqdm import tqdm

# What each step after reading is doing, for the status line.
STEPS = {
    "boilerplate": "learning boilerplate paragraphs per outlet",
    "actors": "extracting actors (people, organisations, places)",
    "passages": "finding shared passages",
    "index": "updating the search index",
}


class Progress:
    """Callbacks of an import. Bytes are bytes read from disk: for a .gz file its compressed size.

    Per file, the `advance` calls add up to exactly the `size` given to `file` (a file rejected
    or stopped early is completed at once), so the bytes of a run add up to `start`'s total.
    """

    def start(self, total_bytes: int, files: int) -> None:
        """Reading begins: this many bytes in this many files."""

    def file(self, path: str, size: int) -> None:
        """A file begins."""

    def advance(self, nbytes: int) -> None:
        """Bytes of the current file read."""

    def records(self, count: int) -> None:
        """Records (articles and rejections) handled."""

    def step(self, name: str, detail: str = "") -> None:
        """A step after reading begins: boilerplate, actors, passages or index."""

    def close(self) -> None:
        """The import is over (or failed)."""


class TerminalProgress(Progress):
    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self._total: tqdm | None = None
        self._file: tqdm | None = None
        self._status: tqdm | None = None
        self._records = 0

    def _bar(self, **options: object) -> tqdm:
        return tqdm(file=self._stream, dynamic_ncols=True, mininterval=0.2, **options)  # type: ignore[arg-type]

    def start(self, total_bytes: int, files: int) -> None:
        self._total = self._bar(
            total=total_bytes, unit="B", unit_scale=True, unit_divisor=1024, position=0,
            desc=f"input ({files} file{'s' if files != 1 else ''})",
        )

    def file(self, path: str, size: int) -> None:
        if self._file is None:
            self._file = self._bar(total=size, unit="B", unit_scale=True, unit_divisor=1024, position=1, leave=False)
        else:
            self._file.reset(total=size)
        name = os.path.basename(path)
        self._file.set_description_str(name if len(name) <= 40 else "…" + name[-39:], refresh=False)

    def advance(self, nbytes: int) -> None:
        if self._total is not None:
            self._total.update(nbytes)
        if self._file is not None:
            self._file.update(nbytes)

    def records(self, count: int) -> None:
        self._records += count
        if self._total is not None:
            self._total.set_postfix_str(f"{self._records:,} records", refresh=False)

    def _end_reading(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        if self._total is not None:
            self._total.close()
            self._total = None

    def step(self, name: str, detail: str = "") -> None:
        self._end_reading()
        if self._status is None:
            self._status = self._bar(total=None, bar_format="{desc}", leave=False)
        text = STEPS.get(name, name) + (f" ({detail})" if detail else "")
        self._status.set_description_str(f"{name}: {text}…", refresh=True)

    def close(self) -> None:
        self._end_reading()
        if self._status is not None:
            self._status.close()
            self._status = None
