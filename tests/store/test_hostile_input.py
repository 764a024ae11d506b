"""A generated bad-input corpus: no crash, every rejection explained, every good article imported."""

from __future__ import annotations

import gzip
import json
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
