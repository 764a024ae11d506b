"""The importer reports its progress through a callback: bytes per file, records, steps after reading."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from search.ingest.progress import Progress, TerminalProgress
from search.store.importer import Importer
from tests.conftest import CORPUS

pytestmark = pytest.mark.django_db


class Recorder(Progress):
    def __init__(self) -> None:
        self.events: list[tuple[str, object]] = []

    def start(self, total_bytes: int, files: int) -> None:
        self.events.append(("start", (total_bytes, files)))

    def file(self, path: str, size: int) -> None:
        self.events.append(("file", (Path(path).name, size)))

    def advance(self, nbytes: int) -> None:
        self.events.append(("advance", nbytes))

    def records(self, count: int) -> None:
        self.events.append(("records", count))

    def step(self, name: str, detail: str = "") -> None:
        self.events.append(("step", name))

    def close(self) -> None:
        self.events.append(("close", None))

    def of(self, kind: str) -> list[object]:
        return [value for what, value in self.events if what == kind]


def test_import_reports_bytes_records_and_steps(backend):
    recorder = Recorder()
    report = Importer(actors=False).run([CORPUS], progress=recorder)
    sizes = {p.name: p.stat().st_size for p in CORPUS.iterdir() if p.is_file() and not p.name.startswith(".")}
    assert recorder.of("start") == [(sum(sizes.values()), len(sizes))]
    assert sorted(recorder.of("file")) == sorted(sizes.items())
    assert sum(recorder.of("advance")) == sum(sizes.values())
    assert sum(recorder.of("records")) == report.seen == 5
    # reading first, then the steps after it in order, then the end
    assert recorder.of("step") == ["boilerplate", "passages", "index"]
    kinds = [what for what, _ in recorder.events]
    assert kinds.index("step") > max(i for i, what in enumerate(kinds) if what == "advance")
    assert kinds[-1] == "close"


def test_terminal_progress_draws_bars_and_status_lines(backend):
    screen = io.StringIO()
    Importer(actors=False).run([CORPUS], progress=TerminalProgress(screen))
    shown = screen.getvalue()
    assert "input (6 files)" in shown and "100%" in shown  # the bar over all input bytes
    assert "5 records" in shown
    assert "passages: finding shared passages" in shown and "index: updating the search index" in shown
