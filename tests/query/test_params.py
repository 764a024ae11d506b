"""SearchParams: the one query-string scheme of the page, the export and the API."""

from __future__ import annotations

from django.http import QueryDict

def test_toggles_equal_the_canonical_query_string_of_each_change():
    from search.query.params import SearchParams as Params

    params = Params.from_query(QueryDict("q=visas&outlet=BBC&actor=3&from=2017-01-01&sort=date&collapse=1&page=4"))
    for name, values in (("outlet", ["BBC", "The Guardian", "A&B =?"]), ("actor", [3, 7, 12])):
        for value, url in zip(values, params.toggles(name, values), strict=True):
            current = getattr(params, name)
            changed = tuple(v for v in current if v != value) if value in current else (*current, value)
            assert url == params.querystring(**{name: changed})
    bare = Params.from_query(QueryDict(""))
    assert bare.toggles("actor", [5]) == ["?actor=5"] and bare.toggle("outlet", "X") == "?outlet=X"


def test_a_page_past_the_end_becomes_the_last_with_one_message():
    from search.query.params import MAX_PAGE, SearchParams as Params

    asked = Params.from_query(QueryDict("q=visas&page=7"))
    assert asked.on_existing_page(9) == (asked, [])
    assert asked.on_existing_page(3) == (Params(q="visas", page=3), ["There are only 3 pages of results: showing page 3."])
    assert asked.on_existing_page(1)[1] == ["There is only 1 page of results: showing page 1."]
    assert asked.on_existing_page(0) == (Params(q="visas", page=1), [])  # no results: page 1, nothing to say
    far = Params.from_query(QueryDict("q=visas&page=999"))
    assert far.problems == ()  # said once the pages are counted, not twice
    assert far.on_existing_page(1)[1] == ["There is only 1 page of results: showing page 1."]
    assert far.on_existing_page(MAX_PAGE + 200) == (Params(q="visas", page=MAX_PAGE), [f"Only the first {MAX_PAGE} pages can be shown: narrow the search."])
    assert far.on_existing_page(MAX_PAGE) == (Params(q="visas", page=MAX_PAGE), [f"There are only {MAX_PAGE} pages of results: showing page {MAX_PAGE}."])
