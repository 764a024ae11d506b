"""Importing the real corpora in ../shared/corpora as they are."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os

import pytest

from search.ingest.dates import parse_date
from search.ingest.fields import is_pseudo_outlet, outlet_from_url
from search.store.models import Article, Outlet, OutletAlias
from tests.conftest import corpus_path, import_into_db

pytestmark = [pytest.mark.django_db, pytest.mark.corpora]


def test_bbc_folder(backend):
    folder = corpus_path("bbc").resolve()
    with open(folder / "metadata.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    report = import_into_db(folder, actors=False)  # this test is about reading; actors have their own
    assert report.rejected == []
    twins = len(rows) - len({row["md5"] for row in rows})
    assert twins == 98
    assert report.imported == len(rows) - twins == Article.objects.count()
    assert list(Outlet.objects.values_list("name", flat=True)) == ["BBC News"]
    assert any("README" in note for note in report.ignored)
    # the one Latin-1 file is decoded, not rejected
    (latin,) = [r for r in rows if r["encoding"] != "utf-8"]
    article = Article.objects.get(source_file=os.path.normpath(folder / latin["file"]))
    assert article.title == latin["title"]
    assert "£15.8m" in article.body
    assert backend.doc_count() == len(rows) - twins
    # its exact duplicate files are reported as the same article as their twins, stored once
    by_md5: dict[str, list[str]] = {}
    for row in rows:
        by_md5.setdefault(row["md5"], []).append(os.path.normpath(folder / row["file"]))
    expected = {later: first for files in by_md5.values() for first, *others in [sorted(files)] for later in others}
    assert {d.path: d.first for d in report.duplicates} == expected
    assert all(d.reason == "same outlet and text" for d in report.duplicates)
    assert not Article.objects.filter(source_file__in=list(expected)).exists()


def test_clusters_folder_applies_its_manifest(backend):
    folder = corpus_path("clusters").resolve()
    with open(folder / "metadata.csv", newline="") as fh:
        rows = {os.path.normpath(folder / r["file"]): r for r in csv.DictReader(fh)}
    report = import_into_db(folder, actors=False)
    # the only rejections are files that hold a title and no text
    assert {r.reason for r in report.rejected} <= {"no body text (only a title)"}
    for rejection in report.rejected:
        with open(rejection.path) as fh:
            assert len([line for line in fh if line.strip()]) == 1
    # three files are snapshots of one live page (the same URL): one article, the others reported
    assert {(os.path.basename(d.path), os.path.basename(d.first), d.reason.split(";")[0]) for d in report.duplicates} == {
        ("14_5ecbplus.txt", "14_4ecbplus.txt", "same URL"),
        ("14_6ecbplus.txt", "14_4ecbplus.txt", "same URL"),
    }
    assert report.imported + len(report.rejected) + len(report.duplicates) == len(rows)
    assert any("shared_text_pairs.jsonl" in note for note in report.ignored)
    mapped = dict(OutletAlias.objects.values_list("name", "outlet__name"))  # a domain's publisher (search.store.outlets)
    for article in Article.objects.select_related("outlet"):
        row = rows[article.source_file]
        assert article.outlet_name == mapped.get(row["outlet"], row["outlet"])
        if row["title"].strip():
            assert article.title == " ".join(row["title"].split())
        else:  # no title anywhere: the start of the text stands in for it
            assert article.title.rstrip("…") in " ".join(article.raw_text.split())
        expected, _, _ = parse_date(row["date"])
        assert article.published == expected


def test_allsides_sample_records():
    path = corpus_path("allsides", "sample2000.jsonl").resolve()
    with open(path) as fh:
        records = [json.loads(line) for line in fh]
    report = import_into_db(path, actors=False)
    # one article is in the sample twice, under two outlet labels (Townhall's column re-posted as
    # "Guest Writer - Right"): the same URL, one article
    assert [d.reason for d in report.duplicates] == ["same URL; the records differ, the first is kept"]
    assert report.imported + len(report.rejected) + len(report.duplicates) == len(records)
    assert all("no body" in r.reason for r in report.rejected)
    assert report.imported > 0.95 * len(records)
    mapped = dict(OutletAlias.objects.values_list("name", "outlet__name"))  # a domain's publisher (search.store.outlets)
    for article in Article.objects.select_related("outlet"):
        record = records[article.source_line - 1]
        source = " ".join(record["source"].split())
        if is_pseudo_outlet(source):  # "Guest Writer - Right": the URL's domain names the publisher
            domain = outlet_from_url(record["url"])
            assert article.outlet_name == mapped.get(domain, domain), (source, record["url"])
        else:
            assert article.outlet_name == source
        assert article.title == " ".join(record["title"].split())
        if record["date"].strip():
            expected, _, _ = parse_date(record["date"])
            assert article.published == expected
        elif article.published:  # no date in the record: only a dateline near the top of the text
            assert str(article.published.year) in record["content_original"][:3000]
    # bogus dates are dropped with a warning, the article kept
    assert all(a.published is None or dt.date(1900, 1, 1) <= a.published <= dt.date.today() for a in Article.objects.all())
    reimport = import_into_db(path, actors=False)
    assert reimport.unchanged == report.imported and reimport.imported == reimport.updated == 0
    assert len(reimport.duplicates) == 1

