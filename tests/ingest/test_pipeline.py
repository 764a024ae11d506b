from __future__ import annotations

import datetime as dt

import pytest

from search.ingest.pipeline import clean_record
from search.ingest.readers import iter_inputs
from search.ingest.records import RejectedRecord, SourceRecord
from tests.conftest import CORPUS, SEEDS


@pytest.fixture(scope="module")
def seeds():
    found = {r.path.rsplit("/", 1)[-1]: r for r in iter_inputs([CORPUS]) if isinstance(r, SourceRecord)}
    return {number: clean_record(found[name]) for number, name in SEEDS.items()}


def test_seed_titles(seeds):
    assert seeds["000"].title == "European Parliament Demands 'Credible Investigation' Into Abuse Of Gay Men In Chechnya"
    assert seeds["001"].title == "Gay Chechens Denied US Visas After Attempting To Escape Horrific Abuse"
    # 002 starts with a notification prompt: the headline is the first real paragraph
    assert seeds["002"].title == "Chechyan LGBT activists urge governments to help them flee persecution in their Russian homeland"
    assert seeds["004"].title == "US denied visas to 40 gay Chechen refugees - report"


def test_seed_metadata_only_what_is_known(seeds):
    assert seeds["002"].outlet == "The Independent"
    assert seeds["002"].published == dt.date(2017, 5, 20)
    assert seeds["002"].authors == ["Greg Wilford"]
    # 004 names The Independent as a source in its body: that does not make it the publisher
    assert seeds["004"].outlet == ""
    assert seeds["004"].published == dt.date(2017, 5, 18)  # from its dateline "Thursday, May 18, 2017"
    for number in ("000", "001", "003"):
        assert seeds[number].outlet == "" and seeds[number].published is None


def test_seed_bodies_are_clean(seeds):
    body = "\n".join(seeds["002"].paragraphs)
    assert "Your support" not in body and "commenting forum" not in body and "registering" not in body
    assert "Saturday 20 May 2017" not in body and "Greg Wilford" not in body
    assert seeds["002"].paragraphs[0].startswith("A brutal crackdown")
    assert seeds["002"].paragraphs[-1].startswith("Russian President Vladimir Putin announced")
    # headline repeated as the first paragraph is kept once (as the title)
    assert seeds["001"].title not in seeds["001"].paragraphs
    assert seeds["003"].title not in seeds["003"].paragraphs


def test_seed_paragraph_counts(seeds):
    counts = {number: len(article.paragraphs) for number, article in seeds.items()}
    assert counts == {"000": 12, "001": 8, "002": 20, "003": 14, "004": 13}


def test_html_record_uses_trafilatura_metadata():
    html = """<html><head><title>Ignored</title><meta property="og:site_name" content="Example Times">
    <meta name="author" content="Jane Doe"><meta property="article:published_time" content="2017-05-18">
    <meta property="og:url" content="https://www.example.com/news/1"></head>
    <body><nav>Home | World</nav><article><h1>Visas denied</h1>
    <p>The United States has denied visas to up to 40 gay Chechens seeking sanctuary, a report claims.</p>
    <p>Buzzfeed states these individuals are in hiding around Russia <script>alert(1)</script> as accusations mount.</p>
    </article><footer>Sign up to our newsletter</footer></body></html>"""
    article = clean_record(SourceRecord("/x/a.html", None, "/x/a.html", "html", html, {}))
    assert article.title == "Visas denied"
    assert article.outlet == "Example Times"
    assert article.authors == ["Jane Doe"]
    assert article.published == dt.date(2017, 5, 18)
    assert len(article.paragraphs) == 2
    assert "alert" not in " ".join(article.paragraphs)


def test_outlet_from_url_when_nothing_else():
    record = SourceRecord("/x", 1, "k", "record", "Body text.", {"title": "T", "url": "https://www.independent.co.uk/news/x"})
    assert clean_record(record).outlet == "independent.co.uk"


def test_future_date_dropped_article_kept():
    record = SourceRecord("/x", 1, "k", "record", "Body text.", {"title": "T", "date": "2050-09-30"})
    article = clean_record(record)
    assert article.published is None and article.paragraphs == ["Body text."]
    assert any("2050-09-30" in w for w in article.warnings)


def test_record_of_only_boilerplate_is_rejected():
    record = SourceRecord("/x", 1, "k", "record", "Comments\n\nThank you for registering", {"title": "T"})
    with pytest.raises(RejectedRecord, match="boilerplate"):
        clean_record(record)
