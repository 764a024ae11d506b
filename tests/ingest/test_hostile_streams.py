"""Hostile inputs at the reader: special files, over-long lines and records, gzip bombs, link loops.

Each is rejected with file, line and reason while the good records around it are read; none is
ever read whole (the sizes here are a few times the limits, the benchmark goes to gigabytes).
"""

from __future__ import annotations

import gzip
import json
import os
import socket
import threading
from pathlib import Path

from search.ingest.progress import Progress
from search.ingest.readers import Ignored, iter_inputs, path_problem
from search.ingest.records import Rejection, SourceRecord
from search.ingest.streams import MAX_INFLATION, MAX_RECORD_BYTES, MB

GOOD = {"title": "Harbour reopens", "text": "The harbour reopened on Monday after the storm."}


def items(*paths: Path, progress: Progress | None = None):
    return list(iter_inputs([str(p) for p in paths], progress))


def records(found):
    return [i for i in found if isinstance(i, SourceRecord)]


def rejections(found):
    return {(Path(r.path).name, r.line): r.reason for r in found if isinstance(r, Rejection)}


def jsonl(*values: object) -> bytes:
    return b"".join(json.dumps(v).encode() + b"\n" for v in values)


def long_text(nbytes: int) -> str:
    """Text that gzip cannot shrink much (hex digits), so only the line limit can stop it."""
    return os.urandom(nbytes // 2).hex()


def write_bomb(path: Path, nbytes: int) -> None:
    zeros = bytes(MB)
    with gzip.open(path, "wb", compresslevel=9) as fh:
        for _ in range(nbytes // MB):
            fh.write(zeros)


def test_fifo_in_a_folder_is_skipped_and_never_opened(tmp_path):
    (tmp_path / "a.txt").write_text("Title\n\nBody of a good article.")
    os.mkfifo(tmp_path / "pipe.jsonl")
    # Nothing ever writes to the FIFO: opening it for reading would block this test forever.
    found = items(tmp_path)
    assert [Path(r.path).name for r in records(found)] == ["a.txt"]
    assert rejections(found) == {("pipe.jsonl", None): "not a regular file but a named pipe (FIFO): skipped"}


def test_socket_and_device_are_skipped(tmp_path):
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(tmp_path / "s.txt"))
    try:
        found = items(tmp_path, Path("/dev/null"))
    finally:
        server.close()
    reasons = rejections(found)
    assert reasons[("s.txt", None)] == "not a regular file but a socket: skipped"
    assert reasons[("null", None)] == "not a regular file but a character device: skipped"


def test_path_that_is_no_file_folder_or_url(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    assert path_problem(str(tmp_path / "pipe")) == "a named pipe (FIFO), not a file or folder"
    assert path_problem(str(tmp_path / "loop")) == "symbolic link loop: not followed"
    assert path_problem(str(tmp_path / "nope")) == "no such file or folder"
    assert path_problem("/dev/zero") == "a character device, not a file or folder"
    assert path_problem(str(tmp_path)) is None
    assert path_problem("https://example.org/feed.xml") is None  # a URL is not a missing file


def test_symbolic_link_loops_are_not_followed(tmp_path):
    root = tmp_path / "in"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "a.txt").write_text("Title\n\nBody of a good article.")
    (root / "sub" / "back").symlink_to(root)  # a folder loop
    (root / "knot.txt").symlink_to(root / "knot.txt")  # a link to itself
    (root / "gone.txt").symlink_to(root / "missing.txt")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (root / "other").symlink_to(outside)
    found = items(root)
    assert [Path(r.path).name for r in records(found)] == ["a.txt"]
    reasons = rejections(found)
    assert reasons[("knot.txt", None)] == "symbolic link loop: not followed"
    assert "broken symbolic link" in reasons[("gone.txt", None)]
    assert "outside this import" in reasons[("other", None)]
    assert any(isinstance(i, Ignored) and "back: symbolic link to a folder inside this import" in i for i in found)


def test_over_long_jsonl_line_is_skipped_and_the_next_lines_read(tmp_path):
    path = tmp_path / "x.jsonl"
    huge = {"title": "Huge", "text": long_text(MAX_RECORD_BYTES + 5 * MB)}
    path.write_bytes(jsonl(GOOD, huge, {**GOOD, "title": "After"}))
    found = items(path)
    assert [r.meta["title"] for r in records(found)] == ["Harbour reopens", "After"]
    assert rejections(found) == {("x.jsonl", 2): "line longer than 20 MB: skipped unread"}


def test_over_long_line_in_gzip_is_skipped_too(tmp_path):
    path = tmp_path / "x.jsonl.gz"
    huge = {"title": "Huge", "text": long_text(MAX_RECORD_BYTES + 5 * MB)}
    path.write_bytes(gzip.compress(jsonl(GOOD, huge, {**GOOD, "title": "After"}), compresslevel=1))
    found = items(path)
    assert [r.meta["title"] for r in records(found)] == ["Harbour reopens", "After"]
    assert rejections(found) == {("x.jsonl.gz", 2): "line longer than 20 MB: skipped unread"}


def test_gzip_bomb_is_stopped(tmp_path):
    path = tmp_path / "bomb.jsonl.gz"
    write_bomb(path, 200 * MB)
    assert path.stat().st_size < 1 * MB
    (problem,) = [r for r in items(path) if isinstance(r, Rejection)]
    assert problem.line == 1 and f"expands more than {MAX_INFLATION} times" in problem.reason


def test_gzip_bomb_after_good_records_keeps_them(tmp_path):
    path = tmp_path / "late.jsonl.gz"
    with gzip.open(path, "wb") as fh:
        fh.write(jsonl(GOOD, {**GOOD, "title": "Second"}))
        for _ in range(100):
            fh.write(b" " * MB)  # one enormous line of blanks
    found = items(path)
    assert [r.meta["title"] for r in records(found)] == ["Harbour reopens", "Second"]
    ((name, line), reason), = rejections(found).items()
    assert line == 3 and "gzip bomb" in reason and reason.endswith("; the records before it were read")


def test_gzip_text_file_bomb_is_rejected_at_the_article_limit(tmp_path):
    write_bomb(tmp_path / "bomb.txt.gz", 100 * MB)
    assert rejections(items(tmp_path / "bomb.txt.gz")) == {("bomb.txt.gz", None): "file larger than 5 MB of text: not an article"}


def test_json_file_is_streamed_and_stops_at_an_oversized_record(tmp_path):
    path = tmp_path / "x.json"
    huge = {"title": "Huge", "text": long_text(MAX_RECORD_BYTES + 5 * MB)}
    path.write_text(json.dumps({"source": "test", "articles": [GOOD, huge, GOOD]}))
    found = items(path)
    assert [r.meta["title"] for r in records(found)] == ["Harbour reopens"]
    ((name, line), reason), = rejections(found).items()
    assert line == 2 and reason.startswith("JSON record larger than 20 MB: not read, nor the rest of the file")


def test_json_file_shapes_numbers_and_encodings(tmp_path):
    (tmp_path / "list.json").write_text(json.dumps([GOOD, {"title": "Second", "text": "More text.", "id": 7, "score": 1.5}]))
    (tmp_path / "one.json").write_text(json.dumps({"meta": {"a": [1, 2]}, **GOOD}))
    (tmp_path / "cp1252.json").write_bytes('[{"title": "Caf\xe9", "text": "Caf\xe9 society \x93quoted\x94."}]'.encode("latin-1"))
    (tmp_path / "bom.json").write_bytes(b"\xef\xbb\xbf" + json.dumps([GOOD]).encode())
    (tmp_path / "broken.json").write_text('[{"title": "A", "text": "Fine."}, {"title": ')
    (tmp_path / "empty.json").write_bytes(b"")
    found = items(tmp_path)
    by_file = {}
    for record in records(found):
        by_file.setdefault(Path(record.path).name, []).append(record)
    assert [r.meta["title"] for r in by_file["list.json"]] == ["Harbour reopens", "Second"]
    assert by_file["list.json"][1].key.endswith("#id=7") and by_file["list.json"][1].line == 2
    assert by_file["one.json"][0].meta["title"] == "Harbour reopens"
    assert by_file["cp1252.json"][0].content == "Café society “quoted”."
    assert len(by_file["bom.json"]) == 1
    assert [r.meta["title"] for r in by_file["broken.json"]] == ["A"]
    reasons = rejections(found)
    assert reasons[("broken.json", 2)].startswith("malformed JSON")
    assert set(reasons) == {("broken.json", 2), ("empty.json", None)}


def test_csv_row_over_the_limit_stops_the_file(tmp_path):
    path = tmp_path / "x.csv"
    with path.open("w") as fh:
        fh.write("title,text\nGood,A fine body.\n")
        fh.write('Huge,"' + long_text(MAX_RECORD_BYTES + MB) + '"\n')
        fh.write("Later,Not read.\n")
    found = items(path)
    assert [r.meta["title"] for r in records(found)] == ["Good"]
    ((name, line), reason), = rejections(found).items()
    assert line == 3 and reason.startswith("CSV row larger than 20 MB")


class Recorder(Progress):
    def __init__(self) -> None:
        self.total = -1
        self.files: list[tuple[str, int]] = []
        self.read: dict[str, int] = {}
        self.calls: dict[str, int] = {}

    def start(self, total_bytes: int, files: int) -> None:
        self.total, self.count = total_bytes, files

    def file(self, path: str, size: int) -> None:
        self.files.append((Path(path).name, size))
        self.read[Path(path).name] = 0

    def advance(self, nbytes: int) -> None:
        name = self.files[-1][0]
        self.read[name] += nbytes
        self.calls[name] = self.calls.get(name, 0) + 1


def test_progress_counts_bytes_read_from_disk_per_file(tmp_path):
    (tmp_path / "a.txt").write_text("Title\n\nBody of a good article.")
    (tmp_path / "metadata.csv").write_text("file,outlet\na.txt,Outlet X\n")
    big = jsonl(*({"title": f"T{n}", "text": long_text(20_000)} for n in range(300)))
    (tmp_path / "big.jsonl.gz").write_bytes(gzip.compress(big, compresslevel=1))
    write_bomb(tmp_path / "bomb.jsonl.gz", 50 * MB)
    (tmp_path / "image.png").write_bytes(b"\x89PNG" + bytes(5000))
    os.mkfifo(tmp_path / "pipe.txt")
    sizes = {p.name: p.stat().st_size for p in tmp_path.iterdir() if p.is_file()}
    recorder = Recorder()
    found = items(tmp_path, progress=recorder)
    assert len(records(found)) == 301
    assert recorder.total == sum(sizes.values()) and recorder.count == len(sizes)  # the FIFO is no file
    assert sorted(recorder.files) == sorted(sizes.items())  # every regular file once, with its size
    assert recorder.read == sizes  # compressed bytes for .gz files, all of each file, even when stopped
    assert recorder.calls["big.jsonl.gz"] > 10  # told while reading, not only at the end
    assert sizes["big.jsonl.gz"] < len(big)


def test_progress_of_a_single_file_argument(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_bytes(jsonl(GOOD, GOOD))
    recorder = Recorder()
    items(path, progress=recorder)
    assert recorder.total == path.stat().st_size and recorder.read == {"x.jsonl": path.stat().st_size}


def test_opening_a_fifo_directly_is_refused_without_blocking(tmp_path):
    from search.ingest.streams import NotRegularFile, open_input

    os.mkfifo(tmp_path / "late.txt")
    outcome: list[object] = []
    worker = threading.Thread(target=lambda: outcome.append(_try_open(open_input, tmp_path / "late.txt", NotRegularFile)), daemon=True)
    worker.start()
    worker.join(10)
    assert outcome == ["not a regular file but a named pipe (FIFO): skipped"]


def _try_open(open_input, path, error):  # type: ignore[no-untyped-def]
    try:
        open_input(path, False)
    except error as exc:
        return str(exc)
    return "opened"
