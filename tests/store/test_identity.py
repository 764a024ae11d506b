"""One article, one row: an article is the same article however it arrives (issue #11, identity)."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.core.management import call_command

from search.ingest.identity import canonical_url
from search.store.actors import merge_actor
from search.store.curation import set_hidden
from search.store.models import Actor, ActorAlias, Article, ArticleActor, BoilerplatePassage, PassageGroup, PassageMember
from search.store.passages import mark_boilerplate
from tests.conftest import CORPUS, SEEDS, corpus_path, import_into_db

pytestmark = pytest.mark.django_db


def counts(report) -> tuple[int, int, int, int, int]:  # type: ignore[no-untyped-def]
    return report.imported, report.updated, report.unchanged, len(report.rejected), len(report.duplicates)


def test_canonical_url_ignores_scheme_host_case_slash_fragment_and_tracking():
    same = [
        "https://www.example.com/news/story-1",
        "http://www.example.com/news/story-1",
        "https://WWW.Example.COM/news/story-1/",
        "https://example.com/news/story-1?utm_source=twitter&utm_medium=social",
        "https://www.example.com/news/story-1?fbclid=IwAR0abc#comments",
        "https://www.example.com:443/news/story-1/?gclid=xyz&utm_campaign=x",
    ]
    assert {canonical_url(u) for u in same} == {"example.com/news/story-1"}
    # what does name another page stays
    assert canonical_url("https://example.com/news?id=2") != canonical_url("https://example.com/news?id=1")
    assert canonical_url("https://example.com/news/story-2") != canonical_url(same[0])
    assert canonical_url("https://example.com/a?b=2&a=1") == canonical_url("https://example.com/a?a=1&b=2")
    assert canonical_url("ftp://example.com/x") == canonical_url("not a url") == ""


def test_moved_or_copied_folder_is_unchanged_and_edits_there_update_in_place(tmp_path, backend):
    first, moved = tmp_path / "first", tmp_path / "elsewhere" / "moved"
    shutil.copytree(CORPUS, first)
    assert counts(import_into_db(first, actors=False)) == (5, 0, 0, 0, 0)
    shutil.copytree(first, moved)
    assert counts(import_into_db(moved, actors=False)) == (0, 0, 5, 0, 0)
    shutil.rmtree(first)  # moved, not copied
    assert counts(import_into_db(moved, actors=False)) == (0, 0, 5, 0, 0)
    assert Article.objects.count() == 5
    # an edit in the new place updates the one article
    target = moved / SEEDS["003"]
    article = Article.objects.get(source_file=str(first / SEEDS["003"]))
    target.write_text(target.read_text() + "\n\nA closing paragraph written after the move.\n")
    assert counts(import_into_db(moved, actors=False)) == (0, 1, 4, 0, 0)
    article.refresh_from_db()
    assert article.body.endswith("written after the move.") and Article.objects.count() == 5
    assert article.source_file == str(target)


def test_files_copied_without_their_manifest_are_the_same_articles(tmp_path, backend):
    """The corpus's five files copied without metadata.csv (which names 002's outlet and date):
    still five articles, all unchanged, 002 keeps its outlet; imported again from the copy, the
    same. The reverse, the bare files first and the manifest later: the manifest fills in."""
    assert counts(import_into_db(CORPUS, actors=False)) == (5, 0, 0, 0, 0)
    bare = tmp_path / "bare"
    bare.mkdir()
    for name in SEEDS.values():
        shutil.copy(CORPUS / name, bare / name)
    for _ in range(2):
        assert counts(import_into_db(bare, actors=False)) == (0, 0, 5, 0, 0)
    assert Article.objects.count() == 5
    assert Article.objects.get(source_file=str(CORPUS / SEEDS["002"])).outlet.name == "The Independent"
    # a twin under a named outlet of its own is syndication: another article
    twin = tmp_path / "twin"
    twin.mkdir()
    shutil.copy(CORPUS / SEEDS["002"], twin / "copy.txt")
    (twin / "metadata.csv").write_text("file,outlet\ncopy.txt,Another Paper\n")
    assert counts(import_into_db(twin, actors=False)) == (1, 0, 0, 0, 0)


def test_manifest_added_later_fills_in_the_outlet(tmp_path, backend):
    folder = tmp_path / "later"
    folder.mkdir()
    shutil.copy(CORPUS / SEEDS["002"], folder / "story.txt")
    assert counts(import_into_db(folder, actors=False)) == (1, 0, 0, 0, 0)
    article = Article.objects.get()
    assert article.outlet is None
    set_hidden([article.pk], True)  # curation survives
    (folder / "metadata.csv").write_text("file,outlet\nstory.txt,The Independent\n")
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    assert counts(import_into_db(copy, actors=False)) == (0, 1, 0, 0, 0)
    article.refresh_from_db()
    assert Article.objects.count() == 1 and article.outlet.name == "The Independent" and article.hidden


def _allsides(n: int) -> list[dict]:
    path = corpus_path("allsides", "sample2000.jsonl")
    records = []
    with open(path) as fh:
        for line in fh:
            record = json.loads(line)
            if len(record["content_original"]) > 800:
                records.append(record)
            if len(records) == n:
                break
    return records


def _variant(url: str, n: int) -> str:
    """The same URL written as another export might: scheme, host case, slash, tracking."""
    parts = urlsplit(url)
    join = "&" if parts.query else ""
    forms = [
        parts._replace(scheme="http" if parts.scheme == "https" else "https"),
        parts._replace(netloc=parts.netloc.upper()),
        parts._replace(path=parts.path.rstrip("/") + "/"),
        parts._replace(query=parts.query + join + "utm_source=newsletter&utm_medium=email"),
        parts._replace(query=parts.query + join + "fbclid=IwAR2xyz&gclid=Cj0KCQ", fragment="comments"),
    ]
    return urlunsplit(forms[n % len(forms)])


def _write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def test_same_records_in_two_exports_are_one_article(tmp_path, backend):
    records = _allsides(300)
    one = _write_jsonl(tmp_path / "export-2019.jsonl", records[:200])
    two = _write_jsonl(tmp_path / "export-2020.jsonl", [{**r, "url": _variant(r["url"], i)} for i, r in enumerate(records[49:], start=49)])
    distinct = len({r["url"] for r in records})
    first = import_into_db(one, actors=False)
    assert first.imported == len({r["url"] for r in records[:200]}) and not first.rejected
    second = import_into_db(two, actors=False)
    overlap = {r["url"] for r in records[49:200]}
    assert second.unchanged == len(overlap) == 151  # the same records, their URLs written otherwise
    assert second.updated == 0 and not second.rejected
    assert Article.objects.count() == distinct
    # both exports in one import (a folder holding both): still one article each, the repeats reported
    again = import_into_db(one, two, actors=False)
    assert again.imported == again.updated == 0 and again.unchanged == distinct
    assert len(again.duplicates) == 151 and all("same URL" in d.reason for d in again.duplicates)
    assert Article.objects.count() == distinct


def test_same_record_id_from_the_same_source_is_one_article_without_a_url(tmp_path, backend):
    rows = [{"id": f"r{n}", "source": "Wire Desk", "title": f"Story {n}", "text": f"Body of story {n} about the harbour and the {n} ships in it."} for n in range(6)]
    _write_jsonl(tmp_path / "a.jsonl", rows[:4])
    # a later export: the same records, one of them corrected, in another order, plus two new ones
    later = [rows[5], rows[4], {**rows[2], "text": rows[2]["text"] + " A correction."}, rows[1], rows[0]]
    _write_jsonl(tmp_path / "b.jsonl", later)
    assert counts(import_into_db(tmp_path / "a.jsonl", actors=False)) == (4, 0, 0, 0, 0)
    assert counts(import_into_db(tmp_path / "b.jsonl", actors=False)) == (2, 1, 2, 0, 0)
    assert Article.objects.count() == 6
    assert Article.objects.get(title="Story 2").body.endswith("A correction.")
    # the same id from another source is another article
    _write_jsonl(tmp_path / "c.jsonl", [{**rows[0], "source": "Other Desk", "text": "Other desk's story with the same id number."}])
    assert counts(import_into_db(tmp_path / "c.jsonl", actors=False)) == (1, 0, 0, 0, 0)
    # an id without an outlet says nothing across files: two unrelated files numbering from 1
    for name, text in (("d.jsonl", "A first unrelated story about the ferry."), ("e.jsonl", "A second unrelated story about the bridge.")):
        _write_jsonl(tmp_path / name, [{"id": "1", "title": "Numbered one", "text": text}])
        assert counts(import_into_db(tmp_path / name, actors=False)) == (1, 0, 0, 0, 0)
    assert Article.objects.filter(title="Numbered one").count() == 2


def test_file_edited_in_place_keeps_its_curation(tmp_path, backend):
    folder = tmp_path / "c"
    shutil.copytree(CORPUS, folder)
    import_into_db(folder)
    target = folder / SEEDS["000"]
    article = Article.objects.get(source_file=str(target))
    # a curator hides it, merges two of its actors, marks one of its shared passages as boilerplate
    set_hidden([article.pk], True)
    actors = list(Actor.objects.filter(article_links__article=article, kind="person").order_by("id")[:2])
    assert len(actors) == 2
    merge_actor(actors[1], actors[0], curated=True)
    group = PassageGroup.objects.filter(members__article=article).first()
    assert group is not None
    mark_boilerplate([group])
    target.write_text(target.read_text().replace("\n\n", "\n\nAn inserted sentence for the corrected version.\n\n", 1))
    report = import_into_db(folder)
    assert (report.imported, report.updated, report.unchanged) == (0, 1, 4)
    assert Article.objects.count() == 5
    article.refresh_from_db()
    assert article.hidden and "corrected version" in article.body
    assert ActorAlias.objects.filter(key=actors[1].key, actor=actors[0]).exists()
    assert not Actor.objects.filter(pk=actors[1].pk).exists()
    assert ArticleActor.objects.filter(article=article, actor=actors[0]).exists()
    assert BoilerplatePassage.objects.filter(text_key=group.text_key).exists()
    assert all(g.boilerplate for g in PassageGroup.objects.filter(text_key=group.text_key))


def test_different_files_sharing_a_name_are_two_articles(tmp_path, backend):
    for folder, number in (("left", "001"), ("right", "002")):
        (tmp_path / folder).mkdir()
        shutil.copy(CORPUS / SEEDS[number], tmp_path / folder / "story.txt")
    report = import_into_db(tmp_path, actors=False)
    assert counts(report) == (2, 0, 0, 0, 0)
    assert Article.objects.count() == 2


def test_same_text_under_two_outlets_is_two_articles_linked_by_passages(tmp_path, backend):
    text = (CORPUS / SEEDS["003"]).read_text()
    for name in ("wire.txt", "paper.txt"):
        (tmp_path / name).write_text(text)
    (tmp_path / "metadata.csv").write_text("file,outlet\nwire.txt,Wire Service\npaper.txt,Daily Paper\n")
    report = import_into_db(tmp_path, actors=False)
    assert counts(report) == (2, 0, 0, 0, 0)
    wire, paper = Article.objects.get(outlet__name="Wire Service"), Article.objects.get(outlet__name="Daily Paper")
    shared = set(PassageMember.objects.filter(article=wire).values_list("group_id", flat=True))
    assert shared and shared == set(PassageMember.objects.filter(article=paper).values_list("group_id", flat=True))


def test_exact_twin_files_of_one_outlet_are_reported_not_stored_twice(tmp_path, backend):
    bbc = corpus_path("bbc")
    with open(bbc / "metadata.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    by_md5: dict[str, list[dict]] = {}
    for row in rows:
        by_md5.setdefault(row["md5"], []).append(row)
    pairs = [files for files in by_md5.values() if len(files) == 2][:3]
    singles = [files[0] for files in by_md5.values() if len(files) == 1][:2]
    chosen = [row for pair in pairs for row in pair] + singles
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    for row in chosen:
        (tmp_path / row["file"]).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(bbc / row["file"], tmp_path / row["file"])
        writer.writerow(row)
    (tmp_path / "metadata.csv").write_text(out.getvalue())
    report = import_into_db(tmp_path, actors=False)
    assert counts(report) == (5, 0, 0, 0, 3)
    expected = {str(tmp_path / b["file"]): str(tmp_path / a["file"]) for a, b in (sorted(p, key=lambda r: r["file"]) for p in pairs)}
    assert {d.path: d.first for d in report.duplicates} == expected
    assert all(d.reason == "same outlet and text" for d in report.duplicates)
    assert Article.objects.count() == 5
    # imported again: the same answer, nothing stored twice
    assert counts(import_into_db(tmp_path, actors=False)) == (0, 0, 5, 0, 3)
    # the command says so and exits 0
    out = io.StringIO()
    call_command("import_articles", str(tmp_path), "--no-actors", stdout=out)
    lines = [line for line in out.getvalue().splitlines() if line.startswith("duplicate ")]
    assert len(lines) == 3 and all("same article as" in line for line in lines)
    assert "duplicates 3" in out.getvalue()
