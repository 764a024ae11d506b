from __future__ import annotations

import gzip
import json
from pathlib import Path

from search.ingest.readers import Ignored, iter_inputs
from search.ingest.records import Rejection, SourceRecord
from tests.conftest import CORPUS


def items(*paths: Path):
    return list(iter_inputs(paths))


def records(found):
    return [i for i in found if isinstance(i, SourceRecord)]


def rejections(found):
    return [i for i in found if isinstance(i, Rejection)]


def test_folder_with_manifest_applies_metadata():
    found = records(items(CORPUS))
    assert len(found) == 5
    by_name = {Path(r.path).name: r for r in found}
    assert by_name["002_d6a710220473de7e.txt"].meta == {"outlet": "The Independent", "date": "2017-05-20"}
    assert by_name["000_dc8a73144e061a33.txt"].meta == {}


def test_manifest_headers_are_case_insensitive_with_aliases(tmp_path):
    (tmp_path / "a.txt").write_text("Title\n\nBody text here.")
    (tmp_path / "metadata.csv").write_text("FILE,Headline,Source,Published,Link,Author,Other\na.txt,T,Outlet X,2017-01-02,https://x.org/a,Ann Lee,zzz\n")
    (record,) = records(items(tmp_path))
    assert record.meta == {"title": "T", "outlet": "Outlet X", "date": "2017-01-02", "url": "https://x.org/a", "authors": "Ann Lee"}


def test_jsonl_gz_records_and_malformed_lines(tmp_path):
    path = tmp_path / "x.jsonl.gz"
    lines = [
        json.dumps({"ID": "a1", "title": "T1", "source": "Fox News", "content_original": "Body one."}),
        "{not json",
        json.dumps(["a", "list"]),
        json.dumps({"title": "No body"}),
        json.dumps({"id": 7, "headline": "T2", "maintext": "Body two.", "authors": ["A B", "C D"]}),
    ]
    path.write_bytes(gzip.compress("\n".join(lines).encode()))
    found = items(path)
    good = records(found)
    assert [r.meta.get("title") for r in good] == ["T1", "T2"]
    assert good[0].meta["outlet"] == "Fox News" and good[0].key.endswith("#id=a1")
    assert good[1].meta["authors"] == "A B; C D"
    bad = {r.line: r.reason for r in rejections(found)}
    assert set(bad) == {2, 3, 4}
    assert "malformed JSON" in bad[2] and "not an object" in bad[3] and "no body" in bad[4]


def test_truncated_gzip_keeps_records_before_the_cut(tmp_path):
    body = "\n".join(json.dumps({"id": n, "title": f"T{n}", "text": "Some body text. " * 50}) for n in range(200))
    data = gzip.compress(body.encode())
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) // 2])
    found = items(path)
    assert 0 < len(records(found)) < 200
    (problem,) = rejections(found)
    assert "ends early or is corrupt" in problem.reason


def test_csv_with_embedded_newlines_and_missing_body(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text('title,body,outlet\n"A, b","Line one.\n\nLine ""two"".",X\nNo body,,Y\n')
    found = items(path)
    (good,) = records(found)
    assert good.content == 'Line one.\n\nLine "two".'
    (bad,) = rejections(found)
    assert bad.line == 5 and "no body" in bad.reason


def test_json_list_file(tmp_path):
    path = tmp_path / "x.json"
    path.write_text(json.dumps({"articles": [{"title": "A", "text": "Body."}, {"title": 5, "text": {"nested": 1}}]}))
    found = items(path)
    assert len(records(found)) == 1
    assert "no body" in rejections(found)[0].reason


def test_bad_files_are_rejected_with_reasons(tmp_path):
    (tmp_path / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 50)
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.html").write_text("   \n\n ")
    (tmp_path / "huge.txt").write_bytes(b"word " * (1024 * 1024 + 10))
    (tmp_path / "cp1252.txt").write_bytes("Caf\xe9 society\n\nThe na\xefve \x93quoted\x94 text.".encode("latin-1"))
    (tmp_path / "image.jpg").write_bytes(b"\xff\xd8\xff")
    found = items(tmp_path)
    reasons = {Path(r.path).name: r.reason for r in rejections(found)}
    assert "binary" in reasons["binary.txt"]
    assert reasons["empty.txt"] == "empty file"
    assert reasons["blank.html"] == "empty file"
    assert "larger than 5 MB" in reasons["huge.txt"]
    assert "cp1252.txt" not in reasons
    (decoded,) = records(found)
    assert decoded.content == "Café society\n\nThe naïve “quoted” text."
    assert any(isinstance(i, Ignored) and "image.jpg" in i for i in found)


def test_missing_path_is_rejected(tmp_path):
    (problem,) = items(tmp_path / "nope")
    assert isinstance(problem, Rejection) and problem.reason == "no such file or folder"
    (problem,) = items("sftp://example.com/x.jsonl")
    assert isinstance(problem, Rejection) and problem.reason == "the sftp:// scheme is not supported (http and https are)"


def test_content_hash_is_stable_and_changes_with_content(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("Title\n\nBody.")
    first = records(items(path))[0].content_hash
    assert records(items(path))[0].content_hash == first
    path.write_text("Title\n\nBody changed.")
    assert records(items(path))[0].content_hash != first


def test_record_file_without_bodies_in_a_folder_is_ignored_not_rejected(tmp_path):
    (tmp_path / "pairs.jsonl").write_text('{"file_a": "x", "file_b": "y"}\n{"file_a": "z"}\n')
    (tmp_path / "a.txt").write_text("Title\n\nBody.")
    found = items(tmp_path)
    assert not rejections(found) and len(records(found)) == 1
    assert any(isinstance(i, Ignored) and "not an article file" in i for i in found)
    # named explicitly, it is an error
    assert rejections(items(tmp_path / "pairs.jsonl"))
