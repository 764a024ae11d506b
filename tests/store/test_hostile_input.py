"""A generated bad-input corpus: no crash, every rejection explained, every good article imported."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pytest

from search.store.models import Article
from tests.conftest import import_into_db

pytestmark = pytest.mark.django_db

GOOD_TEXT = "Good article {n}\n\nA proper paragraph of news text number {n} about the harbour and the city council."


def build(folder: Path) -> tuple[set[str], set[str]]:
    """Write the corpus; return (titles that must import, file names that must be rejected)."""
    good: set[str] = set()
    bad: set[str] = set()
    folder.mkdir()
    for n in range(3):
        (folder / f"good{n}.txt").write_text(GOOD_TEXT.format(n=n))
        good.add(f"Good article {n}")
    (folder / "dup-of-good0.txt").write_text(GOOD_TEXT.format(n=0))  # a duplicate file: imported, and a copy of good0
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 64)
    bad.add("binary.txt")
    (folder / "png.html").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    bad.add("png.html")
    (folder / "empty.md").write_bytes(b"")
    bad.add("empty.md")
    (folder / "huge.txt").write_bytes(b"All work and no play. " * (50 * 1024 * 1024 // 22))  # about 50 MB
    bad.add("huge.txt")
    (folder / "invalid-utf8.txt").write_bytes(b"Bad bytes \xff\xfe\xfa title\n\nBody with \xc3\x28 invalid sequences, kept readable.")
    good.add("Bad bytes ÿþú title")  # decoded as cp1252, not rejected
    (folder / "cp1252.txt").write_bytes("Caf\xe9 \x93quotes\x94\n\nThe caf\xe9 owners protested on Monday.".encode("latin-1"))
    good.add("Café “quotes”")
    nested = "<html><body>" + "<div>" * 5000 + "<p>Deep text</p>" + "</div>" * 5000 + "</body></html>"
    (folder / "nested.html").write_text(nested)
    bad.add("nested.html")  # a parser gives up on it: explained, not a crash
    import random

    rng = random.Random(7)
    lines = "".join(json.dumps({"title": f"T{n}", "text": " ".join(str(rng.random()) for _ in range(80))}) + "\n" for n in range(50))
    data = gzip.compress(lines.encode())
    (folder / "trunc.jsonl.gz").write_bytes(data[: len(data) // 2])  # cut in the middle of the stream
    bad.add("trunc.jsonl.gz")
    (folder / "types.jsonl").write_text(
        "\n".join(
            [
                json.dumps({"title": ["a", "list"], "text": "Body with a list title.", "date": 20170520}),
                json.dumps({"title": {"nested": 1}, "text": 5, "authors": [1, 2]}),
                json.dumps({"title": "Typed right", "text": "Fine body text.", "date": "0001-11-30"}),
                json.dumps(None),
                "[1, 2, 3]",
            ]
        )
    )
    good.update({"a; list", "Typed right", "T0"})  # the records before the cut are kept
    bad.add("types.jsonl")
    (folder / "quotes.csv").write_text('title,text,date\n"Quoted, ""title""","Line one.\n\nLine ""two"", with commas.",2017-02-30\nNo body,,\n')
    good.add('Quoted, "title"')
    bad.add("quotes.csv")
    return good, bad


def test_hostile_corpus(tmp_path, backend):
    good, bad = build(tmp_path / "in")
    report = import_into_db(tmp_path / "in")
    titles = set(Article.objects.values_list("title", flat=True))
    assert good <= titles, good - titles
    rejected = {Path(r.path).name for r in report.rejected}
    assert rejected == bad, (rejected ^ bad, [(r.path, r.line, r.reason) for r in report.rejected])
    assert all(r.reason for r in report.rejected)
    # impossible dates dropped with a warning, the articles kept
    assert Article.objects.get(title="Typed right").published is None
    assert Article.objects.get(title='Quoted, "title"').published is None
    assert any("0001-11-30" in w for w in report.warnings) and any("2017-02-30" in w for w in report.warnings)
    # everything imported is searchable
    assert backend.doc_count() == Article.objects.count()
    # importing it all again changes nothing and rejects the same
    again = import_into_db(tmp_path / "in")
    assert again.imported == again.updated == 0
    assert {Path(r.path).name for r in again.rejected} == bad


def build_special(folder: Path) -> None:
    """Inputs that once hung or exhausted the importer, beside good files."""
    import os

    from tests.ingest.test_hostile_streams import GOOD, jsonl, long_text, write_bomb

    folder.mkdir()
    (folder / "good.txt").write_text(GOOD_TEXT.format(n=1))
    # Each good record has a text of its own: two records with one text and no URL are one article.
    (folder / "good.jsonl").write_bytes(jsonl({**GOOD, "title": "Good record"}))
    os.mkfifo(folder / "pipe.jsonl")
    huge = {"title": "Huge", "text": long_text(25 * 1024 * 1024)}
    (folder / "huge-line.jsonl.gz").write_bytes(gzip.compress(jsonl(huge, {"title": "After the huge line", "text": "The ferry resumed its crossings on Tuesday."}), compresslevel=1))
    write_bomb(folder / "bomb.jsonl.gz", 100 * 1024 * 1024)
    (folder / "loop").symlink_to(folder)
    (folder / "knot.txt").symlink_to(folder / "knot.txt")


def test_special_files_huge_lines_and_bombs_leave_the_good_files_imported(tmp_path, backend):
    build_special(tmp_path / "in")
    report = import_into_db(tmp_path / "in")
    assert set(Article.objects.values_list("title", flat=True)) == {"Good article 1", "Good record", "After the huge line"}
    reasons = {(Path(r.path).name, r.line): r.reason for r in report.rejected}
    assert reasons[("pipe.jsonl", None)] == "not a regular file but a named pipe (FIFO): skipped"
    assert reasons[("huge-line.jsonl.gz", 1)] == "line longer than 20 MB: skipped unread"
    assert "gzip bomb" in reasons[("bomb.jsonl.gz", 1)]
    assert reasons[("knot.txt", None)] == "symbolic link loop: not followed"
    assert len(reasons) == 4
    assert any("loop: symbolic link to a folder inside this import" in note for note in report.ignored)
    assert backend.doc_count() == 3


@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="runs once, in the SQLite pass: the commands get a SQLite database of their own")
def test_command_on_special_files(tmp_path):
    """Through manage.py: a FIFO in a folder is reported, not waited on; a FIFO as PATH is a usage error."""
    import subprocess
    import sys

    from tests.conftest import ROOT

    build_special(tmp_path / "in")
    env = {**os.environ, "NEWSINDEX_DATA_DIR": str(tmp_path / "data")}
    env.pop("DATABASE_URL", None)  # a SQLite database of its own (the PostgreSQL test database belongs to this process)
    manage = [sys.executable, "manage.py"]
    assert subprocess.run([*manage, "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, timeout=300).returncode == 0
    result = subprocess.run(
        [*manage, "import_articles", str(tmp_path / "in"), "--no-actors"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 1, result.stderr
    assert "imported 3, updated 0, unchanged 0, rejected 4" in result.stdout
    assert f"rejected {tmp_path / 'in' / 'pipe.jsonl'}: not a regular file but a named pipe (FIFO): skipped" in result.stderr
    assert f"rejected {tmp_path / 'in' / 'huge-line.jsonl.gz'}:1: line longer than 20 MB" in result.stderr
    usage = subprocess.run(
        [*manage, "import_articles", str(tmp_path / "in" / "pipe.jsonl")], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert usage.returncode == 2 and "a named pipe (FIFO), not a file or folder" in usage.stderr
