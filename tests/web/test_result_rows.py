"""What a result row and a /check/ answer show when an article shares many passages: a few, and how many more."""

from __future__ import annotations

import re

import pytest

from tests.conftest import CORPUS
from tests.query.test_facets import import_rows

pytestmark = pytest.mark.django_db


def long_paragraphs() -> list[str]:
    paragraphs = []
    for path in sorted(CORPUS.glob("*.txt")):
        paragraphs += [p.strip() for p in path.read_text().split("\n\n") if len(p.strip()) > 150]
    return paragraphs


def test_a_row_links_three_passages_and_counts_the_rest(tmp_path, backend, client):
    paragraphs = long_paragraphs()
    shared, own = paragraphs[:6], paragraphs[6:]
    assert len(own) >= 12
    first = "\n\n".join(p for pair in zip(shared, own[0:6], strict=True) for p in pair)
    second = "\n\n".join(p for pair in zip(shared, own[6:12], strict=True) for p in pair)
    ids = import_rows(tmp_path, [("a.txt", "Daily Planet", "2017-05-18", first), ("b.txt", "Gotham Gazette", "2017-05-19", second)])
    html = client.get("/", {"q": "title:story"}).content.decode()
    rows = re.findall(r'<li class="hit">.*?</li>', html, re.S)
    assert len(rows) == 2
    for row in rows:
        sharing = re.search(r'<p class="sharing">(.*?)</p>', row, re.S).group(1)
        passages = int(re.search(r"(\d+) passages? shared", sharing).group(1))
        assert passages > 3, sharing
        assert len(re.findall(r'class="spread-link"', sharing)) == 3
        more = re.search(r'class="spread-more" href="/articles/(\d+)/"[^>]*>and (\d+) more</a>', sharing)
        assert more and int(more.group(2)) == passages - 3 and int(more.group(1)) in ids, sharing


def test_the_check_page_shows_three_passages_per_article_and_folds_the_rest(tmp_path, backend, client):
    from django.urls import reverse

    paragraphs = long_paragraphs()
    shared, own = paragraphs[:6], paragraphs[6:]
    carried = "\n\n".join(p for pair in zip(shared, own[0:6], strict=True) for p in pair)
    import_rows(tmp_path, [("a.txt", "Daily Planet", "2017-05-18", carried)])
    html = client.post(reverse("search:check"), {"text": "\n\n".join(shared)}).content.decode()
    [match] = re.findall(r'<li class="check-match".*?</li>', html, re.S)
    shown, folded = match.split('<details class="more-passages">')
    assert shown.count('<blockquote class="left">') == 3
    more = int(re.search(r"<summary>(\d+) more passages? in this article</summary>", folded).group(1))
    assert more == folded.count('<blockquote class="left">') and more >= 1
