"""The facet rows' template tag escapes every label, kind and link it is given."""

from __future__ import annotations

from search.query.facets import FacetValue
from search.templatetags.newsindex import facet_rows

HOSTILE = '<img src=x onerror="alert(1)"> & \'Co\''


def test_labels_kinds_and_links_are_escaped():
    values = [
        FacetValue(value="1", label=HOSTILE, count=3, selected=False, toggle_url="?actor=1&x=<", kind="PERSON",
                   exclude_url="?actor=-1&y=\"q\""),
        FacetValue(value="2", label=HOSTILE, count=1, selected=True, toggle_url="?actor=2", excluded=True,
                   exclude_url="?z='1'"),
    ]
    html = facet_rows(values, "/search/")
    assert "<img" not in html and 'onerror="' not in html
    assert html.count("&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; &#x27;Co&#x27;") == 4  # label, title, aria-label; struck label
    assert 'href="/search/?actor=1&amp;x=&lt;"' in html
    assert 'href="/search/?actor=-1&amp;y=&quot;q&quot;"' in html
    assert 'href="/search/?z=&#x27;1&#x27;"' in html
    assert html.count("<li") == 2 and "kind-PERSON" in html
