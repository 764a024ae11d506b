from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from search.store.importer import ImportReport, Importer
from search.store.models import Article, IndexTask, Outlet, Paragraph
from tests.conftest import CORPUS, ROOT, SEEDS, import_into_db

pytestmark = pytest.mark.django_db


def test_seed_import(seeds, backend):
    assert seeds["002"].outlet.name == "The Independent"
    assert seeds["002"].published == dt.date(2017, 5, 20) and seeds["002"].date_precision == "day"
    assert seeds["004"].published == dt.date(2017, 5, 18)
    assert seeds["000"].outlet is None and seeds["000"].published is None
    body = seeds["002"].body
    assert "Your support helps us" not in body and "Join our commenting forum" not in body
    assert "Thank you for registering" not in body
    assert "Your support helps us" in seeds["002"].raw_text  # raw kept so cleaning can run again
    assert Paragraph.objects.filter(article=seeds["001"]).count() == 8
    assert Outlet.objects.count() == 1
    assert backend.doc_count() == 5
    assert IndexTask.objects.count() == 0


def test_reimport_changes_nothing(seeds):
    before = list(Article.objects.order_by("id").values_list("id", "content_hash", "updated_at"))
    report = import_into_db(CORPUS)
    assert (report.imported, report.updated, report.unchanged, len(report.rejected)) == (0, 0, 5, 0)
    assert list(Article.objects.order_by("id").values_list("id", "content_hash", "updated_at")) == before


def test_changed_file_updates_article_in_place(tmp_path, backend):
    folder = tmp_path / "c"
    shutil.copytree(CORPUS, folder)
    import_into_db(folder)
    target = folder / SEEDS["003"]
    article = Article.objects.get(source_file=str(target))
    target.write_text(target.read_text() + "\n\nA new closing paragraph about Grozny.\n")
    report = import_into_db(folder)
    assert (report.imported, report.updated, report.unchanged) == (0, 1, 4)
    article.refresh_from_db()
    assert article.body.endswith("A new closing paragraph about Grozny.")
    assert Article.objects.count() == 5
    from search.query.params import SearchParams
    from search.query.results import run_search
    from django.http import QueryDict

    page = run_search(SearchParams.from_query(QueryDict("q=grozny")))
    assert article.pk in [row.article.pk for row in page.rows]


def test_bad_inputs_are_reported_and_good_ones_imported(tmp_path, backend):
    import_into_db(CORPUS)
    before = {a.pk: a.content_hash for a in Article.objects.all()}
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "binary.txt").write_bytes(bytes(range(256)) * 40)
    (bad / "empty.md").write_bytes(b"")
    (bad / "huge.txt").write_bytes(b"lorem ipsum " * 500_000)
    (bad / "latin.txt").write_bytes("Caf\xe9 owners protest\n\nThe caf\xe9 owners of Grozny protested.".encode("cp1252"))
    (bad / "lines.jsonl").write_text('{"title": "Good", "text": "A good record body."}\n{broken\n{"title": "No body"}\n')
    (bad / "rows.csv").write_text("title,text\nGood row,A body of a good row.\nEmpty,\n")
    (bad / "cut.jsonl.gz").write_bytes(gzip.compress(json.dumps({"title": "x", "text": "y"}).encode() * 100)[:40])
    report = import_into_db(bad)
    reasons = sorted((Path(r.path).name, r.line, r.reason.split(" (")[0]) for r in report.rejected)
    names = [name for name, _, _ in reasons]
    assert names.count("binary.txt") == 1 and names.count("empty.md") == 1 and names.count("huge.txt") == 1
    assert ("lines.jsonl", 2) in [(n, line) for n, line, _ in reasons]
    assert ("lines.jsonl", 3) in [(n, line) for n, line, _ in reasons]
    assert ("rows.csv", 3) in [(n, line) for n, line, _ in reasons]
    assert "cut.jsonl.gz" in names
    assert report.imported == 3  # latin.txt, the good JSONL line, the good CSV row
    assert Article.objects.get(title="Caf\u00e9 owners protest").body == "The caf\u00e9 owners of Grozny protested."
    # nothing imported before was lost or changed
    assert {a.pk: a.content_hash for a in Article.objects.filter(pk__in=before)} == before


def test_command_exit_status_and_summary(tmp_path, capsys):
    with pytest.raises(CommandError) as usage:  # a path that is no file, folder or URL: usage error
        call_command("import_articles", str(tmp_path / "missing"))
    assert usage.value.returncode == 2 and "no such file or folder" in str(usage.value)
    with pytest.raises(CommandError) as usage:  # a URL of a scheme not read is no missing file
        call_command("import_articles", "ftp://example.com/x")
    assert usage.value.returncode == 2
    assert str(usage.value) == "ftp://example.com/x: the ftp:// scheme is not supported (http and https are): give files, folders or http(s):// URLs"
    (tmp_path / "empty.txt").write_bytes(b"")
    with pytest.raises(SystemExit) as exit_info:  # an input rejected: exit status 1
        call_command("import_articles", str(tmp_path / "empty.txt"))
    assert exit_info.value.code == 1
    call_command("import_articles", str(CORPUS))  # all good: returns normally (exit status 0)
    out = capsys.readouterr().out
    assert "imported 5, updated 0, unchanged 0, rejected 0" in out
    stages = re.search(r"\[(.*)\]", out.splitlines()[-1])  # "[actors 1.2s, clean 0.1s]": the stages over 0.05 s
    assert stages and all(re.fullmatch(r"[a-z]+ \d+\.\ds", part) for part in stages.group(1).split(", "))


def test_summary_rate_keeps_its_precision_below_one_record_a_second():
    slow = ImportReport(imported=2, seconds=5.0).summary()
    assert "in 5.0s (0.4 records/s)" in slow
    assert "(0.033 records/s)" in ImportReport(unchanged=1, seconds=30.0).summary()
    assert "(12 records/s)" in ImportReport(imported=37, seconds=3.0).summary()
    assert "(8,786 records/s)" in ImportReport(unchanged=8786, seconds=1.0).summary()
    assert "(0 records/s)" in ImportReport().summary()


def test_report_times_every_stage():
    report = Importer().run([CORPUS])
    assert set(report.stages) == {"read", "clean", "actors", "store", "boilerplate", "passages", "index", "alerts"}
    assert all(seconds >= 0 for seconds in report.stages.values())
    assert sum(report.stages.values()) <= report.seconds


def test_command_usage_error_exits_2(tmp_path):
    env = {**os.environ, "NEWSINDEX_DATA_DIR": str(tmp_path)}
    result = subprocess.run([sys.executable, "manage.py", "import_articles"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 2
    assert "required: PATH" in result.stderr
    result = subprocess.run([sys.executable, "manage.py", "import_articles", "--batch-size", "0", "corpus"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 2 and "--batch-size" in result.stderr


def test_learned_boilerplate_removed_from_body_and_index(tmp_path, backend):
    folder = tmp_path / "outlet"
    folder.mkdir()
    rows = ["file,outlet"]
    for n in range(6):
        (folder / f"{n}.txt").write_text(
            f"Story {n} headline\n\nUnique news sentence number {n} about the harbour.\n\n"
            "Read the Daily Planet on your phone with our award-winning app, free today."
        )
        rows.append(f"{n}.txt,Daily Planet")
    (folder / "metadata.csv").write_text("\n".join(rows) + "\n")
    report = import_into_db(folder)
    assert report.boilerplate_articles == 6
    for article in Article.objects.all():
        assert "award-winning app" not in article.body
        assert "harbour" in article.body
    from search.index.base import SearchQuery

    assert backend.search(SearchQuery(text="award-winning")).total == 0
    assert backend.search(SearchQuery(text="harbour")).total == 6


def test_nul_characters_and_lone_surrogates_in_json_are_scrubbed(tmp_path, backend):
    path = tmp_path / "odd.jsonl"
    path.write_text('{"title": "Nul\\u0000 title", "text": "Body with \\u0000 nul and \\ud800 surrogate.", "source": "X\\u0000Y"}\n')
    report = import_into_db(path)
    assert report.imported == 1 and not report.rejected
    article = Article.objects.get()
    assert article.title == "Nul title" and "\x00" not in article.raw_text and "\x00" not in article.outlet.name
    assert "surrogate" in article.body
