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
